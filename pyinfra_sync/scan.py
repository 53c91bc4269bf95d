"""The local trees, stat()ed but not read: what the quick check compares.

Reading every byte of a tree is what made a sync cost the size of the tree on every run;
a walk that only stats costs the number of files (about 10 us each)."""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyinfra_sync.errors import SyncError
from pyinfra_sync.manifest import check_trees, is_excluded


@dataclass(frozen=True)
class LocalFile:
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
    patterns = tuple(excludes)
    found: dict[str, LocalFile] = {}
    for tree in check_trees(trees):
        top = os.path.join(src_root, tree)
        if not os.path.isdir(top):
            raise SyncError(f"trees: {tree!r} is not a directory under {src_root}")
        for directory, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if not is_excluded(d, patterns))
            relative_dir = posixpath.join(tree, os.path.relpath(directory, top).replace(os.sep, "/"))
            for name in filenames:
                if is_excluded(name, patterns):
                    continue
                try:
                    info = os.stat(os.path.join(directory, name))  # follows symlinks: a link syncs as its file
                except FileNotFoundError:
                    continue  # a dangling symlink
                if stat.S_ISREG(info.st_mode):
                    relative = posixpath.normpath(posixpath.join(relative_dir, name))
                    found[relative] = LocalFile(
                        info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns, bool(info.st_mode & stat.S_IXUSR)
                    )
    return found
