"""manifest.py: excludes, tree validation, the local manifest, and the parser of the
remote listing (hostile names included), checked against the real command run locally."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pyinfra_sync import commands as cmd
from pyinfra_sync.errors import SyncError
from pyinfra_sync.manifest import (
    ABSENT,
    END,
    NO_SHA256SUM,
    EXECUTABLE,
    PLAIN,
    Entry,
    check_trees,
    in_trees,
    is_excluded,
    local_manifest,
    parse_remote_manifest,
    parse_sha256sum_line,
)

EXCLUDES = ("node_modules", ".next", ".pnpm-store", ".venv", "__pycache__", ".pytest_cache", "*.pyc", ".env")
HOSTILE_NAMES = [
    "x; rm -rf ~",
    "trailing ",
    "with space",
    "it's",
    'dq"uote',
    "new\nline",
    "back\\slash",
    "cr\rname",
    "-dash",
    "$HOME",
    "ünï",
]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("path", "excluded"),
    [
        ("apps/web/node_modules/react/index.js", True),
        ("apps/web/node_modules", True),
        ("apps/api/.venv/bin/python", True),
        ("apps/api/app/__pycache__/main.cpython-311.pyc", True),
        ("apps/api/app/main.pyc", True),
        ("infra/.env", True),
        ("apps/web/.next/server/page.js", True),
        ("infra/.env.example", False),  # only the exact name .env
        ("apps/api/app/main.py", False),
        ("apps/web/node_modules_notes.md", False),  # whole components only
        ("apps/api/pyc", False),
    ],
)
def test_is_excluded_matches_any_component(path, excluded):
    assert is_excluded(path, EXCLUDES) is excluded


@pytest.mark.parametrize(
    "trees",
    [(), ("/etc",), ("../x",), ("a/../b",), (".",), ("a/",), ("./a",), ("-rf",), ("a", "a/b"), ("a", "a"), ("",)],
)
def test_check_trees_refuses_what_could_reach_outside(trees):
    with pytest.raises(SyncError, match="trees"):
        check_trees(trees)


def test_check_trees_accepts_the_stack_trees():
    assert check_trees(("infra", "apps/api", "apps/web", "images", "files")) == (
        "infra",
        "apps/api",
        "apps/web",
        "images",
        "files",
    )


@pytest.mark.parametrize(
    ("path", "inside"),
    [
        ("infra/a", True),
        ("apps/api/x/y", True),
        ("infra", False),  # the tree itself is not a file in it
        ("infrastructure/a", False),
        ("apps/apiary/a", False),
        ("infra/../etc/passwd", False),
        ("infra/./a", False),
        ("infra//a", False),
        ("/infra/a", False),
        ("etc/passwd", False),
    ],
)
def test_in_trees(path, inside):
    assert in_trees(path, ("infra", "apps/api")) is inside


def make_tree(root: Path) -> None:
    (root / "infra" / "docker").mkdir(parents=True)
    (root / "infra" / "docker-compose.yml").write_text("services: {}\n")
    (root / "infra" / "docker" / "run.sh").write_text("#!/bin/sh\n")
    (root / "infra" / "docker" / "run.sh").chmod(0o755)
    (root / "infra" / ".env").write_text("SECRET=1\n")
    (root / "apps" / "web" / "node_modules" / "react").mkdir(parents=True)
    (root / "apps" / "web" / "node_modules" / "react" / "index.js").write_text("x")
    (root / "apps" / "web" / "page.js").write_text("page")
    (root / "apps" / "web" / "__pycache__").mkdir()
    (root / "apps" / "web" / "__pycache__" / "a.pyc").write_bytes(b"\0")
    (root / "apps" / "web" / "b.pyc").write_bytes(b"\0")


def test_local_manifest_hashes_files_with_exec_bit_and_skips_excludes(tmp_path):
    make_tree(tmp_path)
    assert local_manifest(tmp_path, ("infra", "apps/web"), EXCLUDES) == {
        "infra/docker-compose.yml": Entry(sha(b"services: {}\n"), False),
        "infra/docker/run.sh": Entry(sha(b"#!/bin/sh\n"), True),
        "apps/web/page.js": Entry(sha(b"page"), False),
    }


def test_a_missing_local_tree_is_an_error_not_an_empty_tree(tmp_path):
    with pytest.raises(SyncError, match="'missing' is not a directory"):
        local_manifest(tmp_path, ("missing",), ())


def test_local_manifest_follows_file_symlinks_and_skips_dangling_ones(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "real").write_text("content")
    (tmp_path / "t" / "link").symlink_to(tmp_path / "real")
    (tmp_path / "t" / "dangling").symlink_to(tmp_path / "nowhere")
    assert local_manifest(tmp_path, ("t",), ()) == {"t/link": Entry(sha(b"content"), False)}


def test_local_manifest_notices_an_edit(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "f").write_text("one")
    assert local_manifest(tmp_path, ("t",), ())["t/f"].sha256 == sha(b"one")
    (tmp_path / "t" / "f").write_text("two!")
    assert local_manifest(tmp_path, ("t",), ())["t/f"].sha256 == sha(b"two!")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("a" * 64 + "  infra/x", ("infra/x", "a" * 64)),
        ("a" * 64 + " *infra/bin", ("infra/bin", "a" * 64)),
        ("a" * 64 + "  infra/with  two spaces ", ("infra/with  two spaces ", "a" * 64)),
        ("\\" + "b" * 64 + "  infra/new\\nline", ("infra/new\nline", "b" * 64)),
        ("\\" + "b" * 64 + "  infra/back\\\\slash", ("infra/back\\slash", "b" * 64)),
        ("\\" + "b" * 64 + "  infra/cr\\rname", ("infra/cr\rname", "b" * 64)),
        ("c" * 64 + "  infra/x; rm -rf /", ("infra/x; rm -rf /", "c" * 64)),
    ],
)
def test_parse_sha256sum_line(line, expected):
    assert parse_sha256sum_line(line) == expected


@pytest.mark.parametrize(
    "line", ["", "a" * 63 + "  x", "g" * 64 + "  x", "a" * 64 + "x", "a" * 64 + "  ", "sha256sum: x: Permission denied"]
)
def test_parse_sha256sum_line_refuses_garbage(line):
    with pytest.raises(SyncError, match="sha256sum line"):
        parse_sha256sum_line(line)


def test_parse_remote_manifest_sections():
    lines = [EXECUTABLE, "a" * 64 + "  infra/run.sh", PLAIN, "b" * 64 + "  infra/a", END]
    remote = parse_remote_manifest(lines)
    assert remote.root_exists
    assert remote.files == {"infra/run.sh": Entry("a" * 64, True), "infra/a": Entry("b" * 64, False)}


def test_parse_remote_manifest_absent_root_is_empty():
    remote = parse_remote_manifest([ABSENT])
    assert not remote.root_exists and remote.files == {}


def test_parse_remote_manifest_without_sha256sum_says_so():
    with pytest.raises(SyncError, match="sha256sum is not installed"):
        parse_remote_manifest([NO_SHA256SUM])


def test_the_listing_says_when_sha256sum_is_missing(tmp_path):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "find").symlink_to(shutil.which("find"))  # a PATH with find, no sha256sum
    command = cmd.manifest(str(tmp_path), ("t",), EXCLUDES)
    out = subprocess.run(
        ["/bin/sh", "-c", command], capture_output=True, text=True, env={"PATH": str(tmp_path / "bin")}
    )
    assert out.stdout.splitlines() == [NO_SHA256SUM]


@pytest.mark.parametrize("lines", [[], [EXECUTABLE, PLAIN], ["a" * 64 + "  x", END], [EXECUTABLE, "junk", PLAIN, END]])
def test_parse_remote_manifest_refuses_incomplete_output(lines):
    with pytest.raises(SyncError):
        parse_remote_manifest(lines)


def run_manifest_command(root: Path, trees: tuple[str, ...]) -> list[str]:
    """The fact's command, run by sh here, split into lines the way pyinfra does."""
    out = subprocess.run(["sh", "-c", cmd.manifest(str(root), trees, EXCLUDES)], capture_output=True, check=True).stdout
    return out.decode().split("\n")[:-1]


