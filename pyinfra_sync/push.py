"""One change set of a watch, pushed over a connection already held: pure decisions and builders.

A change set is the paths an editor touched; what each means is read from the local disk
when the set is pushed (a file: upload it; gone: delete it there; a directory: every file
under it). The changed files travel in ONE base64 tar.gz on the command's stdin (no upload
round trip, no temporary file on this machine), are staged next to the trees and renamed
into place by the same apply script `sync_trees` uses; the staging dir is always removed.
"""

from __future__ import annotations

import base64
import os
import posixpath
import secrets
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyinfra_sync import archive
from pyinfra_sync import commands as cmd
from pyinfra_sync.manifest import Entry, in_trees, is_excluded
from pyinfra_sync.plan import SyncPlan

WATCH_PREFIX = "watch-"  # tokens of watch pushes: their staging dirs are `.pyinfra-sync-watch-*`


@dataclass(frozen=True)
class ChangeSet:
    uploads: dict[str, Entry]  # relative path -> executable bit (sha256 unused: the content goes along)
    deletes: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.uploads or self.deletes)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.uploads) | set(self.deletes)))


def relative(src_root: str, absolute: str) -> str | None:
    """A watched absolute path -> its path relative to src_root (POSIX), None outside it."""
    rel = os.path.relpath(absolute, src_root).replace(os.sep, "/")
    return None if rel == "." or rel.startswith("../") else rel


def _walk(src_root: str, directory: str, excludes: Sequence[str]) -> dict[str, Entry]:
    found: dict[str, Entry] = {}
    for top, dirnames, filenames in os.walk(os.path.join(src_root, directory)):
        dirnames[:] = [d for d in dirnames if not is_excluded(d, excludes)]
        for name in filenames:
            rel = relative(src_root, os.path.join(top, name))
            entry = _entry(src_root, rel) if rel and not is_excluded(name, excludes) else None
            if entry is not None:
                found[rel] = entry
    return found


def _entry(src_root: str, path: str) -> Entry | None:
    try:
        info = os.stat(os.path.join(src_root, path))
    except OSError:
        return None
    return Entry("", bool(info.st_mode & stat.S_IXUSR)) if stat.S_ISREG(info.st_mode) else None


def change_set(
    src_root: str, paths: Iterable[str], trees: Sequence[str], excludes: Sequence[str], known: Iterable[str]
) -> ChangeSet:
    """What the touched paths mean now, on disk. `known` are the files the target holds
    (as of the last push): a vanished path deletes that file, or every known file below
    it when it was a directory. Paths outside the trees or excluded are never touched,
    whatever the watcher reported."""
    known = set(known)
    uploads: dict[str, Entry] = {}
    deletes: set[str] = set()
    for path in paths:
        if not in_trees(path, trees) or is_excluded(path, excludes):
            continue
        full = os.path.join(src_root, path)
        if os.path.isdir(full):
            uploads.update(_walk(src_root, path, excludes))
            continue
        entry = _entry(src_root, path)
        if entry is not None:
            uploads[path] = entry
        else:
            deletes.update(p for p in known if p == path or p.startswith(path + "/"))
    return ChangeSet(uploads, tuple(sorted(deletes - set(uploads))))


def token() -> str:
    """A fresh name for one push's staging dir (never reused: two pushes never share one)."""
    return WATCH_PREFIX + secrets.token_hex(8)


def script(changes: ChangeSet, kept: Iterable[str], trees: Sequence[str]) -> str:
    """The apply script of `sync_trees`, for this change set (deletes, empty dirs pruned, renames)."""
    plan = SyncPlan(new=tuple(sorted(changes.uploads)), changed=(), mode_only=(), deleted=changes.deletes)
    return cmd.apply_script(plan, kept, trees)


def payload_lines(src_root: str, changes: ChangeSet, apply_script: str) -> list[str]:
    """The tar.gz (script + files) as base64 lines, for the command's stdin. Raises
    OSError when a file vanished since `change_set` read the disk (the watcher reports it)."""
    data = archive.build(src_root, sorted(changes.uploads), changes.uploads, apply_script)
    return base64.encodebytes(data).decode().splitlines()


def push_command(dest_root: str, name: str) -> str:
    """ONE command: decode stdin into a staging dir next to the trees, run its script (each
    file renamed into place), always remove the staging dir. A cut connection ends stdin,
    so tar fails and the staging dir is removed all the same. The archive is several tars
    in one gzip stream (archive.write): -i reads past each end. Files keep their local
    mtimes; the target's manifest cache does not vouch for them (their stamps moved), so
    the next deploy's quick check hashes them there once."""
    staging = cmd.shell([cmd.staging_name(name)])
    return (
        f"cd {cmd.shell([dest_root])} && {{ rm -rf {staging} && mkdir {staging} && "
        f"base64 -d | tar -x -z -i -f - -C {staging} --no-same-owner -p && sh {staging}/{cmd.SCRIPT} {staging}; "
        f"rc=$?; rm -rf {staging}; exit $rc; }}"
    )


def cleanup_command(dest_root: str) -> str:
    """Remove any staging dir a push left (a push killed on the target half-way)."""
    pattern = cmd.shell([cmd.staging_name(WATCH_PREFIX)])
    return f"cd {cmd.shell([dest_root])} 2>/dev/null && rm -rf -- {pattern}* || true"


def kept_after(known: Iterable[str], changes: ChangeSet) -> set[str]:
    """The files the target holds once this change set is applied."""
    return (set(known) - set(changes.deletes)) | set(changes.uploads)


def summary(paths: Sequence[str], limit: int = 3) -> str:
    """`a.py, b.py and 3 more`: the names a sync line shows."""
    names = [posixpath.basename(p) for p in paths]
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
