"""Operations that move a Postgres server's data between the target and the machine running
pyinfra: a verified backup (before anything destructive), and a restore of one.

Both run as one callback at execution (a FunctionCommand): each step needs the previous
one's answer (the container started, the databases listed, the dump's digest), and the
first failure stops the operation, so the operations after it (a purge) never run.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from pyinfra import host, logger
from pyinfra.api import FileUploadCommand, FunctionCommand, OperationError, StringCommand, operation

from pyinfra_compose import report
from pyinfra_compose.facts import ComposeProjectResources
from pyinfra_compose.operations import reported

from pyinfra_postgres import backups
from pyinfra_postgres import commands as cmd
from pyinfra_postgres.facts import RunningContainer, UserTables


def _run(line: str, failed: str) -> list[str]:
    status, output = host.run_shell_command(StringCommand(line), print_output=False)
    if not status:
        raise OperationError(f"{failed}: {output.stderr.strip()[-800:] or 'non-zero exit status'}")
    return output.stdout_lines


def _server(project: str, service: str, superuser: str, volume: str, images: Sequence[str]) -> tuple[str, bool]:
    """A running server on the data: the service's container (started if stopped), else a
    throwaway one of the first image present. Returns (container, throwaway?)."""
    found = _run(cmd.shell(cmd.running_container(project, service, running=False)),
                 f"listing the {service} containers failed")
    if found:
        _run(cmd.shell(["docker", "start", found[0]]), f"{service} ({found[0][:12]}) could not be started")
        container, throwaway = found[0], False
    else:
        present = [i for i in images if host.run_shell_command(StringCommand(cmd.shell(["docker", "image", "inspect", i])), print_output=False)[0]]
        if not present:
            raise OperationError(f"no Postgres image ({', '.join(images)}) on the target to read {volume} with")
        run = ["docker", "run", "-d", "--rm", "-v", f"{volume}:{cmd.PGDATA}", "-e", "POSTGRES_PASSWORD=unused", present[0]]
        container, throwaway = _run(cmd.shell(run), f"a server on {volume} could not be started")[-1].strip(), True
    ready = cmd.shell(["docker", "exec", container, "pg_isready", "-q", "-U", superuser])
    _run(f"for i in $(seq 60); do {ready} && exit 0; sleep 1; done; exit 1",
         f"the server on {volume} did not become ready in 60 s (docker logs {container[:12]})")
    return container, throwaway


def _fetch(container: str, superuser: str, database: str, dest: Path) -> int:
    """Dump one database on the target, check it there (pg_restore --list), copy it here
    into a private file, check it arrived whole (sha256), rename it into place."""
    temp = host.get_temp_filename(f"dump-{database}")
    try:
        _run(cmd.dump(container, superuser, database, temp), f"pg_dump of {database} failed")
        _run(cmd.restore_list(container, temp), f"the dump of {database} does not read back (pg_restore --list)")
        remote_sha = _run(cmd.sha256(temp), "sha256sum failed")[0].split()[0]
        partial = dest.with_name(dest.name + ".partial")
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
            if not host.get_file(temp, handle):
                raise OperationError(f"copying the dump of {database} to {dest} failed")
        data = partial.read_bytes()
        if not data or hashlib.sha256(data).hexdigest() != remote_sha:
            partial.unlink()
            raise OperationError(f"the dump of {database} arrived incomplete ({len(data)} bytes)")
        partial.replace(dest)
        return len(data)
    finally:
        host.run_shell_command(StringCommand(cmd.shell(["rm", "-f", temp])), print_output=False)


def _backup(project, service, superuser, main_database, volume, images, directory: Path, stamp, host_dir, keep) -> None:
    try:
        backups.private_dir(directory)
    except OSError as error:
        raise OperationError(f"backup directory {directory}: {error.strerror}; nothing was removed") from None
    container, throwaway = _server(project, service, superuser, volume, images)
    try:
        databases = _run(cmd.query(container, superuser, "postgres", cmd.DATABASES_SQL), "listing the databases failed")
        for database in [d.strip() for d in databases if d.strip()]:
            dest = directory / backups.dump_name(stamp, database, main_database)
            size = _fetch(container, superuser, database, dest)
            logger.info(f"{host.print_prefix}backup of {database}: {dest} ({size} bytes, pg_restore --list reads it)")
    finally:
        if throwaway:
            host.run_shell_command(StringCommand(cmd.shell(["docker", "stop", container])), print_output=False)
    for old in backups.to_prune(host_dir, keep):
        for path in old.files.values():
            path.unlink()
        logger.info(f"{host.print_prefix}older backup removed (keeping {keep}): {old.project_dir}/{old.stamp}")


@operation()
def backup(
    project: str,
    service: str,
    superuser: str,
    main_database: str,
    volume: str,
    images: Sequence[str],
    directory: str,
    stamp: str,
    host_dir: str,
    keep: int = 10,
):
    """
    Dump every database of a compose project's Postgres to this machine, verified.

    + project, service, superuser: the compose project, its Postgres service, a superuser
    + main_database: its dump is <stamp>.dump; any other database's <stamp>.<name>.dump
    + volume: the data volume; nothing to back up when it does not exist
    + images: Postgres images to start a throwaway server with when no container is left
    + directory: local directory of this host's and project's backups (made 0700)
    + stamp: the backup's UTC timestamp; host_dir, keep: keep the newest `keep` sets there

    Fails (and so stops every later operation on the host) when any dump cannot be taken,
    read back by pg_restore --list, or copied here whole.
    """
    if volume not in host.get_fact(ComposeProjectResources, project_name=project).volumes:
        host.noop(f"no data volume {volume}: nothing to back up")
        return
    running = host.get_fact(RunningContainer, project=project, service=service)
    report.say_once(host, [
        f"back up every database of {service}{'' if running else ' (starting it: it is not running)'} "
        f"to {directory}/{stamp}.dump, verified, before anything is removed"
    ])
    report.record(host, {"backup": f"{directory}/{stamp}.dump", "volume": volume})
    args = (project, service, superuser, main_database, volume, tuple(images), Path(directory), stamp, Path(host_dir), keep)
    yield FunctionCommand(reported(_backup), args, {})


@operation()
def restore(
    project: str,
    service: str,
    superuser: str,
    files: dict[str, str],
    replace: bool = False,
):
    """
    Restore custom-format dumps (pg_dump -Fc) from this machine into a running Postgres.

    + project, service, superuser: the compose project, its Postgres service, a superuser
    + files: database -> local dump file; a missing database is created first
    + replace: restore over a database that already has tables (what the dump holds is
      dropped and restored: pg_restore --clean --if-exists); without it such a database
      stops the restore before anything is touched
    """
    container = host.get_fact(RunningContainer, project=project, service=service)
    if not container:
        raise OperationError(f"{service} of project {project} is not running: deploy the stack first, then restore")
    for database in files:
        tables = host.get_fact(UserTables, container=container, superuser=superuser, database=database)
        if tables > 0 and not replace:
            raise OperationError(
                f"database {database} already has {tables} table(s): restoring would replace them; "
                "--data replace=true to do so (nothing was touched)"
            )
    report.say_once(host, [f"restore {path} into database {database} of {service} ({container[:12]})" for database, path in files.items()])
    report.record(host, {"restore": dict(files), "container": container})
    for database, path in files.items():
        temp = host.get_temp_filename(f"restore-{database}")
        yield StringCommand(cmd.query(container, superuser, "postgres", cmd.CREATE_DATABASE_SQL, {"db": database}))
        yield StringCommand(cmd.private_file(temp))
        yield FileUploadCommand(path, temp)
        yield StringCommand(cmd.restore(container, superuser, database, temp))
