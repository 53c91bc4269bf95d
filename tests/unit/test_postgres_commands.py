"""pyinfra_postgres.commands: every builder by its exact shell line, with a hostile value
in every argument (it must come out as one quoted word, never as shell or SQL syntax)."""

from __future__ import annotations

import pytest

from pyinfra_postgres import commands as cmd

H = "x; rm -rf /"
Q = "'x; rm -rf /'"  # H, quoted once
TMP = f"/tmp/{H}"
QTMP = "'/tmp/x; rm -rf /'"
PSQL = f"psql -X -q -tA -v ON_ERROR_STOP=1 -U {Q} -d {Q} --set 'role=x; rm -rf /'"


def test_sql_literal_doubles_quotes_and_refuses_nul():
    assert cmd.sql_literal("it's") == "'it''s'"
    assert cmd.sql_literal("\\'; DROP ROLE app; --") == "'\\''; DROP ROLE app; --'"
    with pytest.raises(ValueError):
        cmd.sql_literal("a\x00b")


def test_alter_password_names_the_role_through_a_psql_variable():
    assert cmd.alter_password_sql(f"v'{H}") == "ALTER ROLE :\"role\" PASSWORD 'v''x; rm -rf /';\n"


def test_running_container():
    assert cmd.shell(cmd.running_container(H, H)) == (
        f"docker ps --quiet --filter 'label=com.docker.compose.project={H}' "
        f"--filter 'label=com.docker.compose.service={H}' --filter status=running"
    )
    assert cmd.shell(cmd.running_container(H, H, running=False)) == (
        f"docker ps --quiet --filter 'label=com.docker.compose.project={H}' "
        f"--filter 'label=com.docker.compose.service={H}' --all"
    )


def test_query_sends_sql_on_stdin():
    assert cmd.query(H, H, H, "SELECT 1;", {"role": H}) == f"printf '%s\\n' 'SELECT 1;' | docker exec -i {Q} {PSQL}"


def test_run_sql_file_removes_the_file_whatever_happens():
    assert cmd.run_sql_file(H, H, H, TMP, {"role": H}) == (
        f"docker exec -i {Q} {PSQL} < {QTMP}; rc=$?; rm -f {QTMP}; exit $rc"
    )


def test_private_file():
    assert cmd.private_file(TMP) == f"( umask 077 && : > {QTMP} ) && chmod 600 {QTMP}"


def test_dump_restore_list_restore_sha256():
    assert cmd.dump(H, H, H, TMP) == f"( umask 077 && docker exec {Q} pg_dump -Fc -U {Q} -d {Q} > {QTMP} )"
    assert cmd.restore_list(H, TMP) == f"docker exec -i {Q} pg_restore --list < {QTMP} > /dev/null"
    assert cmd.restore(H, H, H, TMP) == (
        f"docker exec -i {Q} pg_restore -U {Q} -d {Q} --clean --if-exists --no-owner --exit-on-error "
        f"< {QTMP}; rc=$?; rm -f {QTMP}; exit $rc"
    )
    assert cmd.sha256(TMP) == f"sha256sum {QTMP}"


def test_volume_pg_version():
    assert cmd.shell(cmd.volume_pg_version(H, H)) == (
        f"docker run --rm --entrypoint cat -v 'x; rm -rf /:/pgdata:ro' {Q} /pgdata/PG_VERSION"
    )


def test_stored_password_reports_absent_container_and_errors_and_never_the_verifier():
    line = cmd.stored_password(H, H, H, H)
    assert line.startswith(
        f"c=$(docker ps --quiet --filter 'label=com.docker.compose.project={H}' "
        f"--filter 'label=com.docker.compose.service={H}' --filter status=running | head -n 1); "
        f"if [ -z \"$c\" ]; then echo __pyinfra_compose_absent__; exit 0; fi; echo \"container=$c\"; "
        "if out=$(printf '%s\\n' "
    )
    assert line.endswith(
        f"| docker exec -i \"$c\" psql -X -q -tA -v ON_ERROR_STOP=1 -U {Q} -d postgres --set 'role=x; rm -rf /' "
        "2>&1); then echo \"answer=$out\"; else echo \"error=$(echo \"$out\" | head -n 1)\"; fi"
    )
    assert "sha256(convert_to(coalesce(rolpassword" in cmd.STORED_PASSWORD_SQL  # a digest, not rolpassword


@pytest.mark.parametrize(
    ("image", "major"),
    [
        ("postgres:17", 17),
        ("postgres:16.4-bookworm", 16),
        ("devstack-local/postgres:17", 17),
        ("registry.example:5000/postgres:15-alpine", 15),
        ("postgres:17@sha256:" + "ab" * 32, 17),
        ("postgres:latest", None),
        ("postgres", None),
        ("registry.example:5000/postgres", None),
    ],
)
def test_image_major(image, major):
    assert cmd.image_major(image) == major


def test_data_version_reads_the_running_server_else_the_volume():
    assert cmd.data_version(H, H, H, H) == (
        f"c=$(docker ps --quiet --filter 'label=com.docker.compose.project={H}' "
        f"--filter 'label=com.docker.compose.service={H}' --filter status=running | head -n 1); "
        "if [ -n \"$c\" ]; then docker exec \"$c\" cat /var/lib/postgresql/data/PG_VERSION; "
        f"elif docker volume inspect {Q} >/dev/null 2>&1; then "
        f"docker run --rm --entrypoint cat -v 'x; rm -rf /:/pgdata:ro' {Q} /pgdata/PG_VERSION 2>/dev/null "
        "|| echo unknown; else echo __pyinfra_compose_absent__; fi"
    )


def test_create_database_quotes_the_name_in_the_server():
    assert cmd.query(H, H, "postgres", cmd.CREATE_DATABASE_SQL, {"db": H}) == (
        "printf '%s\\n' 'SELECT format('\"'\"'CREATE DATABASE %I'\"'\"', :'\"'\"'db'\"'\"') WHERE NOT EXISTS "
        "(SELECT 1 FROM pg_database WHERE datname = :'\"'\"'db'\"'\"') \\gexec' "
        f"| docker exec -i {Q} psql -X -q -tA -v ON_ERROR_STOP=1 -U {Q} -d postgres --set 'db=x; rm -rf /'"
    )
