"""The local cache of content hashes, so an unchanged tree is not re-read on every run.

An entry is (size, mtime_ns, inode, ctime_ns) -> sha256 of one relative path, trusted
only while all four are unchanged. It lives in the user's cache directory
($XDG_CACHE_HOME/devstack/sync-hashes/, else ~/.cache/devstack/sync-hashes/), one
file per local source root, because:
- not in the repository: it would be synced, show up in `git status`, and travel with a
  copy of the tree to a machine where its inodes mean nothing;
- per user and machine, like the inodes and ctimes it records; a cache copied from
  another machine (or a tree restored from a backup) misses on inode/ctime and is
  re-hashed, never trusted;
- losing it costs one re-read of the trees, nothing else.

Same size, same tick: a file rewritten in place with the same size within one timestamp
tick (the kernel stamps files with a coarse clock, a few milliseconds) keeps size,
mtime, inode and ctime. So, as git does for its index, an entry is only stored once the
file's mtime and ctime are RACY_NS older than the moment its content was read: any later
write then gets a later stamp. A recently written file is simply hashed again next run.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from pyinfra_sync.scan import LocalFile

VERSION = 1
RACY_NS = 2_000_000_000  # covers coarse clocks, 2 s FAT stamps, a little NFS clock skew

Key = tuple[int, int, int, int]


def cache_dir(environ: dict[str, str] | os._Environ = os.environ) -> Path:
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "devstack", "sync-hashes")


def cache_file(src_root: str | Path, directory: Path | None = None) -> Path:
    """One cache file per absolute source root (two checkouts never share entries)."""
    root = os.path.realpath(src_root)
    name = hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()[:20] + ".json"
    return (directory or cache_dir()) / name


def key(info: LocalFile) -> Key:
    return (info.size, info.mtime_ns, info.inode, info.ctime_ns)


def is_racy(info: LocalFile, read_at_ns: int) -> bool:
    """Whether a later same-size write could still get the stamps this file has now."""
    return max(info.mtime_ns, info.ctime_ns) > read_at_ns - RACY_NS


class HashCache:
    """relative path -> (key, sha256), loaded from and saved to one JSON file."""

    def __init__(self, path: Path | None, entries: dict[str, tuple[Key, str]] | None = None, raw: dict | None = None):
        self.path = path
        self.entries = entries or {}  # set or checked in this run
        self.raw = raw or {}  # as loaded: relative path -> [size, mtime_ns, inode, ctime_ns, sha256]
        self.dirty = False

    @classmethod
    def load(cls, path: Path) -> HashCache:
        """A missing, unreadable or malformed file is an empty cache (everything re-hashed);
        a malformed entry is checked when looked up (20,000 entries are loaded per run)."""
        try:
            data = json.loads(path.read_text())
            files = data["files"] if isinstance(data, dict) and data.get("version") == VERSION else None
        except (OSError, ValueError, KeyError):
            files = None
        return cls(path, raw=files if isinstance(files, dict) else {})

    def lookup(self, rel: str, info: LocalFile) -> str | None:
        entry = self.entries.get(rel)
        if entry is not None:
            return entry[1] if entry[0] == key(info) else None
        raw = self.raw.get(rel)
        if type(raw) is list and len(raw) == 5 and raw[:4] == list(key(info)):
            digest = raw[4]
            if isinstance(digest, str) and len(digest) == 64:  # the key compared equal to ints
                return digest
        return None

    def digest(
        self,
        rel: str,
        full: str,
        info: LocalFile,
        fresh: bool = False,
        clock: Callable[[], int] = time.time_ns,
    ) -> str:
        """The file's sha256: cached when its key matches (unless fresh), else read."""
        known = None if fresh else self.lookup(rel, info)
        if known is not None:
            self.entries.setdefault(rel, (key(info), known))
            return known
        read_at = clock()
        with open(full, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        if is_racy(info, read_at):
            pass  # not stored (an old entry stays: its key no longer matches this file)
        elif self.lookup(rel, info) != digest:
            self.entries[rel] = (key(info), digest)
            self.dirty = True
        else:
            self.entries.setdefault(rel, (key(info), digest))
        return digest

    def digest_all(self, root: str, files: Mapping[str, LocalFile], fresh: bool = False) -> dict[str, str]:
        """digest() of every file. (Reading with threads measured no faster on 2 busy cores.)"""
        return {rel: self.digest(rel, os.path.join(root, rel), info, fresh) for rel, info in files.items()}

    def forget_except(self, paths: set[str]) -> None:
        """Drop entries of files that are gone, so the file does not grow forever."""
        for rel in [rel for rel in self.entries if rel not in paths]:
            del self.entries[rel]
            self.dirty = True
        if any(rel not in paths for rel in self.raw):
            self.dirty = True
        self.raw = {rel: value for rel, value in self.raw.items() if rel in paths} if self.dirty else self.raw

    def save(self) -> None:
        """Write atomically when changed; a cache that cannot be written is only slower."""
        if not self.dirty or self.path is None:
            return
        files = {**self.raw, **{rel: [*k, digest] for rel, (k, digest) in self.entries.items()}}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-")
            with os.fdopen(fd, "w") as handle:  # dumps: C speed (dump encodes in Python, 4x slower)
                handle.write(json.dumps({"version": VERSION, "files": files}, separators=(",", ":")))
            os.replace(temp, self.path)
            self.dirty = False
        except OSError:
            pass
