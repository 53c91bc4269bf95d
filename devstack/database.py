"""This deploy's Postgres: which service, volume, roles and files the pyinfra_postgres
building blocks work on (compose's names for them in infra/docker-compose.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyinfra_compose import commands as compose_cmd
from pyinfra_compose.errors import SettingsError
from pyinfra_postgres import backups

from devstack.settings import Settings
from devstack.stack import LOCAL_IMAGES, OFFICIAL_IMAGES, REPO, Stack

SERVICE = "postgres"
VOLUME = "postgres_data"  # compose names it <project>_postgres_data


def volume_name(project_name: str) -> str:
    return f"{project_name}_{VOLUME}"


def role_password_args(stack: Stack) -> dict[str, Any]:
    """Arguments of pyinfra_postgres's role_password for the app role: the image's
    POSTGRES_USER is both the superuser and the role the api logs in as."""
    settings = stack.settings
    return {
        "project": settings.project_name,
        "service": SERVICE,
        "superuser": settings.postgres_user,
        "role": settings.postgres_user,
        "password": stack.postgres_password,
        "volume": volume_name(settings.project_name),
        # A stopped database (containers removed, volume kept) is started alone to be checked.
        "start": compose_cmd.compose_base(stack.project) + ["up", "--detach", "--no-build", "--wait", SERVICE],
        "what": "POSTGRES_PASSWORD",
    }


def version_check_args(stack: Stack, host_arg: str) -> dict[str, Any]:
    """Arguments of pyinfra_postgres's data_version_fits, with the steps that move the data
    to another major version through a verified backup (`host_arg`: how pyinfra names the
    host, e.g. @local)."""
    settings = stack.settings
    steps = (
        "To move the data to the new major version: 1. deploy once more with the image the data was made "
        f"with; 2. `pyinfra {host_arg} down.py --data purge=true` (a verified backup first, to "
        f"{settings.backup_dir}/{host_arg}/{settings.project_name}/); 3. deploy with the new image; "
        f"4. `pyinfra {host_arg} restore.py`."
    )
    return {"project": settings.project_name, "service": SERVICE, "volume": volume_name(settings.project_name),
            "image": stack.postgres_image, "steps": steps}


def backup_root(settings: Settings) -> Path:
    """The backups directory on this machine (a relative backup_dir is the repository's)."""
    root = Path(settings.backup_dir).expanduser()
    return root if root.is_absolute() else REPO / root


def postgres_images(settings: Settings) -> tuple[str, ...]:
    """The Postgres images a deploy with these settings may have left on the target."""
    official, local = OFFICIAL_IMAGES["POSTGRES_IMAGE"], LOCAL_IMAGES["POSTGRES_IMAGE"]
    return {"official": (official,), "local": (local,)}.get(settings.images, (official, local))


def backup_args(host_name: str, settings: Settings) -> dict[str, Any]:
    """Arguments of pyinfra_postgres's backup for this host, or SettingsError when the
    backups have nowhere to go (said before the target is touched)."""
    root = backup_root(settings)
    problem = backups.writable_problem(root)
    if problem:
        raise SettingsError(
            f"backup_dir = {settings.backup_dir!r}: {problem}: the purge needs a backup first "
            "(fix it, or --data purge_without_backup=true to lose the data)"
        )
    host_dir = root / host_name
    return {
        "project": settings.project_name,
        "service": SERVICE,
        "superuser": settings.postgres_user,
        "main_database": settings.postgres_db,
        "volume": volume_name(settings.project_name),
        "images": postgres_images(settings),
        "directory": str(backups.project_dir(root, host_name, settings.project_name)),
        "stamp": backups.stamp(),
        "host_dir": str(host_dir),
        "keep": settings.backups_keep,
    }


def restore_files(host_name: str, settings: Settings) -> dict[str, str]:
    """Database -> local dump file restore.py restores: --data backup=PATH into the main
    database, else the host's newest backup set (every database in it). SettingsError when
    there is none, said before the target is touched."""
    if settings.backup:
        path = Path(settings.backup).expanduser()
        if not path.is_file() or path.stat().st_size == 0:
            raise SettingsError(f"backup = {settings.backup!r} (from --data): no such backup file (or it is empty)")
        return {settings.postgres_db: str(path.resolve())}
    directory = backups.project_dir(backup_root(settings), host_name, settings.project_name)
    sets = [s for s in backups.backup_sets(directory) if s.main]
    if not sets:
        raise SettingsError(f"no backup of {settings.project_name} on {host_name} in {directory}: nothing to restore "
                            "(down.py --data purge=true takes one; or --data backup=PATH)")
    newest = sets[-1]
    return {(database or settings.postgres_db): str(path) for database, path in sorted(newest.files.items())}
