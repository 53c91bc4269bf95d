"""pyinfra_postgres.backups: names, newest set, pruning per host, and where a backup cannot go."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pyinfra_postgres import backups


def test_stamp_is_utc_and_sorts():
    eastern = timezone(timedelta(hours=-5))
    assert backups.stamp(datetime(2026, 12, 2, 1, 2, 3, tzinfo=eastern)) == "20261202T060203Z"


def test_names_and_directories():
    assert backups.dump_name("20261202T060203Z", "app", "app") == "20261202T060203Z.dump"
    assert backups.dump_name("20261202T060203Z", "extra_db", "app") == "20261202T060203Z.extra_db.dump"
    assert backups.project_dir(Path("/b"), "@local", "infra") == Path("/b/@local/infra")
    for bad in ("../x", "a/b", "..", ""):
        with pytest.raises(ValueError):
            backups.project_dir(Path("/b"), bad, "infra")


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_sets_group_a_timestamp_and_ignore_other_files(tmp_path):
    main = touch(tmp_path / "20261202T060203Z.dump")
    extra = touch(tmp_path / "20261202T060203Z.other.dump")
    touch(tmp_path / "20261202T060203Z.dump.partial")
    touch(tmp_path / "notes.dump")
    older = touch(tmp_path / "20261201T000000Z.dump")
    sets = backups.backup_sets(tmp_path)
    assert [s.stamp for s in sets] == ["20261201T000000Z", "20261202T060203Z"]
    assert sets[0].main == older and sets[1].files == {"": main, "other": extra}
    assert backups.backup_sets(tmp_path / "missing") == []


def test_prune_keeps_the_newest_sets_over_the_hosts_projects(tmp_path):
    for day, project in ((1, "a"), (2, "b"), (3, "a"), (4, "b")):
        touch(tmp_path / "@local" / project / f"2026120{day}T000000Z.dump")
    pruned = backups.to_prune(tmp_path / "@local", keep=2)
    assert [(s.project_dir.name, s.stamp) for s in pruned] == [("a", "20261201T000000Z"), ("b", "20261202T000000Z")]
    assert backups.to_prune(tmp_path / "@local", keep=10) == []
    assert backups.to_prune(tmp_path / "nobody", keep=1) == []


def test_private_dir_and_writable_problem(tmp_path):
    made = backups.private_dir(tmp_path / "b" / "@local" / "infra")
    assert oct(made.stat().st_mode & 0o777) == "0o700"
    assert backups.writable_problem(tmp_path / "new" / "deeper") == ""
    touch(tmp_path / "file")
    assert backups.writable_problem(tmp_path / "file" / "x") == f"{tmp_path / 'file'} is not a directory"
    if os.geteuid() != 0:  # root may write anywhere
        os.chmod(tmp_path / "b", 0o500)
        assert backups.writable_problem(tmp_path / "b" / "y") == f"{tmp_path / 'b'} is not writable by this user"
