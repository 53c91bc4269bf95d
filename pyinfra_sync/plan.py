"""The decision of a sync: local and remote manifests in, what to upload and delete out."""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pyinfra_sync.errors import SyncError
from pyinfra_sync.manifest import Entry, in_trees, is_excluded


@dataclass(frozen=True)
class SyncPlan:
    new: tuple[str, ...]  # on this machine only
    changed: tuple[str, ...]  # content or executable bit differs
    mode_only: tuple[str, ...]  # the subset of `changed` whose content is the same
    deleted: tuple[str, ...]  # on the target only: removed there

    @property
    def to_upload(self) -> tuple[str, ...]:
        return tuple(sorted(self.new + self.changed))

    @property
    def is_noop(self) -> bool:
        return not (self.new or self.changed or self.deleted)

    def token(self) -> str:
        """A short name for this change set, the same at plan and execution time (it
        names the archive and staging dir on the target)."""
        text = "\0".join(("+",) + self.to_upload + ("-",) + self.deleted)
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def plan_sync(
    local: Mapping[str, Entry],
    remote: Mapping[str, Entry],
    trees: Sequence[str],
    excludes: Iterable[str],
) -> SyncPlan:
    """Upload what is new or differs; delete what the target has and this machine has
    not, but only inside the trees and never on an excluded path (node_modules, .venv...),
    whatever the target's listing says."""
    patterns = tuple(excludes)
    allowed = _Allowed(trees, patterns)
    for path in local:
        if not allowed(path):
            raise SyncError(f"local file {path!r} is outside the synced trees or excluded: refusing to sync it")
    changed = sorted(p for p in local if p in remote and remote[p] != local[p])
    return SyncPlan(
        new=tuple(sorted(p for p in local if p not in remote)),
        changed=tuple(changed),
        mode_only=tuple(p for p in changed if remote[p].sha256 == local[p].sha256),
        deleted=tuple(
            sorted(p for p in remote if p not in local and allowed(p))
        ),
    )


class _Allowed:
    """in_trees and not is_excluded, decided once per directory (a few hundred) and
    per file name, not once per path (20,000)."""

    def __init__(self, trees: Sequence[str], patterns: tuple[str, ...]):
        self.trees, self.patterns = trees, patterns
        self.dirs: dict[str, bool] = {}

    def __call__(self, path: str) -> bool:
        directory, _, name = path.rpartition("/")
        ok = self.dirs.get(directory)
        if ok is None:
            ok = self.dirs[directory] = (directory in self.trees or in_trees(directory, self.trees)) and not is_excluded(
                directory, self.patterns
            )
        return ok and name not in ("", ".", "..") and not is_excluded(name, self.patterns)


def dirs_to_prune(deleted: Iterable[str], kept: Iterable[str], trees: Sequence[str]) -> tuple[str, ...]:
    """Directories that may be empty once `deleted` are gone, deepest first: parents of
    deleted files strictly below their tree, minus those that hold a kept file. The
    remote side only `rmdir`s them, so a directory still holding anything (an excluded
    node_modules, say) stays."""
    if not deleted:
        return ()
    keep = all_parents(kept)
    candidates = {
        parent
        for path in deleted
        for parent in _parents(posixpath.dirname(path))
        if in_trees(parent, trees) and parent not in keep  # strictly below a tree's top
    }
    return tuple(sorted(candidates, key=lambda d: (-d.count("/"), d)))


def all_parents(paths: Iterable[str]) -> set[str]:
    """Every directory holding any of the paths, at any depth (each directory walked once:
    20,000 files sit in a few hundred directories)."""
    return {parent for directory in {posixpath.dirname(path) for path in paths} for parent in _parents(directory)}


def _parents(directory: str) -> list[str]:
    """A directory and each of its ancestors: "a/b/c" -> ["a/b/c", "a/b", "a"]."""
    out = []
    while directory:
        out.append(directory)
        directory = posixpath.dirname(directory)
    return out
