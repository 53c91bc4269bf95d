"""push.py: what a change set means on disk, the push command by its exact text (and a
hostile root), and the whole push run for real through `sh` on this machine's temp dir."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pyinfra_sync import push as p
from pyinfra_sync.manifest import Entry

HOSTILE = "/tmp/x; rm -rf /"
TREES = ("apps/api", "infra")
EXCLUDES = ("node_modules", "*.pyc", ".venv")


def write(root: Path, rel: str, text: str = "x", mode: int = 0o644) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def test_change_set_reads_each_path_from_disk(tmp_path):
    write(tmp_path, "apps/api/app/main.py")
    write(tmp_path, "apps/api/run.sh", mode=0o755)
    write(tmp_path, "apps/api/new/a.py")
    write(tmp_path, "apps/api/new/node_modules/skip.js")
    known = {"apps/api/gone.py", "apps/api/old/x.py", "apps/api/old/y/z.py", "apps/api/oldish.py"}
    paths = [
        "apps/api/app/main.py", "apps/api/run.sh", "apps/api/new", "apps/api/gone.py", "apps/api/old",
        "apps/api/x.pyc", "apps/api/node_modules/a.js", "elsewhere/file", "apps/api/never-there.py",
    ]  # fmt: skip
    changes = p.change_set(str(tmp_path), paths, TREES, EXCLUDES, known)
    assert changes.uploads == {
        "apps/api/app/main.py": Entry("", False),
        "apps/api/run.sh": Entry("", True),
        "apps/api/new/a.py": Entry("", False),
    }
    # a vanished directory deletes every known file below it, never a sibling with its prefix
    assert changes.deletes == ("apps/api/gone.py", "apps/api/old/x.py", "apps/api/old/y/z.py")


def test_excluded_or_outside_paths_are_never_deleted(tmp_path):
    known = {"apps/api/.venv/lib/x.py", "apps/api/a.pyc", "etc/passwd"}
    changes = p.change_set(str(tmp_path), ["apps/api/.venv", "apps/api/a.pyc", "etc/passwd", "../etc"], TREES, EXCLUDES, known)
    assert changes.is_empty


def test_relative():
    assert p.relative("/repo", "/repo/apps/api/x.py") == "apps/api/x.py"
    assert p.relative("/repo", "/repo") is None
    assert p.relative("/repo", "/repository/x") is None


def test_push_command_text_and_quoting():
    assert p.push_command("/srv/app", "watch-1") == (
        "cd /srv/app && { rm -rf .pyinfra-sync-watch-1 && mkdir .pyinfra-sync-watch-1 && "
        "base64 -d | tar -x -z -i -f - -C .pyinfra-sync-watch-1 --no-same-owner -p && "
        "sh .pyinfra-sync-watch-1/apply.sh .pyinfra-sync-watch-1; rc=$?; rm -rf .pyinfra-sync-watch-1; exit $rc; }"
    )
    assert p.push_command(HOSTILE, "watch-1").startswith("cd '/tmp/x; rm -rf /' && ")
    assert p.cleanup_command(HOSTILE) == "cd '/tmp/x; rm -rf /' 2>/dev/null && rm -rf -- .pyinfra-sync-watch-* || true"


def test_token_is_fresh_and_under_the_watch_prefix():
    first, second = p.token(), p.token()
    assert first != second and first.startswith("watch-") and len(first) == len("watch-") + 16


def run_push(src: Path, dest: Path, changes: p.ChangeSet, known: set[str]) -> subprocess.CompletedProcess:
    script = p.script(changes, p.kept_after(known, changes), TREES)
    stdin = "\n".join(p.payload_lines(str(src), changes, script)) + "\n"
    return subprocess.run(["sh", "-c", p.push_command(str(dest), p.token())], input=stdin, text=True, capture_output=True)


def test_a_push_really_applies_the_change_set(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "dest"
    write(src, "apps/api/app/main.py", "new")
    write(src, "apps/api/run.sh", "#!/bin/sh\n", mode=0o755)
    write(dest, "apps/api/app/main.py", "old")
    write(dest, "apps/api/old/gone.py")
    write(dest, "apps/api/node_modules/kept.js")
    known = {"apps/api/app/main.py", "apps/api/old/gone.py"}
    changes = p.change_set(str(src), ["apps/api/app/main.py", "apps/api/run.sh", "apps/api/old"], TREES, EXCLUDES, known)
    result = run_push(src, dest, changes, known)
    assert result.returncode == 0, result.stderr
    assert (dest / "apps/api/app/main.py").read_text() == "new"
    assert os.access(dest / "apps/api/run.sh", os.X_OK)
    assert not (dest / "apps/api/old").exists()  # file deleted, its empty directory pruned
    assert (dest / "apps/api/node_modules/kept.js").exists()
    assert sorted(path.name for path in dest.iterdir()) == ["apps"]  # no staging dir left


def test_a_cut_stdin_fails_and_leaves_no_staging_dir(tmp_path):
    (tmp_path / "dest").mkdir()
    result = subprocess.run(
        ["sh", "-c", p.push_command(str(tmp_path / "dest"), p.token())], input="H4sIAAAA\n", text=True, capture_output=True
    )
    assert result.returncode != 0
    assert list((tmp_path / "dest").iterdir()) == []


def test_summary():
    assert p.summary(["a/x.py"]) == "x.py"
    assert p.summary(["a/1", "b/2", "c/3", "d/4", "e/5"]) == "1, 2, 3 and 2 more"


@pytest.mark.parametrize("uploads,deletes", [(1, 0), (0, 1)])
def test_kept_after(uploads, deletes):
    changes = p.ChangeSet({"n": Entry("", False)} if uploads else {}, ("k",) if deletes else ())
    assert p.kept_after({"k", "j"}, changes) == ({"j", "n"} if uploads else {"j"}) | ({"k"} if not deletes else set())
