"""pyinfra_postgres.operations.role_password: facts in, named decision, commands out; the
password itself in no command and no message, only in the uploaded file's verifier."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from pyinfra.api import FileUploadCommand, FunctionCommand, OperationError, StringCommand

from pyinfra_compose import report
from pyinfra_compose.facts import ComposeProjectResources, ProjectResources
from pyinfra_postgres import operations
from pyinfra_postgres.facts import RoleState, StoredRolePassword
from pyinfra_postgres.scram import StoredPassword, new_verifier
from tests.unit.fakes import FakeHost

SECRET = "s3cret-'; DROP ROLE app; --"
ARGS = dict(project="infra", service="postgres", superuser="app", role="app", password=SECRET,
            volume="infra_postgres_data", start=["docker", "compose", "up", "postgres"], what="POSTGRES_PASSWORD")


class Host(FakeHost):
    def get_temp_filename(self, hint: str) -> str:
        return f"/tmp/pyinfra-{hashlib.sha1(hint.encode()).hexdigest()[:8]}"


def stored_for(password: str) -> StoredPassword:
    verifier = new_verifier(password)
    return StoredPassword(head=verifier.rsplit("$", 1)[0], digest=hashlib.sha256(verifier.encode()).hexdigest())


@pytest.fixture
def fake(monkeypatch):
    def install(state: RoleState, volumes: tuple[str, ...] = ()) -> Host:
        host = Host({StoredRolePassword: state, ComposeProjectResources: ProjectResources((), (), volumes)})
        monkeypatch.setattr(operations, "host", host)
        monkeypatch.setattr(report.logger, "info", host.noops.append)  # printed lines land with the noops
        report.reset()
        return host

    yield install
    report.reset()


def commands(host: Host) -> list[Any]:
    return list(operations.role_password._inner(**ARGS))


def test_current_password_is_a_noop(fake):
    host = fake(RoleState("c1", stored_for(SECRET)))
    assert commands(host) == []
    assert host.noops == ["POSTGRES_PASSWORD of role app is in force"]


def test_a_new_database_is_a_noop(fake):
    host = fake(RoleState("", None))
    assert commands(host) == []
    assert host.noops == ["no database yet: postgres is initialised with POSTGRES_PASSWORD"]


def test_a_different_password_is_rotated_with_its_verifier_on_stdin(fake):
    host = fake(RoleState("c1", stored_for("the-old-one")))
    out = commands(host)
    assert [type(c) for c in out] == [StringCommand, FileUploadCommand, StringCommand]
    temp = out[1].dest
    assert str(out[0]) == f"( umask 077 && : > {temp} ) && chmod 600 {temp}"
    assert str(out[2]) == (
        f"docker exec -i c1 psql -X -q -tA -v ON_ERROR_STOP=1 -U app -d postgres --set role=app "
        f"< {temp}; rc=$?; rm -f {temp}; exit $rc"
    )
    sql = out[1].src.getvalue().decode()
    assert sql.startswith("ALTER ROLE :\"role\" PASSWORD 'SCRAM-SHA-256$4096:") and SECRET not in sql
    assert report.details("op-1")["@local"] == {"role": "app", "action": "rotate"}
    assert host.noops == ["[@local] rotate POSTGRES_PASSWORD of role app"]
    assert not any(SECRET in str(c) for c in out)


def test_a_role_without_password_gets_one(fake):
    assert len(commands(fake(RoleState("c1", StoredPassword("", hashlib.sha256(b"").hexdigest()))))) == 3


def test_a_stopped_database_with_data_is_started_then_checked(fake):
    out = commands(fake(RoleState("", None), volumes=("infra_postgres_data",)))
    assert str(out[0]) == "docker compose up postgres"
    assert isinstance(out[1], FunctionCommand) and SECRET in out[1].args  # checked at execution, on the controller


def test_an_unreadable_password_fails_naming_the_error(fake):
    fake(RoleState("c1", None, error="FATAL:  the database system is starting up"))
    with pytest.raises(OperationError, match="cannot read the password of role app in postgres .c1.: FATAL"):
        commands(None)
