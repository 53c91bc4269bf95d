"""envdiff.py: env files reduced to salted line digests, diffed by key, values never shown.

The target computes its digests with `commands.env_digests` (a shell loop); the parity
tests run that very command with `sh` on real files, so both sides agree byte for byte.
"""

from __future__ import annotations

import subprocess

import pytest

from pyinfra_compose import commands
from pyinfra_compose.envdiff import SALT, EnvDiff, diff_env, digest, env_digests, line_key
from pyinfra_compose.facts import EnvFileDigests

SALT_T = "0123456789abcdef"
SECRET = "s3cr3t-Value-that-must-never-show"

CASES = {
    "rendered": "# header\nPOSTGRES_PASSWORD='p@ss'\nAPI_PORT='8000'\nEMPTY=''\n",
    "quoted-escapes": 'CA="-----BEGIN-----\\nabc\\n-----END-----"\nB="a \\"q\\" $x"\n',
    "export-and-spaces": "export A=1\nexport\tB=2\n   # indented comment\n\t\nC = 3\n",
    "no-final-newline": "A=1\nB=2",
    "other-lines": "A=1\nmulti\n  line value\n9BAD=1\nbad-key=2\n=empty\n",
    "duplicate-key": "A=1\nA=2\n",
    "backslashes-and-percent": "A='100%s\\t\\\\'\nB=$(echo no)\n",
    "crlf": "A=1\r\nB=2\r\n",
    "empty": "",
}


def on_target(tmp_path, text: str, salt: str = SALT_T) -> dict[str, str] | None:
    path = tmp_path / "target.env"
    path.write_bytes(text.encode())
    command = EnvFileDigests().command(path=str(path), salt=salt)
    out = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True).stdout
    return EnvFileDigests().process(out.splitlines())


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_target_and_local_digests_agree(tmp_path, text):
    assert on_target(tmp_path, text) == env_digests(text, SALT_T)


def test_an_absent_file_is_none(tmp_path):
    command = EnvFileDigests().command(path=str(tmp_path / "missing.env"), salt=SALT_T)
    out = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True).stdout
    assert EnvFileDigests().process(out.splitlines()) is None


def test_the_target_prints_no_value(tmp_path):
    path = tmp_path / "target.env"
    path.write_text(f"POSTGRES_PASSWORD='{SECRET}'\nmulti {SECRET}\n")
    command = commands.env_digests(str(path), SALT_T)
    result = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True)
    assert SECRET not in result.stdout + result.stderr
    assert SECRET not in command
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["POSTGRES_PASSWORD", "?1"]


def test_keys_of_lines():
    assert [line_key(line) for line in ["", "  ", "# c", "  # c", "A=1", "export B=2", "C", "1A=2", " D=1"]] == [
        "", "", "", "", "A", "B", None, None, None,
    ]


def test_other_lines_are_numbered_never_named():
    digests = env_digests(f"A=1\n{SECRET}\n", SALT_T)
    assert list(digests) == ["A", "?1"]
    assert digests["?1"] == digest(SECRET, SALT_T)


def test_digests_are_salted():
    assert env_digests("A=1\n", "aa" * 8) != env_digests("A=1\n", "bb" * 8)
    assert len(SALT) == 32 and int(SALT, 16) >= 0


def test_salt_must_be_hex():
    with pytest.raises(ValueError):
        commands.env_digests("/x", "'; rm -rf /")


def test_diff_names_keys_by_what_happens_to_their_value():
    before = env_digests("A=1\nB=2\nC=3\n# old comment\n", SALT_T)
    after = env_digests("A=1\nB=two\nD=4\n# new comment\n", SALT_T)
    diff = diff_env(before, after)
    assert diff == EnvDiff(added=("D",), changed=("B",), removed=("C",))
    assert diff.keys == {"B", "C", "D"}
    assert diff.lines() == ["+ D (added)", "~ B (value changed)", "- C (removed)"]


def test_a_missing_file_adds_every_key():
    assert diff_env(None, env_digests("B=1\nA=2\n", SALT_T)) == EnvDiff(added=("A", "B"))


def test_comment_only_changes_are_empty():
    diff = diff_env(env_digests("# a\nA=1\n", SALT_T), env_digests("# b\n\nA=1\n", SALT_T))
    assert diff.is_empty and diff.lines() == []


def test_other_lines_are_counted():
    diff = diff_env(env_digests("A=1\nfoo\n", SALT_T), env_digests("A=1\nbar\nbaz\n", SALT_T))
    assert diff.keys == frozenset() and diff.other_lines == 2
    assert diff.lines() == ["~ 2 line(s) that set no KEY=value differ (not shown)"]


def test_diff_as_json_data_holds_keys_only():
    diff = diff_env(env_digests(f"P='{SECRET}'\n", SALT_T), env_digests("P='new'\n", SALT_T))
    assert diff.to_dict() == {"added": [], "changed": ["P"], "removed": [], "other_lines": 0}
