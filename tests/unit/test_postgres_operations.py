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


@pytest.mark.parametrize(
    ("data", "image", "noop"),
    [
        ("", "postgres:17", "no data volume v yet"),
        ("17", "postgres:17", "v holds Postgres 17 data, as postgres:17 runs"),
        ("unknown", "postgres:17", "major version not compared (data: unknown, image postgres:17)"),
        ("17", "postgres:latest", "major version not compared (data: 17, image postgres:latest)"),
    ],
)
def test_data_version_fits(monkeypatch, data, image, noop):
    from pyinfra_postgres.facts import DataVersion

    host = Host({DataVersion: data})
    monkeypatch.setattr(operations, "host", host)
    assert list(operations.data_version_fits._inner("p", "postgres", "v", image, steps="Do X.")) == []
    assert host.noops == [noop]


def test_another_major_version_stops_with_the_steps(monkeypatch):
    from pyinfra_postgres.facts import DataVersion

    monkeypatch.setattr(operations, "host", Host({DataVersion: "16"}))
    with pytest.raises(OperationError, match=r"^v holds Postgres 16 data, and postgres:17 is Postgres 17: it cannot "
                                             r"run on it\. Nothing was touched\. Do X\.$"):
        list(operations.data_version_fits._inner("p", "postgres", "v", "postgres:17", steps="Do X."))


def test_restore_refuses_a_database_with_tables_without_replace(monkeypatch):
    from pyinfra_postgres import dumps
    from pyinfra_postgres.facts import RunningContainer, UserTables

    host = Host({RunningContainer: "c1", UserTables: 2})
    monkeypatch.setattr(dumps, "host", host)
    with pytest.raises(OperationError, match="database app already has 2 table.s.: .* --data replace=true"):
        list(dumps.restore._inner("p", "postgres", "app", {"app": "/b/x.dump"}))
    out = [str(c) if isinstance(c, StringCommand) else f"upload {c.src} -> {c.dest}"
           for c in dumps.restore._inner("p", "postgres", "app", {"app": "/b/x.dump"}, replace=True)]
    temp = out[2].split(" -> ")[1]
    assert out[1:] == [
        f"( umask 077 && : > {temp} ) && chmod 600 {temp}",
        f"upload /b/x.dump -> {temp}",
        f"docker exec -i c1 pg_restore -U app -d app --clean --if-exists --no-owner --exit-on-error "
        f"< {temp}; rc=$?; rm -f {temp}; exit $rc",
    ]
    assert out[0].endswith("| docker exec -i c1 psql -X -q -tA -v ON_ERROR_STOP=1 -U app -d postgres --set db=app")


def test_restore_needs_a_running_server(monkeypatch):
    from pyinfra_postgres import dumps
    from pyinfra_postgres.facts import RunningContainer

    monkeypatch.setattr(dumps, "host", Host({RunningContainer: ""}))
    with pytest.raises(OperationError, match="postgres of project p is not running: deploy the stack first"):
        list(dumps.restore._inner("p", "postgres", "app", {"app": "/b/x.dump"}))
