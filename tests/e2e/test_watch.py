"""watch.py over real SSH into a warm dev box (issue 15): the deploy, then every local edit
on the box within a second, served by the reloaded api, no container recreated; deletes;
a burst ends equal; a lock file edit rebuilds only web; a cut connection is re-made;
Ctrl-C leaves no staging files. Edits go to this checkout's apps/ and are undone after.
"""

from __future__ import annotations

import hashlib
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.devbox import DevBox, DevBoxes
from tests.e2e.helpers import REPO, http_get, wait_for

ROUTES = REPO / "apps" / "api" / "app" / "api" / "routes.py"
BURST = REPO / "apps" / "api" / "app" / "watch_e2e_burst"
ON_BOX = "/home/dev/devstack"
PROBE = '\n\n@router.get("/__watch-e2e")\nasync def watch_e2e() -> dict:\n    return {{"marker": {marker}}}\n'
WEB_FILES = (REPO / "apps" / "web" / "package.json", REPO / "apps" / "web" / "pnpm-lock.yaml")


class Watch:
    """A running `pyinfra <box> watch.py -y`, its output collected line by line."""

    def __init__(self, box: DevBox) -> None:
        self.proc = subprocess.Popen(box.pyinfra_argv("watch.py", "-y"), cwd=REPO, text=True, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True).start()

    def wait_line(self, text: str, timeout: float, after: int = 0) -> str:
        def found():
            assert self.proc.poll() is None or any(text in line for line in self.lines), self.output()
            return next((line for line in self.lines[after:] if text in line), None)

        return wait_for(found, timeout, 0.1, what=f"{text!r} in watch.py's output")

    def output(self) -> str:
        return "".join(self.lines[-60:])


def box_file(box: DevBox, rel: str) -> str | None:
    done = box.exec("cat", f"{ON_BOX}/{rel}", check=False)
    return done.stdout if done.returncode == 0 else None


def container_ids(box: DevBox) -> dict[str, str]:
    out = box.ssh("docker compose -p infra ps --format '{{.Service}} {{.ID}}'").stdout
    return dict(line.split() for line in out.splitlines() if line.strip())


@pytest.fixture(scope="module")
def box(devboxes: DevBoxes, warm_images) -> Iterator[DevBox]:
    warm = devboxes.start("watch", preload=warm_images)
    yield warm
    devboxes.remove(warm)


@pytest.fixture(scope="module")
def originals() -> Iterator[dict[Path, bytes]]:
    saved = {path: path.read_bytes() for path in (ROUTES, *WEB_FILES)}
    yield saved
    for path, content in saved.items():
        path.write_bytes(content)
    for child in sorted(BURST.glob("*")) if BURST.exists() else ():
        child.unlink()
    if BURST.exists():
        BURST.rmdir()


@pytest.fixture(scope="module")
def watching(box: DevBox, originals) -> Iterator[Watch]:
    watch = Watch(box)
    watch.wait_line("watching 5 trees", 900)
    yield watch
    if watch.proc.poll() is None:
        watch.proc.kill()


@pytest.fixture(scope="module")
def api_port(box: DevBox) -> Iterator[int]:
    from tests.e2e.test_remote import free_port

    port = free_port()
    tunnel = box.tunnel(port, 8000)
    yield port
    tunnel.terminate()


def served_marker(port: int) -> str | None:
    try:
        status, body = http_get(f"http://127.0.0.1:{port}/__watch-e2e", timeout=2)
    except OSError:
        return None
    return body if status == 200 else None


def test_an_api_edit_is_on_the_box_within_a_second_and_served_without_a_recreate(box, watching, api_port, originals):
    before = container_ids(box)
    mark = len(watching.lines)
    ROUTES.write_bytes(originals[ROUTES] + PROBE.format(marker=41).encode())
    written = time.monotonic()
    wait_for(lambda: "marker\": 41" in (box_file(box, "apps/api/app/api/routes.py") or ""), 5, 0.02, what="the edit on the box")
    assert time.monotonic() - written < 1.0, watching.output()
    assert '"marker":41' in wait_for(lambda: served_marker(api_port), 60, 0.1, what="the api serving the edit")
    assert "api: 1 file synced in" in watching.wait_line("synced", 5, mark)
    assert container_ids(box) == before


