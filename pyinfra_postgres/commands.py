"""Pure builders of every command and SQL text run against a Postgres container.

Nothing here runs anything. Shell quoting is pyinfra_compose's `shell()` (one place);
SQL names and values reach psql as psql variables (`:'role'`, `:"role"`), quoted by
psql itself, except a password verifier, which goes into SQL text sent on stdin,
quoted here by `sql_literal` (the one SQL quoting).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyinfra_compose.commands import ABSENT, DOCKER, shell


PGDATA = "/var/lib/postgresql/data"
# A role's stored password, as nothing usable: the verifier's public head and a sha256.
STORED_PASSWORD_SQL = (
    "SELECT coalesce(substring(rolpassword from '^SCRAM-SHA-256\\$[0-9]+:[A-Za-z0-9+/=]+'), "
    "CASE WHEN rolpassword LIKE 'md5%' THEN 'md5' ELSE '' END) || '|' || "
    "encode(sha256(convert_to(coalesce(rolpassword, ''), 'UTF8')), 'hex') "
    "FROM pg_authid WHERE rolname = :'role';"
)
# The databases a backup must hold: every one but the templates and the maintenance db.
DATABASES_SQL = "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres' ORDER BY datname;"
# Tables (and partitioned tables) outside the system schemas: "has data" for a restore.
USER_TABLES_SQL = (
    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg_toast%';"
)


# Create the database named by :'db' unless it exists (\gexec runs the generated statement).
CREATE_DATABASE_SQL = (
    "SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS "
    "(SELECT 1 FROM pg_database WHERE datname = :'db') \\gexec"
)


def sql_literal(value: str) -> str:
    """A SQL string literal (standard_conforming_strings, on since Postgres 9.1)."""
    if "\x00" in value:
        raise ValueError("a SQL string cannot hold a NUL character")
    return "'" + value.replace("'", "''") + "'"


def alter_password_sql(verifier: str) -> str:
    """Set the role's password from its verifier (stored as is: no plaintext on the server)."""
    return f"ALTER ROLE :\"role\" PASSWORD {sql_literal(verifier)};\n"


def running_container(project: str, service: str, running: bool = True) -> list[str]:
    """The ids of the project's containers of `service` (compose's labels), running ones only
    unless `running` is False."""
    argv = [
        DOCKER, "ps", "--quiet", "--filter", f"label=com.docker.compose.project={project}",
        "--filter", f"label=com.docker.compose.service={service}",
    ]
    return argv + (["--filter", "status=running"] if running else ["--all"])


def psql_args(user: str, database: str, variables: Mapping[str, str] = {}) -> list[str]:
    """psql reading SQL from stdin, stopping at the first error, printing bare values."""
    argv = ["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-U", user, "-d", database]
    for name, value in variables.items():
        argv += ["--set", f"{name}={value}"]
    return argv


def psql(container: str, user: str, database: str, variables: Mapping[str, str] = {}) -> list[str]:
    """psql over the container's local socket (trusted by the postgres image: no password)."""
    return [DOCKER, "exec", "-i", container, *psql_args(user, database, variables)]


def query(container: str, user: str, database: str, sql: str, variables: Mapping[str, str] = {}) -> str:
    """Shell line: run `sql` (no secret: it is in the command line) through psql's stdin."""
    return f"printf '%s\\n' {shell([sql])} | {shell(psql(container, user, database, variables))}"


def stored_password(project: str, service: str, user: str, role: str) -> str:
    """Shell line of the StoredRolePassword fact: `container=<id>` and `<head>|<sha256>`,
    ABSENT when the service is not running, `error=...` when psql cannot answer."""
    find = shell(running_container(project, service))
    ask = f"printf '%s\\n' {shell([STORED_PASSWORD_SQL])} | {DOCKER} exec -i \"$c\" {shell(psql_args(user, 'postgres', {'role': role}))}"
    return (
        f"c=$({find} | head -n 1); if [ -z \"$c\" ]; then echo {ABSENT}; exit 0; fi; echo \"container=$c\"; "
        f"if out=$({ask} 2>&1); then echo \"answer=$out\"; else echo \"error=$(echo \"$out\" | head -n 1)\"; fi"
    )


