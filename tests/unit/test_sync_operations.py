"""operations.sync_trees driven by data: a local tree and the target's files in, commands
(or a noop) and printed lines out. The operation runs undecorated (`_inner`) against a
fake host that answers its facts, so nothing touches a target."""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pyinfra.api import FileUploadCommand, StringCommand

from pyinfra_sync import operations
from pyinfra_sync.errors import SyncError
from pyinfra_sync.facts import TreeContents, TreeHashes, TreeListing, TreeManifest
from pyinfra_sync.listing import CacheEntry, RemoteFile, RemoteListing
from pyinfra_sync.manifest import Entry, RemoteTrees

DEST = "/srv/app"
TREES = ("infra", "apps/api")
EXCLUDES = ("node_modules", ".venv", ".env")
APPLY = (
    "cd /srv/app && { rm -rf .pyinfra-sync-TOKEN && mkdir .pyinfra-sync-TOKEN && tar -x -i -f .pyinfra-sync-TOKEN.tar.gz "
    "-C .pyinfra-sync-TOKEN --no-same-owner -p && sh .pyinfra-sync-TOKEN/apply.sh .pyinfra-sync-TOKEN; "
    "rc=$?; rm -rf .pyinfra-sync-TOKEN .pyinfra-sync-TOKEN.tar.gz; exit $rc; }"
)
UPLOAD = "upload /srv/app/.pyinfra-sync-TOKEN.tar.gz:"

# local: path -> content ("+x " prefix = executable); remote: None = no root, else path -> content.
CASES: dict[str, dict[str, Any]] = {
    "up-to-date": {
        "local": {"infra/a": "a\n", "apps/api/run.sh": "+x #!/bin/sh\n"},
        "remote": {"infra/a": "a\n", "apps/api/run.sh": "+x #!/bin/sh\n", "apps/api/node_modules/x": "dep"},
        "commands": [],
        "noop": "2 files in 2 trees up to date",
    },
    "first-sync-no-root": {
        "local": {"infra/a": "a\n", "apps/api/run.sh": "+x #!/bin/sh\n"},
        "remote": None,
        "commands": ["mkdir -p -- /srv/app", f"{UPLOAD} apply.sh f/apps/api/run.sh f/infra/a manifest-cache", APPLY],
    },
    "one-file-changed": {
        "local": {"infra/a": "a2\n", "infra/b": "b\n"},
        "remote": {"infra/a": "a\n", "infra/b": "b\n"},
        "commands": [f"{UPLOAD} apply.sh f/infra/a manifest-cache", APPLY],
    },
    "deleted-locally": {
        "local": {"infra/a": "a\n"},
        "remote": {"infra/a": "a\n", "infra/gone/old": "x", "apps/api/.venv/bin/python": "keep"},
        "commands": [f"{UPLOAD} apply.sh manifest-cache", APPLY],
    },
    "exec-bit-only": {
        "local": {"infra/a": "+x a\n"},
        "remote": {"infra/a": "a\n"},
        "commands": [f"{UPLOAD} apply.sh f/infra/a manifest-cache", APPLY],
    },
}


MTIME = 1_700_000_000_123_456_789


def body(content: str) -> bytes:
    return content.removeprefix("+x ").encode()


def entry(content: str) -> Entry:
    executable = content.startswith("+x ")
    return Entry(hashlib.sha256(content.removeprefix("+x ").encode()).hexdigest(), executable)


class FakeHost:
    """What sync_trees uses of pyinfra's Host: get_fact, noop, a name and the config."""

    def __init__(self, remote: dict[str, str] | None, contents: dict[str, bytes] | None = None, diff: bool = False):
        self.remote, self.contents = remote, contents or {}
        self.no_cache = False
        self.name, self.print_prefix, self.current_op_hash = "box", "[box] ", "op-1"
        self.state = SimpleNamespace(config=SimpleNamespace(DIFF=diff))
        self.noops: list[str] = []
        self.fact_calls: list[tuple[str, dict]] = []

    def get_fact(self, fact: type, **kwargs: Any) -> Any:
        self.fact_calls.append((fact.__name__, kwargs))
        if fact is TreeManifest:
            if self.remote is None:
                return RemoteTrees(root_exists=False)
            return RemoteTrees(True, {path: entry(content) for path, content in self.remote.items()})
        if fact is TreeListing:  # the target's manifest cache knows every file, unless told not to
            if self.remote is None:
                return RemoteListing(root_exists=False)
            files = {p: RemoteFile(len(body(c)), MTIME, entry(c).executable) for p, c in self.remote.items()}
            cache = {p: CacheEntry(len(body(c)), MTIME, entry(c).sha256) for p, c in self.remote.items()}
            return RemoteListing(True, files, None if self.no_cache else cache)
        if fact is TreeHashes:
            return {p: entry(self.remote[p]).sha256 for p in kwargs["paths"] if p in (self.remote or {})}
        assert fact is TreeContents
        return {path: self.contents[path] for path in kwargs["paths"] if path in self.contents}

    def noop(self, message: str) -> None:
        self.noops.append(message)


