"""devstack.operations.secret_file: facts in, commands out, and what it prints: the keys
it adds, changes or removes, never a value (nor in what it records for --json)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from pyinfra.api import FileUploadCommand, StringCommand
from pyinfra.facts.files import Sha256File

from devstack import facts, operations
from pyinfra_compose import report
from pyinfra_compose.envdiff import SALT, env_digests
from pyinfra_compose.facts import EnvFileDigests

SECRET_OLD, SECRET_NEW = "old-Secret-4f9a2c", "new-Secret-77b1e0"
OLD = f"# rendered\nPOSTGRES_PASSWORD='{SECRET_OLD}'\nAPI_PORT='8000'\nGONE='x'\n"
NEW = f"# rendered\nPOSTGRES_PASSWORD='{SECRET_NEW}'\nAPI_PORT='8000'\nADDED='y'\n"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class FakeHost:
    def __init__(self, answers: dict[type, Any]) -> None:
        self.answers = answers
        self.name = "@local"
        self.print_prefix = "[@local] "
        self.current_op_hash = "op-secret"
        self.noops: list[str] = []
        self.asked: list[tuple[str, dict]] = []

    def get_fact(self, fact: type, **kwargs: Any) -> Any:
        self.asked.append((fact.__name__, kwargs))
        return self.answers[fact]

    def noop(self, message: str) -> None:
        self.noops.append(message)


@pytest.fixture
def fake(monkeypatch):
    def install(answers: dict[type, Any]) -> FakeHost:
        host = FakeHost(answers)
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
    host = fake({Sha256File: sha(OLD), EnvFileDigests: env_digests(OLD)})
    with caplog.at_level("INFO", logger="pyinfra"):
        commands = run(operations.secret_file._inner(dest="/srv/.env", content=NEW))
        run(operations.secret_file._inner(dest="/srv/.env", content=NEW))  # plan, then execute: printed once
    assert commands == ["upload -> /srv/.env", "chmod 600 /srv/.env"]
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
    host = fake({Sha256File: None})
    with caplog.at_level("INFO", logger="pyinfra"):
        assert run(operations.secret_file._inner(dest="/srv/.env", content=NEW)) == [
            "upload -> /srv/.env", "chmod 600 /srv/.env"
        ]
    assert [r.getMessage() for r in caplog.records][0] == "[@local] /srv/.env: create (values not shown: secrets)"
    assert "[@local]   + POSTGRES_PASSWORD (added)" in caplog.text
    assert [name for name, _ in host.asked] == ["Sha256File"]  # nothing to compare with
    assert SECRET_NEW not in caplog.text


def test_comment_only_change(fake, caplog):
    fake({Sha256File: sha(OLD), EnvFileDigests: env_digests(OLD)})
    with caplog.at_level("INFO", logger="pyinfra"):
        run(operations.secret_file._inner(dest="/srv/.env", content=OLD.replace("# rendered", "# edited")))
    assert "no KEY=value line differs (comments or blank lines only)" in caplog.text


def test_up_to_date_is_a_noop(fake):
    host = fake({Sha256File: sha(NEW), facts.FileMode: "600"})
    assert run(operations.secret_file._inner(dest="/srv/.env", content=NEW)) == []
    assert host.noops == ["/srv/.env is up to date (mode 600)"]


def test_mode_only(fake, caplog):
    fake({Sha256File: sha(NEW), facts.FileMode: "644"})
    with caplog.at_level("INFO", logger="pyinfra"):
        assert run(operations.secret_file._inner(dest="/srv/.env", content=NEW)) == ["chmod 600 /srv/.env"]
    assert caplog.records[0].getMessage() == "[@local] /srv/.env: mode 644 -> 600 (content unchanged)"
    assert report.details("op-secret")["@local"] == {"file": "/srv/.env", "action": "chmod", "mode": "600"}
