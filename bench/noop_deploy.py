"""No-op deploy wall time: ours vs bare `docker compose up -d --wait`, side by side.

Run on a machine where `pyinfra @local deploy.py -y` has brought the stack up:
    .venv/bin/python bench/noop_deploy.py [runs]
Both commands converge the same, already up-to-date stack; the ratio < 1 means ours
is faster. Prints the median of each and their ratio.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYINFRA = str(Path(sys.executable).with_name("pyinfra"))
ROOT = Path(os.path.expanduser("~/devstack"))  # project_dir of group_data/all.py


def timed(argv: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def main(runs: int) -> None:
    ours_cmd = [PYINFRA, "@local", "deploy.py", "-y"]
    bare_cmd = [
        "docker", "compose", "-p", "infra", "--project-directory", str(ROOT / "infra"),
        "-f", str(ROOT / "infra" / "docker-compose.yml"), "--env-file", str(ROOT / ".env"),
        "up", "-d", "--wait",
    ]
    timed(ours_cmd, cwd=REPO)  # make sure the stack is up to date first
    ours, bare = [], []
    for _ in range(runs):  # interleaved, so drift on the machine hits both alike
        ours.append(timed(ours_cmd, cwd=REPO))
        bare.append(timed(bare_cmd))
    ours_median, bare_median = statistics.median(ours), statistics.median(bare)
    print(f"runs: {runs}")
    print(f"pyinfra @local deploy.py -y (no-op): median {ours_median:.2f}s  (min {min(ours):.2f}s)")
    print(f"docker compose up -d --wait:          median {bare_median:.2f}s  (min {min(bare):.2f}s)")
    print(f"ratio ours/bare: {ours_median / bare_median:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