def test_a_deleted_file_is_gone_on_the_box(box, watching):
    probe = REPO / "apps" / "api" / "watch_e2e_probe.txt"
    probe.write_text("short-lived")
    try:
        wait_for(lambda: box_file(box, "apps/api/watch_e2e_probe.txt") == "short-lived", 5, 0.05, what="the new file")
    finally:
        probe.unlink()
    wait_for(lambda: box_file(box, "apps/api/watch_e2e_probe.txt") is None, 5, 0.05, what="the deletion on the box")


def test_a_burst_of_50_edits_to_10_files_ends_equal(box, watching):
    BURST.mkdir(exist_ok=True)
    for round_ in range(5):
        for index in range(10):
            (BURST / f"f{index}.txt").write_text(f"round {round_} file {index}\n" * (index + 1))
    local = {f"f{i}.txt": hashlib.sha256((BURST / f"f{i}.txt").read_bytes()).hexdigest() for i in range(10)}

    def remote() -> dict[str, str]:
        out = box.exec("sh", "-c", f"cd {ON_BOX}/apps/api/app/watch_e2e_burst && sha256sum *", check=False).stdout
        return {name: digest for digest, name in (line.split() for line in out.splitlines())}

    wait_for(lambda: remote() == local, 10, 0.2, what="the box's burst files equal to the local ones")


def test_a_cut_connection_is_made_again_and_the_next_edit_arrives(box, watching, originals):
    mark = len(watching.lines)
    # the session processes of `dev` on the box: the watch's connection (and the tunnel's)
    pids = box.exec("pgrep", "-u", "dev", "-x", "sshd", check=False).stdout.split() or box.exec(
        "pgrep", "-u", "dev", "sshd-session", check=False).stdout.split()  # fmt: skip
    assert pids, "no SSH session of dev on the box: nothing to cut"
    box.exec("kill", *pids)
    watching.wait_line("connection lost", 10, mark)
    watching.wait_line("reconnected after", 60, mark)
    ROUTES.write_bytes(originals[ROUTES] + PROBE.format(marker=42).encode())
    wait_for(lambda: "marker\": 42" in (box_file(box, "apps/api/app/api/routes.py") or ""), 5, 0.05, what="the edit after the reconnect")


def test_a_lock_file_edit_rebuilds_only_web(box, watching, originals):
    before = container_ids(box)
    mark = len(watching.lines)
    package, lock = WEB_FILES
    package.write_bytes(originals[package].replace(b'"private": true', b'"private": true, "description": "watch e2e"', 1))
    lock.write_bytes(originals[lock] + b"# watch e2e\n")
    assert b"watch e2e" in package.read_bytes(), "package.json has no \"private\": true to extend"
    line = watching.wait_line("web: healthy after", 600, mark)
    output = "".join(watching.lines[mark:])
    assert "rebuilding web..." in output and "build api" not in output, output
    after = container_ids(box)
    assert after["api"] == before["api"] and after["web"] != before["web"], (before, after, line)


def test_ctrl_c_ends_cleanly_and_leaves_no_staging_files(box, watching):
    watching.proc.send_signal(signal.SIGINT)
    assert watching.proc.wait(timeout=30) == 0, watching.output()
    assert "watch stopped" in watching.output()
    # Staging dirs and archives; the sync's manifest cache (.pyinfra-sync-manifest-*) belongs there.
    left = box.exec("sh", "-c", f"ls -a {ON_BOX} | grep pyinfra-sync | grep -vc '^.pyinfra-sync-manifest-' || true").stdout.strip()
    assert left == "0", left
