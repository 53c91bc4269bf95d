"""The local trees, stat()ed but not read: what the quick check compares.

Reading every byte of a tree is what made a sync cost the size of the tree on every run;
a walk that only stats costs the number of files (about 10 us each)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from pyinfra_sync.errors import SyncError
from pyinfra_sync.manifest import _exclude_matcher, check_trees


class LocalFile(NamedTuple):  # a tuple: 20,000 of them are built per run
    """One local file's identity as the kernel reports it. size + mtime_ns say whether it
    was written; inode + ctime_ns also change when it is replaced by a rename (an editor's
    atomic save, git checkout) or its metadata changes (chmod), and ctime cannot be set
    back by a program (touch -d, tar, cp -p set mtime only)."""

    size: int
    mtime_ns: int
    inode: int
    ctime_ns: int
    executable: bool


def scan(src_root: str | Path, trees: Sequence[str], excludes: Iterable[str]) -> dict[str, LocalFile]:
    """Every regular file (or symlink to one) of the trees under src_root, excluded names
    pruned on any path component. A missing local tree is an error, not an empty one: a
    mirror of nothing would delete that whole tree on the target."""
    excluded = _exclude_matcher(tuple(excludes)) or (lambda name: None)
    found: dict[str, LocalFile] = {}

    def walk(directory: str, relative: str) -> None:
        with os.scandir(directory) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if excluded(entry.name):
                    continue
                if entry.is_dir(follow_symlinks=False):  # as os.walk: a link to a directory is not followed
                    walk(entry.path, f"{relative}/{entry.name}")
                    continue
                try:
                    info = entry.stat()  # follows symlinks: a link to a file syncs as that file
                except FileNotFoundError:
                    continue  # a dangling symlink
                if stat.S_ISREG(info.st_mode):
                    found[f"{relative}/{entry.name}"] = LocalFile(
                        info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns, bool(info.st_mode & stat.S_IXUSR)
                    )

    for tree in check_trees(trees):
        top = os.path.join(src_root, tree)
        if not os.path.isdir(top):
            raise SyncError(f"trees: {tree!r} is not a directory under {src_root}")
        walk(top, tree)
    return found
