"""Edit -> dev box latency of `watch.py`, side by side with re-running `deploy.py`.

Against a warm dev box (tests/e2e/devbox.py: its own sshd and engine, reached over real
SSH), each of --edits edits changes what a route of the api answers (a marker route added
to apps/api/app/api/routes.py for the run, restored at the end) and times, from the local
write:
  (a) on the box: the new content in the box's copy (read in the box every 10 ms);
  (b) served: the api's answer over an `ssh -L` tunnel carries the new marker (every 20 ms).
Then the same edit through `pyinfra <box> deploy.py -y` (--deploys runs).

    .venv/bin/python bench/watch_latency.py [--edits 20] [--deploys 3]
Needs the stand-in images (images/build.sh); every box, volume and secrets file it
creates is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.devbox import DevBox, DevBoxes, warm_preload  # noqa: E402
from tests.e2e.helpers import extra_ca_dir  # noqa: E402

ROUTES = REPO / "apps" / "api" / "app" / "api" / "routes.py"
ON_BOX = "/home/dev/devstack/apps/api/app/api/routes.py"
PROBE = '\n\n@router.get("/__watch-bench")\nasync def watch_bench() -> dict:\n    return {{"marker": {marker}}}\n'


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class BoxFile:
    """The marker in the box's copy of routes.py, read in the box every 10 ms (docker exec,
    not SSH: the measurement must not share the watch's connection)."""

    def __init__(self, box: DevBox) -> None:
        loop = f"while :; do grep -o 'marker\": [0-9]*' {ON_BOX} | tail -1; sleep 0.01; done"
        self.proc = subprocess.Popen(
            ["docker", "exec", "-u", "dev", box.name, "sh", "-c", loop], stdout=subprocess.PIPE, text=True
        )
        self.seen: dict[int, float] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                marker = int(line.rsplit(" ", 1)[-1])
            except ValueError:
                continue
            self.seen.setdefault(marker, time.perf_counter())

    def close(self) -> None:
        self.proc.kill()


def served(port: int, marker: int, timeout: float = 60) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/__watch-bench", timeout=2) as answer:
                if f'"marker":{marker}' in answer.read().decode():
                    return time.perf_counter()
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"the api never served marker {marker} within {timeout}s")


def edit(original: str, marker: int) -> float:
    ROUTES.write_text(original + PROBE.format(marker=marker))
    return time.perf_counter()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure_watch(box: DevBox, original: str, port: int, edits: int) -> tuple[list[float], list[float]]:
    watch = subprocess.Popen(box.pyinfra_argv("watch.py", "-y"), cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)  # fmt: skip
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(watch.stdout), daemon=True).start()
    deadline = time.monotonic() + 900
    while not any("watching" in line for line in lines):
        if watch.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("watch.py did not start:\n" + "".join(lines[-40:]))
        time.sleep(0.2)
    box_file = BoxFile(box)
    on_box, serving = [], []
    try:
        served(port, 0)  # the first probe (the deploy uploaded marker 0) is up
        for marker in range(1, edits + 1):
            written = edit(original, marker)
            answered = served(port, marker)
            while marker not in box_file.seen and time.perf_counter() - written < 10:
                time.sleep(0.005)
            on_box.append(box_file.seen[marker] - written)
            serving.append(answered - written)
            time.sleep(0.3)  # an editor's pace, not a burst
    finally:
        box_file.close()
        watch.send_signal(signal.SIGINT)
        watch.wait(timeout=60)
    print("".join(line for line in lines if "synced" in line)[-600:], end="")
    return on_box, serving


def measure_deploy(box: DevBox, original: str, port: int, runs: int, first: int) -> list[float]:
    times = []
    for marker in range(first, first + runs):
        written = edit(original, marker)
        subprocess.run(box.pyinfra_argv("deploy.py", "-y"), cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)  # fmt: skip
        times.append(served(port, marker) - written)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--deploys", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, **({"EXTRA_CA_CERTS_DIR": str(extra_ca_dir())} if extra_ca_dir() else {})}
    subprocess.run(["bash", str(REPO / "images" / "build.sh"), "devbox"], check=True, env=env, stdout=subprocess.DEVNULL)
    original = ROUTES.read_text()
    boxes = DevBoxes()
    tunnel = None
    try:
        box = boxes.start("bench-watch", preload=warm_preload(boxes.workdir))
        edit(original, 0)
        port = free_port()
        tunnel = box.tunnel(port, 8000)
        on_box, serving = measure_watch(box, original, port, args.edits)
        deploys = measure_deploy(box, original, port, args.deploys, args.edits + 1)
    finally:
        ROUTES.write_text(original)
        if tunnel:
            tunnel.terminate()
        boxes.close()
    print(f"watch.py, {len(on_box)} edits: on the box p50 {pct(on_box, .5):.3f} s p95 {pct(on_box, .95):.3f} s; "
          f"api serves it p50 {pct(serving, .5):.3f} s p95 {pct(serving, .95):.3f} s")  # fmt: skip
    print(f"deploy.py, {len(deploys)} runs: api serves it p50 {statistics.median(deploys):.3f} s")
    print(f"ratio deploy.py / watch.py (served p50): {statistics.median(deploys) / pct(serving, .5):.1f}x; "
          f"(on the box p50): {statistics.median(deploys) / pct(on_box, .5):.1f}x")


if __name__ == "__main__":
    main()
