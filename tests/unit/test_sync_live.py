"""live.py: pushing over a held connection, with a stand-in host whose connection can drop."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

import pytest

from pyinfra_sync.live import ConnectionLost, LivePush


class Transport:
    def __init__(self) -> None:
        self.active = True

    def is_active(self) -> bool:
        return self.active


class Connector:
    """An SSH connector stand-in: a client whose transport can die; connect() makes a new one."""

    def __init__(self, fail_connects: int = 0) -> None:
        self.transport = Transport()
        self.client = SimpleNamespace(get_transport=lambda: self.transport)
        self.fail_connects, self.connects = fail_connects, 0

    def get_file_transfer_connection(self):  # memoized in pyinfra; ours has no cache
        return None

    def connect(self) -> None:
        self.connects += 1
        if self.connects <= self.fail_connects:
            raise OSError("connection refused")
        self.transport = Transport()


class Host:
    """Runs each command for real with sh (the dest is a temp dir), stdin joined as lines."""

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.commands: list[str] = []

    def run_shell_command(self, command, _stdin=None, print_output=False):
        text = command.get_raw_value()
        self.commands.append(text)
        stdin = "\n".join(_stdin or []) + "\n"
        done = subprocess.run(["sh", "-c", text], input=stdin, text=True, capture_output=True)
        return done.returncode == 0, SimpleNamespace(stderr_lines=done.stderr.splitlines())


@pytest.fixture
def trees(tmp_path):
    (tmp_path / "src" / "app").mkdir(parents=True)
    (tmp_path / "dest").mkdir()
    return tmp_path / "src", tmp_path / "dest"


def test_a_change_set_is_one_command(trees):
    src, dest = trees
    (src / "app" / "a.py").write_text("a")
    host = Host(Connector())
    live = LivePush(host, str(src), str(dest), ("app",), ())
    live.push(live.changes({"app/a.py"}))
    assert len(host.commands) == 1 and (dest / "app" / "a.py").read_text() == "a"
    assert live.known == {"app/a.py"}
    (src / "app" / "a.py").unlink()
    live.push(live.changes({"app/a.py"}))
    assert not (dest / "app" / "a.py").exists() and live.known == set()


def test_a_dead_transport_raises_connection_lost_before_running_anything(trees):
    src, dest = trees
    connector = Connector()
    host = Host(connector)
    live = LivePush(host, str(src), str(dest), ("app",), ())
    connector.transport.active = False
    assert not live.is_connected()
    with pytest.raises(ConnectionLost):
        live.run("true")
    assert host.commands == []


def test_reconnect_retries_until_the_connector_connects(trees):
    src, dest = trees
    connector = Connector(fail_connects=2)
    live = LivePush(Host(connector), str(src), str(dest), ("app",), ())
    connector.transport.active = False
    live.reconnect(attempts=5, delay=0)
    assert connector.connects == 3 and live.is_connected()


def test_reconnect_gives_up_after_its_attempts(trees):
    src, dest = trees
    live = LivePush(Host(Connector(fail_connects=10)), str(src), str(dest), ("app",), ())
    with pytest.raises(ConnectionLost):
        live.reconnect(attempts=3, delay=0)


def test_cleanup_removes_only_watch_staging_dirs(trees):
    src, dest = trees
    (dest / ".pyinfra-sync-watch-abc").mkdir()
    (dest / ".pyinfra-sync-other").mkdir()
    LivePush(Host(Connector()), str(src), str(dest), ("app",), ()).cleanup()
    assert sorted(p.name for p in dest.iterdir()) == [".pyinfra-sync-other"]
