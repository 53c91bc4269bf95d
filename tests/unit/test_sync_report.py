"""report.py: what a user sees; every file once, secrets never, binaries as one line."""

from __future__ import annotations

import pytest

from pyinfra_sync import report
from pyinfra_sync.plan import SyncPlan

PLAN = SyncPlan(
    new=("infra/new dir/new.txt",),
    changed=("infra/a.txt", "infra/run.sh"),
    mode_only=("infra/run.sh",),
    deleted=("infra/old.txt",),
)


def test_headline():
    assert report.headline(PLAN, 5) == "sync: 1 new, 2 changed, 1 deleted (in 5 trees)"


def test_summary_one_line_per_path():
    assert report.summary_lines(PLAN) == [
        "+ infra/new dir/new.txt",
        "~ infra/a.txt",
        "~ infra/run.sh (executable bit only)",
        "- infra/old.txt",
    ]


def test_summary_counts_past_the_limit():
    plan = SyncPlan(new=tuple(f"t/{i}" for i in range(7)), changed=(), mode_only=(), deleted=())
    assert report.summary_lines(plan, limit=5)[-1] == "... and 2 more (--diff lists every file)"
    assert len(report.summary_lines(plan, limit=5)) == 6


def test_diff_lines_every_file_once_in_path_order():
    local = {"infra/new dir/new.txt": b"hello\n", "infra/a.txt": b"one\nTWO\n", "infra/run.sh": b"#!/bin/sh\n"}
    remote = {"infra/a.txt": b"one\ntwo\n"}
    assert report.diff_lines(PLAN, local, remote) == [
        "--- a/infra/a.txt",
        "+++ b/infra/a.txt",
        "@@ -1,2 +1,2 @@",
        " one",
        "-two",
        "+TWO",
        "--- /dev/null",
        "+++ b/infra/new dir/new.txt",
        "@@ -0,0 +1 @@",
        "+hello",
        "--- a/infra/old.txt",
        "+++ /dev/null",
        "(deleted on the target)",
        "~ infra/run.sh: executable bit changed only",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "infra/.env",
        "infra/.env.local",
        "files/prod.env",
        "infra/tls/server.key",
        "infra/ca.pem",
        "infra/id_ed25519",
        "infra/db-password.txt",
        "infra/my_secrets.yml",
        "infra/.npmrc",
    ],
)
def test_secrets_are_never_shown(path):
    assert report.is_secret(path)
    plan = SyncPlan(new=(path,), changed=(), mode_only=(), deleted=())
    new = report.diff_lines(plan, {path: b"TOKEN=hunter2\n"}, {})
    changed = report.diff_lines(
        SyncPlan(new=(), changed=(path,), mode_only=(), deleted=()), {path: b"TOKEN=hunter2\n"}, {path: b"TOKEN=old\n"}
    )
    for lines in (new, changed):
        assert lines == [f"~ {path}: content not shown (may hold secrets)"]
    assert not report.wants_remote_content(path, b"TOKEN=hunter2\n")


@pytest.mark.parametrize(
    "path", ["infra/docker-compose.yml", "infra/envoy.yaml", "apps/api/app/main.py", "infra/keys.md"]
)
def test_ordinary_files_are_not_secrets(path):
    assert not report.is_secret(path)


def test_binary_files_get_one_line():
    assert report.file_diff("images/logo.png", b"\x89PNG\0old", b"\x89PNG\0new!") == [
        "~ images/logo.png: binary or large file, 8 bytes -> 9 bytes"
    ]
    assert report.file_diff("images/logo.png", None, b"\xff\xfe") == [
        "+ images/logo.png: new binary or large file, 2 bytes"
    ]
    assert report.file_diff("t/x", b"\0", b"text\n") == ["~ t/x: binary or large file, 1 bytes -> 5 bytes"]


def test_large_text_files_get_one_line():
    big = b"x\n" * (report.DIFF_MAX_BYTES // 2 + 1)
    assert report.file_diff("t/big", None, big)[0].startswith("+ t/big: new binary or large file")
    assert not report.wants_remote_content("t/big", big)


def test_empty_new_file_still_shows():
    assert report.file_diff("t/empty", None, b"") == ["--- /dev/null", "+++ b/t/empty", "(no text lines differ)"]


def test_changed_file_whose_old_content_was_not_fetched():
    plan = SyncPlan(new=(), changed=("t/x",), mode_only=(), deleted=())
    assert report.diff_lines(plan, {"t/x": b"abc"}, {}) == [
        "~ t/x: changed, now 3 bytes (too many changes to diff all)"
    ]
    assert report.diff_lines(plan, {"t/x": b"\0"}, {}) == ["~ t/x: binary or large file changed, now 1 bytes"]


def test_control_characters_are_made_visible():
    assert report.visible("t/new\nline\x1b[31m\r") == "t/new\\nline\\x1b[31m\\x0d"
    assert report.file_diff("t/a", None, b"\x1b[2Jclear\tkept\n")[-1] == "+\\x1b[2Jclear\tkept"
    assert report.summary_lines(SyncPlan(new=("t/a\nb",), changed=(), mode_only=(), deleted=())) == ["+ t/a\\nb"]


def test_wants_remote_content_of_ordinary_text():
    assert report.wants_remote_content("infra/docker-compose.yml", b"services: {}\n")
    assert not report.wants_remote_content("images/logo.png", b"\x89PNG\0")