class Printed(list):
    def info(self, line: str) -> None:
        self.append(line)


@pytest.fixture
def fake(monkeypatch, tmp_path):
    def install(local: dict[str, str], remote, **kwargs) -> tuple[FakeHost, Printed]:
        for path, content in local.items():
            file = tmp_path / "src" / path
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(content.removeprefix("+x "))
            file.chmod(0o755 if content.startswith("+x ") else 0o644)
        for tree in TREES:
            (tmp_path / "src" / tree).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        host, printed = FakeHost(remote, **kwargs), Printed()
        monkeypatch.setattr(operations, "host", host)
        monkeypatch.setattr(operations, "logger", printed)
        monkeypatch.setattr(operations, "_reported", set())
        return host, printed

    return install


def archive_members(command: FileUploadCommand) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(command.src.getvalue()), mode="r:gz", ignore_zeros=True) as tar:
        return sorted(member.name for member in tar)


def run(generator) -> list[str]:
    out = []
    for command in generator:
        if isinstance(command, FileUploadCommand):
            out.append(" ".join([f"upload {command.dest}:", *archive_members(command)]))
        else:
            assert isinstance(command, StringCommand)
            out.append(str(command))
    return [re.sub(r"\.pyinfra-sync-[0-9a-f]{16}", ".pyinfra-sync-TOKEN", line) for line in out]


def sync(src: Path):
    return operations.sync_trees._inner(src_root=str(src), dest_root=DEST, trees=TREES, excludes=EXCLUDES)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_sync_trees(case, fake, tmp_path):
    host, _ = fake(case["local"], case["remote"])
    assert run(sync(tmp_path / "src")) == case["commands"]
    assert host.noops == ([case["noop"]] if "noop" in case else [])
    # one fact, one remote command, whatever the outcome (no --diff)
    assert host.fact_calls == [("TreeListing", {"root": DEST, "trees": TREES, "excludes": EXCLUDES})]


def apply_script(commands: list) -> str:
    upload = next(c for c in commands if isinstance(c, FileUploadCommand))
    with tarfile.open(fileobj=io.BytesIO(upload.src.getvalue()), mode="r:gz", ignore_zeros=True) as tar:
        return tar.extractfile("apply.sh").read().decode()  # type: ignore[union-attr]


def test_deletes_spare_excluded_paths_and_prune_empty_dirs(fake, tmp_path):
    fake(CASES["deleted-locally"]["local"], CASES["deleted-locally"]["remote"])
    script = apply_script(list(sync(tmp_path / "src")))
    assert "rm -f -- infra/gone/old\n" in script and "rmdir -- infra/gone 2>/dev/null || true\n" in script
    assert ".venv" not in script


def test_summary_without_diff_is_printed_once(fake, tmp_path):
    host, printed = fake({"infra/a": "a2\n", "infra/new": "n"}, {"infra/a": "a\n", "infra/old": "o"})
    list(sync(tmp_path / "src"))
    list(sync(tmp_path / "src"))  # without -y the body runs again at execution
    assert printed == [
        "[box] sync: 1 new, 1 changed, 1 deleted (in 2 trees)",
        "[box] + infra/new",
        "[box] ~ infra/a",
        "[box] - infra/old",
    ]
    assert [name for name, _ in host.fact_calls] == ["TreeListing", "TreeListing"]


def test_diff_fetches_only_changed_text_files_in_one_command(fake, tmp_path):
    local = {"infra/a": "one\nTWO\n", "infra/new": "n\n", "infra/mode": "+x m\n", "infra/data.bin": "x\0y"}
    remote = {"infra/a": "one\ntwo\n", "infra/mode": "m\n", "infra/data.bin": "x\0z", "infra/old": "o\n"}
    host, printed = fake(local, remote, contents={"infra/a": b"one\ntwo\n"}, diff=True)
    list(sync(tmp_path / "src"))
    list(sync(tmp_path / "src"))
    assert host.fact_calls[1] == ("TreeContents", {"root": DEST, "paths": ("infra/a",)})
    assert [name for name, _ in host.fact_calls] == ["TreeListing", "TreeContents", "TreeListing"]
    assert printed == [
        "[box] sync: 1 new, 3 changed, 1 deleted (in 2 trees)",
        "[box] --- a/infra/a",
        "[box] +++ b/infra/a",
        "[box] @@ -1,2 +1,2 @@",
        "[box]  one",
        "[box] -two",
        "[box] +TWO",
        "[box] ~ infra/data.bin: binary or large file changed, now 3 bytes",
        "[box] ~ infra/mode: executable bit changed only",
        "[box] --- /dev/null",
        "[box] +++ b/infra/new",
        "[box] @@ -0,0 +1 @@",
        "[box] +n",
        "[box] --- a/infra/old",
        "[box] +++ /dev/null",
        "[box] (deleted on the target)",
    ]


