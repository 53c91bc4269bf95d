"""One dev box vs two in one pyinfra run: wall times and their ratio.

pyinfra runs a deploy's hosts in parallel (gevent), so two boxes should cost about what
one does; a ratio near 2 means something serialises (the local side, or the engine all
boxes share here). Uses the warm boxes of the e2e tests (tests/e2e/devbox.py: stand-ins
and app images preloaded), so it times deploying, not image builds:
    .venv/bin/python bench/parallel_boxes.py
Needs the stand-in images (images/build.sh); builds the devbox image if missing. Every
box, volume and secrets file it creates is removed at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.devbox import DevBox, DevBoxes, warm_preload  # noqa: E402
from tests.e2e.helpers import PYINFRA, extra_ca_dir  # noqa: E402


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return time.perf_counter() - start


def deploy_times(boxes: DevBoxes, targets: list[DevBox]) -> tuple[float, float]:
    """(first deploy, no-op deploy) of these boxes in one pyinfra run."""
    argv = [*PYINFRA, str(boxes.inventory(targets)), "deploy.py", "-y"]
    return timed(argv), timed(argv)


def main() -> None:
    env = {**os.environ, **({"EXTRA_CA_CERTS_DIR": str(extra_ca_dir())} if extra_ca_dir() else {})}
    subprocess.run(["bash", str(REPO / "images" / "build.sh"), "devbox"], check=True, env=env, stdout=subprocess.DEVNULL)
    boxes = DevBoxes()
    try:
        preload = warm_preload(boxes.workdir)
        one = [boxes.start("bench-one", preload=preload)]
        two = [boxes.start(label, preload=preload) for label in ("bench-a", "bench-b")]
        one_first, one_noop = deploy_times(boxes, one)
        two_first, two_noop = deploy_times(boxes, two)
    finally:
        boxes.close()
    print(f"first deploy: one box {one_first:6.1f}s   two boxes {two_first:6.1f}s   ratio {two_first / one_first:.2f}")
    print(f"no-op deploy: one box {one_noop:6.1f}s   two boxes {two_noop:6.1f}s   ratio {two_noop / one_noop:.2f}")


if __name__ == "__main__":
    main()
