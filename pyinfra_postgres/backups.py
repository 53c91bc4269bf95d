"""Backups on the machine running pyinfra: where they go, which is newest, which to prune.

Layout: <root>/<host>/<project>/<UTC timestamp>.dump holds the project's main database;
another database of the same server goes next to it as <timestamp>.<database>.dump. A
backup set is every file of one timestamp. Directories 0700, files 0600: a dump holds
every row (and the roles' password verifiers are not in it: pg_dump dumps one database).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

SUFFIX = ".dump"
_NAME = re.compile(r"^(?P<stamp>[0-9]{8}T[0-9]{6}Z)(?:\.(?P<database>[A-Za-z0-9_]+))?\.dump$")


def stamp(now: datetime | None = None) -> str:
    """A UTC timestamp that sorts as it reads: 20261202T054455Z."""
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def project_dir(root: Path, host_name: str, project: str) -> Path:
    if "/" in host_name or host_name in ("", ".", ".."):
        raise ValueError(f"host name {host_name!r} cannot name a backup directory")
    return root / host_name / project


def dump_name(stamp_: str, database: str, main_database: str) -> str:
    return f"{stamp_}{SUFFIX}" if database == main_database else f"{stamp_}.{database}{SUFFIX}"


@dataclass(frozen=True)
class BackupSet:
    project_dir: Path
    stamp: str
    files: dict[str, Path]  # database ("" = the main one) -> file

    @property
    def main(self) -> Path | None:
        return self.files.get("")


def backup_sets(directory: Path) -> list[BackupSet]:
    """The backup sets of one <host>/<project> directory, oldest first."""
    found: dict[str, dict[str, Path]] = {}
    for path in sorted(directory.glob(f"*{SUFFIX}")) if directory.is_dir() else []:
        match = _NAME.match(path.name)
        if match:
            found.setdefault(match["stamp"], {})[match["database"] or ""] = path
    return [BackupSet(directory, key, files) for key, files in sorted(found.items())]


def to_prune(host_dir: Path, keep: int) -> list[BackupSet]:
    """All but the newest `keep` backup sets of a host (over all its projects)."""
    if not host_dir.is_dir():
        return []
    sets = sorted((s for p in sorted(host_dir.iterdir()) if p.is_dir() for s in backup_sets(p)), key=lambda s: s.stamp)
    return sets[: max(len(sets) - keep, 0)]


def private_dir(path: Path) -> Path:
    """Make the directory and its parents up to the root of backups 0700 (raises OSError)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def writable_problem(root: Path) -> str:
    """Why backups cannot be written under `root`, or "" when they can (checked before the
    target is touched: a purge must not start when its backup has nowhere to go)."""
    probe = root
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a directory"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable by this user"
    return ""