def test_diff_of_a_noop_prints_nothing_and_fetches_nothing(fake, tmp_path):
    host, printed = fake({"infra/a": "a\n"}, {"infra/a": "a\n"}, diff=True)
    assert run(sync(tmp_path / "src")) == []
    assert printed == [] and [name for name, _ in host.fact_calls] == ["TreeListing"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dest_root": "srv/app"}, "dest_root"),
        ({"dest_root": "~/app"}, "dest_root"),
        ({"trees": ("../etc",)}, "trees"),
        ({"trees": ()}, "trees"),
        ({"trees": ("infra", "apps/web")}, "'apps/web' is not a directory"),
    ],
)
def test_bad_arguments_fail_before_the_target_is_read(fake, tmp_path, kwargs, message):
    host, _ = fake({}, {})
    arguments = {"src_root": str(tmp_path / "src"), "dest_root": DEST, "trees": TREES, "excludes": EXCLUDES, **kwargs}
    with pytest.raises(SyncError, match=message):
        list(operations.sync_trees._inner(**arguments))
    assert host.fact_calls == []


def test_without_a_manifest_cache_same_size_files_are_hashed_there_and_the_cache_rewritten(fake, tmp_path):
    host, printed = fake({"infra/a": "a\n", "infra/b": "b2\n", "infra/c": "c\n"}, {"infra/a": "a\n", "infra/b": "b\n", "infra/c": "x\n"})
    host.no_cache = True
    commands = run(sync(tmp_path / "src"))
    assert [name for name, _ in host.fact_calls] == ["TreeListing", "TreeHashes"]
    assert host.fact_calls[1][1] == {"root": DEST, "paths": ("infra/a", "infra/c")}  # b differs in size: no hash needed
    assert commands == [f"{UPLOAD} apply.sh f/infra/b f/infra/c manifest-cache", APPLY]
    assert "[box] sync: 2 files hashed on the target (its manifest cache was missing or stale)" in printed


def test_a_noop_without_a_manifest_cache_only_writes_the_cache(fake, tmp_path):
    host, printed = fake({"infra/a": "a\n"}, {"infra/a": "a\n"})
    host.no_cache = True
    assert run(sync(tmp_path / "src")) == [f"{UPLOAD} apply.sh manifest-cache", APPLY]
    assert printed[:2] == ["[box] sync: 0 new, 0 changed, 0 deleted (in 2 trees)", "[box] sync: 1 file hashed on the target (its manifest cache was missing or stale)"]


def test_many_unknown_files_are_hashed_by_one_full_listing_not_a_giant_command(fake, tmp_path, monkeypatch):
    monkeypatch.setattr(operations, "HASH_BY_NAME_MAX", 60)
    host, _ = fake({"infra/a": "a\n", "infra/b": "b\n"}, {"infra/a": "a\n", "infra/b": "b\n"})
    host.no_cache = True
    list(sync(tmp_path / "src"))
    assert [name for name, _ in host.fact_calls] == ["TreeListing", "TreeManifest"]


def test_checksum_mode_hashes_everything_there_and_here(fake, tmp_path):
    host, _ = fake({"infra/a": "a\n"}, {"infra/a": "a\n"})
    args = {"src_root": str(tmp_path / "src"), "dest_root": DEST, "trees": TREES, "excludes": EXCLUDES, "checksum": True}
    assert run(operations.sync_trees._inner(**args)) == []
    assert [name for name, _ in host.fact_calls] == ["TreeListing", "TreeManifest"]


def test_a_good_manifest_cache_gets_a_chunk_of_the_uploaded_entries_appended(fake, tmp_path):
    fake({"infra/a": "a2\n", "infra/b": "b\n"}, {"infra/a": "a\n", "infra/b": "b\n"})
    script = apply_script(list(sync(tmp_path / "src")))
    assert script.splitlines()[-1].startswith('cat -- "$1"/manifest-cache >> .pyinfra-sync-manifest-')
