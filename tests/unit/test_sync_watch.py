"""watch.py: real watchfiles on a temp tree (no mocks): one change set per editor save,
excluded and outside paths never reported."""

from __future__ import annotations

import os
import threading
import time

from pyinfra_sync.watch import TreeWatcher


def first_changes(watcher: TreeWatcher, rounds: int = 10) -> set[str]:
    for _ in range(rounds):
        paths = watcher.next_paths()
        if paths:
            return paths
    return set()


def later(action, delay: float = 0.2) -> None:
    threading.Timer(delay, action).start()


def test_an_editor_save_is_one_change_set(tmp_path):
    (tmp_path / "app" / "node_modules").mkdir(parents=True)
    (tmp_path / "app" / "main.py").write_text("old")
    watcher = TreeWatcher(str(tmp_path), ("app",), ("node_modules", "*.swp"))
    watcher.start()

    def save():  # vim-like: swap file, write a temp file, rename it over the original
        (tmp_path / "app" / ".main.py.swp").write_text("swap")
        (tmp_path / "app" / "main.py~").write_text("new")
        os.replace(tmp_path / "app" / "main.py~", tmp_path / "app" / "main.py")
        (tmp_path / "app" / "node_modules" / "dep.js").write_text("x")

    later(save)
    assert first_changes(watcher) == {"app/main.py", "app/main.py~"}  # the temp name is gone on disk: a no-op delete
    watcher.stop.set()


def test_a_quiet_tree_returns_empty_within_the_tick(tmp_path):
    (tmp_path / "app").mkdir()
    watcher = TreeWatcher(str(tmp_path), ("app",), ())
    watcher.start()
    started = time.monotonic()
    assert watcher.next_paths() == set()
    assert time.monotonic() - started < 2
    watcher.stop.set()
