"""devstack.operations.secret_file: facts in, commands out, and what it prints: the keys
it adds, changes or removes, never a value (nor in what it records for --json)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from pyinfra.api import FileUploadCommand, StringCommand

from devstack import facts, operations
from pyinfra_compose import report
from pyinfra_compose.envdiff import SALT, env_digests
from pyinfra_compose.facts import EnvFileDigests
from tests.unit.fakes import FakeHost

SECRET_OLD, SECRET_NEW = "old-Secret-4f9a2c", "new-Secret-77b1e0"
OLD = f"# rendered\nPOSTGRES_PASSWORD='{SECRET_OLD}'\nAPI_PORT='8000'\nGONE='x'\n"
NEW = f"# rendered\nPOSTGRES_PASSWORD='{SECRET_NEW}'\nAPI_PORT='8000'\nADDED='y'\n"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def state(text: str, mode: str = "600") -> facts.FileState:
    return facts.FileState(mode=mode, sha256=sha(text))


UPLOAD = [
    "( umask 077 && : > /srv/.env.tmp ) && chmod 600 /srv/.env.tmp && { [ ! -e /srv/.env ] || chmod 600 /srv/.env; }",
    "upload -> /srv/.env",
    "chmod 600 /srv/.env && rm -f /srv/.env.tmp",
]


@pytest.fixture
def fake(monkeypatch):
    def install(answers: dict[type, Any]) -> FakeHost:
        host = FakeHost(answers, op_hash="op-secret")
        monkeypatch.setattr(operations, "host", host)
        report.reset()
        return host

    yield install
    report.reset()


def run(generator) -> list[str]:
    out = []
    for command in generator:
        if isinstance(command, FileUploadCommand):
            out.append(f"upload -> {command.dest}")
        else:
            assert isinstance(command, StringCommand)
            out.append(str(command))
    return out


def test_update_lists_keys_never_values(fake, caplog):
    host = fake({facts.FileStates: state(OLD), EnvFileDigests: env_digests(OLD)})
    with caplog.at_level("INFO", logger="pyinfra"):
        commands = run(operations.secret_file._inner(dest="/srv/.env", content=NEW))
        run(operations.secret_file._inner(dest="/srv/.env", content=NEW))  # plan, then execute: printed once
    assert commands == UPLOAD
    assert [r.getMessage() for r in caplog.records] == [
        "[@local] /srv/.env: update (values not shown: secrets)",
        "[@local]   + ADDED (added)",
        "[@local]   ~ POSTGRES_PASSWORD (value changed)",
        "[@local]   - GONE (removed)",
    ]
    assert ("EnvFileDigests", {"path": "/srv/.env", "salt": SALT}) in host.asked
    recorded = report.details("op-secret")["@local"]
    assert recorded == {"file": "/srv/.env", "action": "update", "added": ["ADDED"], "changed": ["POSTGRES_PASSWORD"],
                        "removed": ["GONE"], "other_lines": 0}
    shown = caplog.text + repr(recorded)
    assert SECRET_OLD not in shown and SECRET_NEW not in shown


def test_create_lists_every_key(fake, caplog):
    host = fake({facts.FileStates: None})
    with caplog.at_level("INFO", logger="pyinfra"):
        assert run(operations.secret_file._inner(dest="/srv/.env", content=NEW)) == UPLOAD
    assert [r.getMessage() for r in caplog.records][0] == "[@local] /srv/.env: create (values not shown: secrets)"
    assert "[@local]   + POSTGRES_PASSWORD (added)" in caplog.text
    assert [name for name, _ in host.asked] == ["FileStates"]  # nothing to compare with
    assert SECRET_NEW not in caplog.text


def test_comment_only_change(fake, caplog):
    fake({facts.FileStates: state(OLD), EnvFileDigests: env_digests(OLD)})
    with caplog.at_level("INFO", logger="pyinfra"):
        run(operations.secret_file._inner(dest="/srv/.env", content=OLD.replace("# rendered", "# edited")))
    assert "no KEY=value line differs (comments or blank lines only)" in caplog.text


def test_up_to_date_is_a_noop(fake):
    host = fake({facts.FileStates: state(NEW)})
    assert run(operations.secret_file._inner(dest="/srv/.env", content=NEW)) == []
    assert host.noops == ["/srv/.env is up to date (mode 600)"]


def test_mode_only(fake, caplog):
    fake({facts.FileStates: state(NEW, mode="644")})
    with caplog.at_level("INFO", logger="pyinfra"):
        assert run(operations.secret_file._inner(dest="/srv/.env", content=NEW)) == ["chmod 600 /srv/.env"]
    assert caplog.records[0].getMessage() == "[@local] /srv/.env: mode 644 -> 600 (content unchanged)"
    assert report.details("op-secret")["@local"] == {"file": "/srv/.env", "action": "chmod", "mode": "600"}


def test_hostile_path_is_quoted(fake):
    fake({facts.FileStates: None})
    commands = run(operations.secret_file._inner(dest="/srv/x; rm -rf /", content=NEW))
    assert commands[0].startswith("( umask 077 && : > '/srv/x; rm -rf /.tmp' ) && chmod 600 '/srv/x; rm -rf /.tmp'")


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (["600", "ab12  /srv/.env"], facts.FileState(mode="600", sha256="ab12")),
        (["__pyinfra_compose_absent__"], None),
        ([], None),
    ],
)
def test_file_states_fact_parses(output, expected):
    assert facts.FileStates().process(output) == expected


def test_file_states_fact_against_a_real_file(tmp_path):
    import subprocess

    path = tmp_path / "it's here.env"
    path.write_text(NEW)
    path.chmod(0o640)
    command = facts.FileStates().command(path=str(path))
    output = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True).stdout.splitlines()
    assert facts.FileStates().process(output) == facts.FileState(mode="640", sha256=sha(NEW))
    missing = facts.FileStates().command(path=str(tmp_path / "missing"))
    output = subprocess.run(["sh", "-c", missing], capture_output=True, text=True, check=True).stdout.splitlines()
    assert facts.FileStates().process(output) is None
