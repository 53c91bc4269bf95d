"""Watching local trees: watchfiles (inotify/FSEvents through the Rust `notify` crate) in a
real OS thread, so pyinfra's gevent loop (and paramiko's transport greenlet with it) keeps
running while it waits.

Debounce: a change set is yielded once the trees were quiet for QUIET_MS (50 ms), or
after CAP_MS (1 s) of changes without a pause. 50 ms covers an editor's save pattern
(write a temp file, fsync, rename over the original; a formatter's second write) -- those
happen within a few ms of each other -- while adding almost nothing to a save's latency; the
1 s cap keeps a long burst (git checkout, a generator) from delaying every push until it
ends. `docker compose watch` waits 500 ms per change instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import watchfiles

from pyinfra_sync.manifest import in_trees, is_excluded
from pyinfra_sync.push import relative

QUIET_MS = 50
CAP_MS = 1000
TICK_MS = 500  # a wait without changes returns after this, so the caller can check its connection


class StopFlag:
    """What watchfiles polls (`is_set`) to stop; a plain flag is safe to read from any thread."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set


def _in_os_thread(function: Callable[[], Any]) -> Any:
    """Run a blocking call in a real thread when gevent patched threading (the pyinfra CLI
    does), so only the calling greenlet waits; otherwise run it here."""
    try:
        from gevent import get_hub, monkey
    except ImportError:  # pragma: no cover -- gevent comes with pyinfra
        return function()
    if monkey.is_module_patched("threading"):
        return get_hub().threadpool.apply(function)
    return function()


class TreeWatcher:
    """The relative paths touched under some trees of src_root, one debounced set at a time.

    + src_root: local directory holding the trees
    + trees: directories relative to src_root (each must exist)
    + excludes: names (fnmatch, on every path component) whose changes are never reported
    """

    def __init__(self, src_root: str, trees: Sequence[str], excludes: Sequence[str]) -> None:
        self.src_root, self.trees, self.excludes = str(src_root), tuple(trees), tuple(excludes)
        self.stop = StopFlag()
        self._changes: Iterator[set] = watchfiles.watch(
            *[os.path.join(self.src_root, tree) for tree in self.trees],
            watch_filter=self._wanted,
            debounce=CAP_MS,
            step=QUIET_MS,
            rust_timeout=TICK_MS,
            yield_on_timeout=True,
            stop_event=self.stop,
            raise_interrupt=False,
        )
        self._started = False

    def _wanted(self, _change: watchfiles.Change, path: str) -> bool:
        rel = relative(self.src_root, path)
        return rel is not None and in_trees(rel, self.trees) and not is_excluded(rel, self.excludes)

    def start(self) -> None:
        """Begin recording changes now (watchfiles starts on the first wait)."""
        if not self._started:
            self._started = True
            self.next_paths()  # returns at the first change set or after TICK_MS; nothing is lost
            # (a change seen in that first wait is re-read from disk by the catch-up sync)

    def next_paths(self) -> set[str]:
        """The next debounced change set; empty after TICK_MS without change or once stopped."""
        self._started = True
        changes = _in_os_thread(lambda: next(self._changes, set()))
        return {rel for _, path in changes if (rel := relative(self.src_root, path)) is not None}


@contextlib.contextmanager
def on_interrupt(callback: Callable[[], None]) -> Iterator[None]:
    """Call `callback` on Ctrl-C (SIGINT) instead of raising KeyboardInterrupt, so a loop
    can finish its push and clean up; the previous handler is back afterwards. (A Python
    handler runs in the main thread, where gevent's hub runs: it only sets a flag.)"""
    previous = signal.signal(signal.SIGINT, lambda *_: callback())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
