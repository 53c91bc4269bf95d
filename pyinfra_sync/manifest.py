"""Manifests of synced trees: relative path -> (sha256, executable bit).

The local manifest is read from disk here; the remote one is parsed from the output of
the single command of `facts.TreeManifest` (see `commands.manifest`), whose format is
defined by the markers below.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import translate
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from pyinfra_sync.errors import SyncError

# Remote manifest output: NO_SHA256SUM or ABSENT alone, or
# EXECUTABLE <sha256sum lines> PLAIN <sha256sum lines> END.
NO_SHA256SUM = "#pyinfra-sync:no-sha256sum"
ABSENT = "#pyinfra-sync:absent"
EXECUTABLE = "#pyinfra-sync:executable"
PLAIN = "#pyinfra-sync:plain"
END = "#pyinfra-sync:end"
HEX = frozenset("0123456789abcdef")


class Entry(NamedTuple):  # a tuple: 20,000 of them are built per run
    sha256: str
    executable: bool


Manifest = dict[str, Entry]


@dataclass(frozen=True)
class RemoteTrees:
    root_exists: bool
    files: Manifest = field(default_factory=dict)


@lru_cache(maxsize=64)
def _exclude_matcher(patterns: tuple[str, ...]) -> Callable[[str], object] | None:
    # One regex for all patterns (fnmatch's own translation): checking 20,000 paths
    # pattern by pattern cost more than the rest of planning.
    return re.compile("|".join(translate(p) for p in patterns)).match if patterns else None


def is_excluded(path: str, excludes: Iterable[str]) -> bool:
    """Whether any component of a relative path matches an exclude pattern (fnmatch)."""
    match = _exclude_matcher(tuple(excludes))
    return match is not None and any(match(part) for part in path.split("/"))


def check_trees(trees: Sequence[str]) -> tuple[str, ...]:
    """Trees as given, validated: relative, normalised, no `..`, none inside another.

    Everything deleted on the target is checked to lie inside one of these, so a tree
    like "../etc" or "." must never get this far."""
    if not trees:
        raise SyncError("trees: give at least one directory to sync")
    for tree in trees:
        if not tree or tree.startswith(("/", "-")) or posixpath.normpath(tree) != tree or tree == ".":
            raise SyncError(f"trees: {tree!r} must be a relative path like 'apps/api' (no '.', '..', '/' or '-' first)")
        if ".." in tree.split("/"):
            raise SyncError(f"trees: {tree!r} must not contain '..'")
    for tree in trees:
        for other in trees:
            if tree != other and other.startswith(tree + "/"):
                raise SyncError(f"trees: {other!r} is inside {tree!r}; give each directory once")
    if len(set(trees)) != len(trees):
        raise SyncError("trees: a directory is listed twice")
    return tuple(trees)


def in_trees(path: str, trees: Iterable[str]) -> bool:
    """Whether a relative path lies strictly inside one of the trees (no `.`/`..` tricks)."""
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return False
    return any(path.startswith(tree + "/") for tree in trees)


# (path, size, mtime_ns, inode) -> sha256: an operation body runs twice without -y,
# and hashing the trees is the local cost of a sync; an edit changes mtime or size.
_hash_cache: dict[tuple[str, int, int, int], str] = {}


def _sha256(path: str, info: os.stat_result) -> str:
    key = (path, info.st_size, info.st_mtime_ns, info.st_ino)
    if key not in _hash_cache:
        with open(path, "rb") as handle:
            _hash_cache[key] = hashlib.file_digest(handle, "sha256").hexdigest()
    return _hash_cache[key]


def local_manifest(src_root: str | Path, trees: Sequence[str], excludes: Iterable[str]) -> Manifest:
    """Every regular file (or symlink to one) of the trees under src_root, excluded
    names pruned on any path component. A missing local tree is an error, not an empty
    one: a mirror of nothing would delete that whole tree on the target."""
    patterns = tuple(excludes)
    manifest: Manifest = {}
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
                full = os.path.join(directory, name)
                try:
                    info = os.stat(full)  # follows symlinks: a link to a file syncs as that file
                except FileNotFoundError:
                    continue  # a dangling symlink
                if stat.S_ISREG(info.st_mode):
                    relative = posixpath.normpath(posixpath.join(relative_dir, name))
                    manifest[relative] = Entry(_sha256(full, info), bool(info.st_mode & stat.S_IXUSR))
    return manifest


def _unescape(name: str) -> str:
    """Undo sha256sum's escaping of a file name (`\\\\`, `\\n`, and `\\r` since coreutils 9)."""
    out, chars = [], iter(name)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append({"n": "\n", "r": "\r", "\\": "\\"}.get(nxt, "\\" + nxt))
        else:
            out.append(char)
    return "".join(out)


def parse_sha256sum_line(line: str) -> tuple[str, str]:
    """One `sha256sum` output line -> (path, hash). A line starting with a backslash
    has an escaped name; the separator is two spaces (text) or " *" (binary mode)."""
    escaped = line.startswith("\\")
    body = line[1:] if escaped else line
    digest, separator, name = body[:64], body[64:66], body[66:]
    if len(digest) != 64 or not set(digest) <= HEX or separator not in ("  ", " *") or not name:
        raise SyncError(f"unexpected sha256sum line from the target: {line[:200]!r}")
    return (_unescape(name) if escaped else name), digest


def parse_remote_manifest(lines: Sequence[str]) -> RemoteTrees:
    """The output of `commands.manifest` -> what is on the target."""
    if list(lines) == [NO_SHA256SUM]:
        # Without it every file would look new on every run: say so instead.
        raise SyncError("sha256sum is not installed on the target: install coreutils")
    if list(lines) == [ABSENT]:
        return RemoteTrees(root_exists=False)
    if not lines or lines[-1] != END:
        raise SyncError(f"the target's file listing is incomplete (no {END!r} line): {' | '.join(lines[-3:])[:300]}")
    files: Manifest = {}
    executable: bool | None = None
    for line in lines[:-1]:
        if line in (EXECUTABLE, PLAIN):
            executable = line == EXECUTABLE
        elif executable is None:
            raise SyncError(f"unexpected line before the file listing: {line[:200]!r}")
        else:
            path, digest = parse_sha256sum_line(line)
            files[path] = Entry(digest, executable)  # as find printed it; plan.py vets it
    return RemoteTrees(root_exists=True, files=files)