def run_sql_file(container: str, user: str, database: str, path: str, variables: Mapping[str, str] = {}) -> str:
    """Shell line: psql reads a (private, uploaded) SQL file on stdin, which is then removed
    whatever happened; the file holds a secret, so it is never an argument."""
    p = shell([path])
    return f"{shell(psql(container, user, database, variables))} < {p}; rc=$?; rm -f {p}; exit $rc"


def private_file(path: str) -> str:
    """Shell line: an empty file only its owner can read, before a secret is uploaded into it."""
    return f"( umask 077 && : > {shell([path])} ) && chmod 600 {shell([path])}"


def dump(container: str, user: str, database: str, dest: str) -> str:
    """Shell line: pg_dump's custom format (pg_restore can list and restore it) into a
    private file on the target."""
    d = shell([dest])
    return f"( umask 077 && {shell([DOCKER, 'exec', container, 'pg_dump', '-Fc', '-U', user, '-d', database])} > {d} )"


def restore_list(container: str, path: str) -> str:
    """Shell line: `pg_restore --list` of a dump, inside the container (the controller may
    lack pg_restore): it fails on a truncated or foreign file."""
    return f"{shell([DOCKER, 'exec', '-i', container, 'pg_restore', '--list'])} < {shell([path])} > /dev/null"


def restore(container: str, user: str, database: str, path: str) -> str:
    """Shell line: restore a custom-format dump over `database`, replacing what the dump
    holds (--clean --if-exists), stopping at the first error, then remove the file."""
    argv = [DOCKER, "exec", "-i", container, "pg_restore", "-U", user, "-d", database,
            "--clean", "--if-exists", "--no-owner", "--exit-on-error"]
    p = shell([path])
    return f"{shell(argv)} < {p}; rc=$?; rm -f {p}; exit $rc"


def sha256(path: str) -> str:
    return f"sha256sum {shell([path])}"


def volume_pg_version(volume: str, image: str) -> list[str]:
    """The PG_VERSION file of a data volume (the major version that initialised it), read
    read-only by a throwaway container of `image` (any image with `cat` does)."""
    return [DOCKER, "run", "--rm", "--entrypoint", "cat", "-v", f"{volume}:/pgdata:ro", image, "/pgdata/PG_VERSION"]


def data_version(project: str, service: str, volume: str, image: str) -> str:
    """Shell line: the major version that initialised the data (PG_VERSION): from the running
    server's container, else read off the volume by a throwaway container of `image`
    ("unknown" when that cannot run, e.g. the image is not built yet), ABSENT without a volume."""
    find = shell(running_container(project, service))
    inside = f"{DOCKER} exec \"$c\" cat {shell([PGDATA + '/PG_VERSION'])}"
    return (
        f"c=$({find} | head -n 1); if [ -n \"$c\" ]; then {inside}; "
        f"elif {shell([DOCKER, 'volume', 'inspect', volume])} >/dev/null 2>&1; then "
        f"{shell(volume_pg_version(volume, image))} 2>/dev/null || echo unknown; else echo {ABSENT}; fi"
    )


_MAJOR_TAG = re.compile(r":(?P<major>[0-9]+)(?:[.-][^:/@]*)?(?:@sha256:[0-9a-f]+)?$")


def image_major(image: str) -> int | None:
    """Postgres's major version from an image tag (`postgres:17`, `postgres:16.4-bookworm`,
    `devstack-local/postgres:17`); None for a tag without one (`latest`, a digest only)."""
    match = _MAJOR_TAG.search(image)
    return int(match["major"]) if match else None
