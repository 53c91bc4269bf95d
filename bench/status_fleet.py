"""status.py over 1, 2 and 4 dev boxes, side by side with its anchors, in the same run:
- `ssh box docker compose ps` on every box at once (what `kamal details` does: one
  remote command per box, no health verdict, no drift);
- `deploy.py --dry` (the drift check status.py replaces, ~9 remote commands per box).
The boxes are the warm e2e boxes (tests/e2e/devbox.py), deployed once before timing:
    .venv/bin/python bench/status_fleet.py [--rounds 3]
Needs the stand-in images (images/build.sh); builds the devbox image if missing. Every
box, volume and secrets file it creates is removed at the end. Hold the e2e lock.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.devbox import DevBox, DevBoxes, warm_preload  # noqa: E402
from tests.e2e.helpers import PYINFRA, extra_ca_dir  # noqa: E402


def timed(argv: list[str], ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode not in ok:
        sys.exit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return time.perf_counter() - start


def ssh_ps_all(boxes: list[DevBox]) -> float:
    """The anchor: one `docker compose ps` per box over SSH, all boxes at once."""
    start = time.perf_counter()
    procs = [subprocess.Popen(["ssh", *b.ssh_options(), f"{b.user}@{b.hostname}", "docker compose -p infra ps"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for b in boxes]
    if any(p.wait() for p in procs):
        sys.exit("ssh docker compose ps failed")
    return time.perf_counter() - start


def median(runs: int, measure) -> float:
    return statistics.median(measure() for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    env = {**os.environ, **({"EXTRA_CA_CERTS_DIR": str(extra_ca_dir())} if extra_ca_dir() else {})}
    subprocess.run(["bash", str(REPO / "images" / "build.sh"), "devbox"], check=True, env=env, stdout=subprocess.DEVNULL)
    boxes = DevBoxes()
    rows = []
    try:
        preload = warm_preload(boxes.workdir)
        started = [boxes.start(f"bench-status-{i}", preload=preload) for i in range(4)]
        timed([*PYINFRA, str(boxes.inventory(started)), "deploy.py", "-y"])
        for count in (1, 2, 4):
            inventory = str(boxes.inventory(started[:count]))
            status = median(rounds, lambda: timed([*PYINFRA, inventory, "status.py"], ok=(0, 3)))
            dry = median(rounds, lambda: timed([*PYINFRA, inventory, "deploy.py", "--dry"]))
            anchor = median(rounds, lambda: ssh_ps_all(started[:count]))
            rows.append((count, status, dry, anchor))
        shown = subprocess.run([*PYINFRA, inventory, "status.py"], cwd=REPO, capture_output=True, text=True)
    finally:
        boxes.close()
    print(shown.stdout)
    print(f"median of {rounds} runs each; status.py: 2 remote commands per box")
    print(f"{'boxes':>5} {'status.py':>10} {'deploy --dry':>13} {'ssh ps (anchor)':>16} {'status/dry':>11} {'status/anchor':>14}")
    for count, status, dry, anchor in rows:
        print(f"{count:>5} {status:>9.2f}s {dry:>12.2f}s {anchor:>15.2f}s {status / dry:>11.2f} {status / anchor:>14.2f}")
    one = rows[0][1]
    print("status.py vs one box: " + ", ".join(f"{c} boxes x{s / one:.2f}" for c, s, _, _ in rows[1:]))


if __name__ == "__main__":
    main()
