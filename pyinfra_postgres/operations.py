"""Thin pyinfra operations on a Postgres server run by compose: facts in, named
decisions, commands out, or a noop saying why nothing is to be done."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from pyinfra import host
from pyinfra.api import FileUploadCommand, FunctionCommand, OperationError, StringCommand, operation

from pyinfra_compose import report
from pyinfra_compose.facts import ComposeProjectResources
from pyinfra_compose.operations import reported

from pyinfra_postgres import commands as cmd
from pyinfra_postgres.facts import DataVersion, RoleState, StoredRolePassword
from pyinfra_postgres.scram import new_verifier


def _rotation(container: str, superuser: str, role: str, password: str) -> list:
    """Upload `ALTER ROLE ... PASSWORD '<verifier>'` into a private temp file, run it through
    psql's stdin, remove it: the password is in no command line, log or output."""
    temp = host.get_temp_filename(f"pyinfra-postgres-{role}.sql")
    sql = cmd.alter_password_sql(new_verifier(password)).encode()
    return [
        StringCommand(cmd.private_file(temp)),
        FileUploadCommand(BytesIO(sql), temp),
        StringCommand(cmd.run_sql_file(container, superuser, "postgres", temp, {"role": role})),
    ]


def _check_then_rotate(project: str, service: str, superuser: str, role: str, password: str, what: str) -> None:
    """At execution, once the server runs: rotate only if the stored password differs."""
    status, output = host.run_shell_command(
        StringCommand(cmd.stored_password(project, service, superuser, role)), print_output=False
    )
    state = StoredRolePassword().process(output.stdout_lines) if status else RoleState("", None, output.stderr)
    if not state.stored:
        raise OperationError(f"cannot read the password of role {role} in {service}: {state.error or 'not running'}")
    if state.stored.matches(password, role):
        return
    for command in _rotation(state.container, superuser, role, password):
        ok = (
            host.put_file(command.src, command.dest)
            if isinstance(command, FileUploadCommand)
            else host.run_shell_command(command, print_output=False)[0]
        )
        if not ok:
            raise OperationError(f"rotating {what} of role {role} failed (psql in {service})")


@operation()
def role_password(
    project: str,
    service: str,
    superuser: str,
    role: str,
    password: str,
    volume: str,
    start: Sequence[str] = (),
    what: str = "the password",
    readings=None,
):
    """
    Make a role's password in a running Postgres the wanted one, without the old one.

    + project, service: the compose project and its Postgres service
    + superuser: a superuser to connect as over the container's local socket (trusted by
      the postgres image, so no password is needed; POSTGRES_USER of the image)
    + role: the role whose password is set
    + password: the wanted password (never printed, never in a command line: the server
      gets only its SCRAM verifier, on stdin)
    + volume: the data volume; when it exists but the service is stopped, the database is
      started with `start` (argv) first, and checked once it runs
    + what: how messages name the password, e.g. "POSTGRES_PASSWORD"
    + readings: facts read beforehand (`pyinfra_batch.read_facts`); default: ask the host

    No change when the stored verifier matches `password` (checked from a digest of it).
    """
    state = (readings or host).get_fact(StoredRolePassword, project=project, service=service, superuser=superuser, role=role)
    if state.error:
        raise OperationError(f"cannot read the password of role {role} in {service} ({state.container}): {state.error}")
    if not state.container:
        if volume not in host.get_fact(ComposeProjectResources, project_name=project).volumes:
            host.noop(f"no database yet: {service} is initialised with {what}")
            return
        if not start:
            raise OperationError(f"{service} is not running: cannot check {what} of role {role}")
        report.say_once(host, [f"start {service} to check {what} of role {role} (its data volume exists)"])
        report.record(host, {"role": role, "action": "check", "started": service})
        yield StringCommand(cmd.shell(start))
        yield FunctionCommand(reported(_check_then_rotate), (project, service, superuser, role, password, what), {})
        return
    if state.stored and state.stored.matches(password, role):
        host.noop(f"{what} of role {role} is in force")
        return
    report.say_once(host, [f"rotate {what} of role {role}"])
    report.record(host, {"role": role, "action": "rotate"})
    yield from _rotation(state.container, superuser, role, password)


@operation()
def data_version_fits(project: str, service: str, volume: str, image: str, steps: str = "", readings=None):
    """
    Stop before anything is touched when the data volume was initialised by another Postgres
    major version than `image`'s (that server would refuse to start on it, or worse, a
    downgrade would be attempted on newer files).

    + project, service, volume: the compose project, its Postgres service, its data volume
    + image: the Postgres image the deploy will run (its tag names the major version)
    + steps: what the user should do instead, appended to the error
    + readings: facts read beforehand (`pyinfra_batch.read_facts`); default: ask the host
    """
    want = cmd.image_major(image)
    have = (readings or host).get_fact(DataVersion, project=project, service=service, volume=volume, image=image)
    if not have:
        host.noop(f"no data volume {volume} yet")
        return
    if want is None or not have.isdigit():
        host.noop(f"major version not compared (data: {have}, image {image})")
        return
    if int(have) != want:
        raise OperationError(
            f"{volume} holds Postgres {have} data, and {image} is Postgres {want}: it cannot run on it. "
            f"Nothing was touched.{(' ' + steps) if steps else ''}"
        )
    host.noop(f"{volume} holds Postgres {have} data, as {image} runs")
    return
    yield  # an operation is a generator