def test_remote_listing_of_hostile_names_matches_the_local_manifest(tmp_path):
    tree = tmp_path / "t"
    (tree / "sub dir").mkdir(parents=True)
    for index, name in enumerate(HOSTILE_NAMES):
        (tree / name).write_bytes(f"content {index}".encode())
        (tree / "sub dir" / name).write_bytes(b"nested")
    os.chmod(tree / "x; rm -rf ~", 0o755)
    (tree / "node_modules").mkdir()
    (tree / "node_modules" / "hidden").write_text("never listed")
    remote = parse_remote_manifest(run_manifest_command(tmp_path, ("t", "absent on the target")))
    local = local_manifest(tmp_path, ("t",), EXCLUDES)
    assert remote.files == local
    assert len(local) == 2 * len(HOSTILE_NAMES)
    assert local["t/x; rm -rf ~"].executable and not local["t/new\nline"].executable


def test_remote_listing_goes_through_a_tree_that_is_a_symlink(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a").write_text("a")
    (tmp_path / "t").symlink_to(tmp_path / "real")
    assert parse_remote_manifest(run_manifest_command(tmp_path, ("t",))).files == local_manifest(tmp_path, ("t",), ())


def test_remote_listing_of_a_missing_root(tmp_path):
    assert run_manifest_command(tmp_path / "nope", ("t",)) == [ABSENT]
    assert parse_remote_manifest(run_manifest_command(tmp_path, ("t",))).files == {}
