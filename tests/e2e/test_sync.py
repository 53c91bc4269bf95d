"""pyinfra_sync.sync_trees for real: `pyinfra @local` between two temp directories.

first sync -> no-op (one remote command) -> one change -> a delete -> excluded paths on
the target untouched -> exec bit -> awkward names -> `--dry --diff` shows every file once
-> a missing, corrupt or lying manifest cache on the target -> checksum mode.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pyinfra_sync import listing as ls
from pyinfra_sync.manifest import local_manifest
from tests.e2e.helpers import PYINFRA, REPO, run

from devstack.stack import EXCLUDES

TREES = ("infra", "apps/api", "files")
DEPLOY = str(REPO / "tests" / "e2e" / "sync_deploy.py")


def sync(src: Path, dest: Path, *flags: str, stdin: str | None = None) -> str:
    """Run the sync deploy (with -y unless planning: --dry, or answering a prompt);
    pyinfra logs to stderr, so both streams are returned together."""
    env = dict(os.environ, SYNC_SRC=str(src), SYNC_DEST=str(dest), SYNC_TREES=",".join(TREES), PYTHONPATH=str(REPO))
    planning = stdin is not None or "--dry" in flags
    argv = [*PYINFRA, "@local", DEPLOY, *flags] + ([] if planning else ["-y"])
    return run(argv, cwd=REPO, env=env, input=stdin, stderr_into_stdout=True, timeout=120).stdout


def snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under root (excluded ones too), but the manifest cache: inode, mode and content."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith(".pyinfra-sync-manifest-"):
            info = path.stat()
            out[str(path.relative_to(root))] = (info.st_ino, info.st_mode & 0o777, path.read_bytes())
    return out


@pytest.fixture
def src(tmp_path) -> Path:
    root = tmp_path / "src"
    files = {
        "infra/docker-compose.yml": "services:\n  api: {}\n",
        "infra/docker/api.Dockerfile": "FROM python\n",
        "apps/api/app/main.py": "print('hello')\n",
        'apps/api/with space/it\'s "quoted".txt': "awkward\n",
        "files/README.md": "readme\n",
        "files/.env": "POSTGRES_PASSWORD=hunter2-never-shown\n",  # excluded, never uploaded
        "apps/api/node_modules/local-only/index.js": "local dependency\n",
    }
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content)
    (root / "infra" / "docker" / "entry.sh").write_text('#!/bin/sh\nexec "$@"\n')
    (root / "infra" / "docker" / "entry.sh").chmod(0o755)
    return root


def synced(src: Path, dest: Path) -> bool:
    return local_manifest(dest, TREES, EXCLUDES) == local_manifest(src, TREES, EXCLUDES)


def test_first_sync_creates_everything_then_a_rerun_is_one_command(src, tmp_path):
    dest = tmp_path / "dest" / "project"  # its parent does not exist either
    first = sync(src, dest)
    assert synced(src, dest), first
    assert not (dest / "files" / ".env").exists() and not (dest / "apps/api/node_modules").exists()
    leftovers = [p.name for p in dest.iterdir() if p.name.startswith(".pyinfra-sync")]
    assert leftovers == [ls.cache_name(TREES, EXCLUDES)]  # archive, staging gone; the manifest cache stays
    for path in local_manifest(src, TREES, EXCLUDES):  # the mtime as uploaded, to the nanosecond
        assert (dest / path).stat().st_mtime_ns == (src / path).stat().st_mtime_ns, path
    before = snapshot(dest)

    again = sync(src, dest, "-vv")
    assert "noop: 6 files in 3 trees up to date" in again
    assert again.count("Loaded fact") == 1 and "Loaded fact pyinfra_sync.facts.TreeListing" in again
    assert again.count(">>> ") == 1, again  # -vv echoes every remote command: only the fact's
    assert re.search(r"Sync trees\s+1\s+-\s+-\s+1", again), again  # the results table: no change
    assert snapshot(dest) == before


def test_one_changed_file_is_replaced_and_nothing_else_touched(src, tmp_path):
    dest = tmp_path / "dest"
    sync(src, dest)
    before = snapshot(dest)
    (src / "apps/api/app/main.py").write_text("print('changed')\n")
    out = sync(src, dest)
    assert "sync: 0 new, 1 changed, 0 deleted (in 3 trees)" in out and "~ apps/api/app/main.py" in out
    after = snapshot(dest)
    assert after.pop("apps/api/app/main.py")[2] == b"print('changed')\n"
    before.pop("apps/api/app/main.py")
    assert after == before  # same inodes: untouched

    (src / "apps/api/app/main.py").write_text("print('changed again')\n")
    diffed = sync(src, dest, "--diff")  # with -y the body runs once, at execution
    assert diffed.count("+++ b/apps/api/app/main.py") == 1 and diffed.count("+print('changed again')") == 1
    assert diffed.count("-print('changed')") == 1


def test_deleted_file_is_removed_and_excluded_paths_on_the_target_stay(src, tmp_path):
    dest = tmp_path / "dest"
    sync(src, dest)
    target_only = {
        "apps/api/node_modules/react/index.js": "dep",
        "apps/api/.venv/bin/python": "venv",
        "apps/api/app/__pycache__/main.cpython-311.pyc": "cache",
        "infra/docker/.next/cache/x": "build output",
        "files/.env": "SECRET=on-the-target",
    }
    for path, content in target_only.items():
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        (dest / path).write_text(content)
    (src / "infra/docker/api.Dockerfile").unlink()
    (src / "infra/docker/entry.sh").unlink()  # infra/docker keeps only an excluded .next
    (src / 'apps/api/with space/it\'s "quoted".txt').unlink()

    out = sync(src, dest)
    assert "sync: 0 new, 0 changed, 3 deleted (in 3 trees)" in out, out
    assert synced(src, dest)
    assert not (dest / "apps/api/with space").exists()  # emptied, so removed
    for path, content in target_only.items():
        assert (dest / path).read_text() == content, path
    assert "noop:" in sync(src, dest, "-v")


def test_exec_bit_follows_the_local_file(src, tmp_path):
    dest = tmp_path / "dest"
    sync(src, dest)
    assert (dest / "infra/docker/entry.sh").stat().st_mode & 0o777 == 0o755
    assert (dest / "infra/docker-compose.yml").stat().st_mode & 0o777 == 0o644
    (src / "infra/docker/entry.sh").chmod(0o644)
    (src / "infra/docker-compose.yml").chmod(0o755)
    out = sync(src, dest)
    assert "~ infra/docker/entry.sh (executable bit only)" in out
    assert (dest / "infra/docker/entry.sh").stat().st_mode & 0o777 == 0o644
    assert (dest / "infra/docker-compose.yml").stat().st_mode & 0o777 == 0o755


def test_awkward_names_round_trip(src, tmp_path):
    dest = tmp_path / "dest"
    for name in ("two  spaces ", "x; rm -rf ~", "$(touch pwned)", "new\nline", "-rf", "back\\slash", "ünïcode"):
        (src / "files" / name).write_text(f"{name}\n")
    sync(src, dest)
    assert synced(src, dest)
    assert not (tmp_path / "pwned").exists() and not (REPO / "pwned").exists()
    assert "noop:" in sync(src, dest, "-v")


def test_dry_diff_shows_every_file_once_and_changes_nothing(src, tmp_path):
    dest = tmp_path / "dest"
    sync(src, dest)
    (src / "infra/docker-compose.yml").write_text("services:\n  api: {image: new}\n")
    (src / "infra/new/deeper/added.txt").parent.mkdir(parents=True)
    (src / "infra/new/deeper/added.txt").write_text("brand new\n")
    (src / "files/logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0binary")
    (src / "files/README.md").unlink()
    before = snapshot(dest)

    out = sync(src, dest, "--dry", "--diff")
    assert snapshot(dest) == before
    assert out.count("+++ b/infra/docker-compose.yml") == 1 and "+  api: {image: new}" in out
    assert out.count("+++ b/infra/new/deeper/added.txt") == 1 and "+brand new" in out
    assert out.count("+ files/logo.png: new binary or large file, 16 bytes") == 1
    assert out.count("--- a/files/README.md") == 1
    assert "hunter2" not in out

    # Without -y the body runs at plan and again at execution: still printed once.
    applied = sync(src, dest, "--diff", stdin="\n")
    assert applied.count("+++ b/infra/docker-compose.yml") == 1 and applied.count("+brand new") == 1
    assert synced(src, dest)


@pytest.mark.parametrize("damage", ["missing", "garbage", "lying"])
def test_a_wrong_or_missing_manifest_cache_on_the_target_falls_back_to_hashing_and_converges(src, tmp_path, damage):
    dest = tmp_path / "dest"
    sync(src, dest)
    cache = dest / ls.cache_name(TREES, EXCLUDES)
    (dest / "infra/docker-compose.yml").write_text("services:\n  api: []\n")  # changed there, same size
    os.utime(dest / "infra/docker-compose.yml", ns=(0, (src / "infra/docker-compose.yml").stat().st_mtime_ns + 1))
    if damage == "missing":
        cache.unlink()
    elif damage == "garbage":
        cache.write_bytes(b"\x00not a cache\n")
    else:  # every entry vouches for its file's size and mtime there, with a wrong hash
        lines = cache.read_text().split("\n")
        cache.write_text("\n".join(["0" * 64 + line[64:] if line[:1] not in ("#", "") else line for line in lines]))
    before = snapshot(dest)

    out = sync(src, dest)
    if damage == "lying":  # it cannot be told from a good cache: every file looks changed and is sent again
        assert "sync: 0 new, 6 changed, 0 deleted (in 3 trees)" in out, out
    else:  # the same-size files are hashed there; only the one that differs is sent
        assert "sync: 0 new, 1 changed, 0 deleted (in 3 trees)" in out and "~ infra/docker-compose.yml" in out, out
        assert "files hashed on the target (its manifest cache was missing or stale)" in out
        after = snapshot(dest)
        assert {path for path in before if before[path] != after[path]} == {"infra/docker-compose.yml"}
    assert synced(src, dest)
    again = sync(src, dest, "-vv")
    assert "noop: 6 files in 3 trees up to date" in again and again.count(">>> ") == 1, again


def test_checksum_mode_finds_a_rewrite_that_kept_size_and_mtime(src, tmp_path):
    dest = tmp_path / "dest"
    sync(src, dest)
    target = dest / "apps/api/app/main.py"
    stamp = target.stat().st_mtime_ns
    target.write_text("print('HELLO')\n")  # same size; mtime put back, as cp -p or tar would
    os.utime(target, ns=(stamp, stamp))
    assert "noop:" in sync(src, dest, "-v")  # the trade-off of the quick check, as rsync's
    out = sync(src, dest, "--data", "sync_checksum=true")
    assert "sync: 0 new, 1 changed, 0 deleted (in 3 trees)" in out and "~ apps/api/app/main.py" in out, out
    assert target.read_text() == "print('hello')\n" and synced(src, dest)
    assert "noop:" in sync(src, dest, "-v") and "noop:" in sync(src, dest, "-v", "--data", "sync_checksum=true")
