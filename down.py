"""Stop the dev stack, keeping its data: `pyinfra @local down.py`.
Also remove the data volumes: `pyinfra @local down.py --data purge=true` -- after a
verified backup of every database to backups/<host>/<project>/ on this machine; when the
backup fails, nothing is removed (`--data purge_without_backup=true` forces the purge)."""

from pyinfra import host, inventory, logger

from devstack.database import backup_args
from devstack.prepare import settings_or_exit, stop_before_touching
from pyinfra_compose import operations as compose
from pyinfra_compose.errors import SettingsError
from pyinfra_postgres import dumps as postgres

settings = settings_or_exit(host, inventory)

if settings.purge and settings.purge_without_backup:
    logger.warning(f"{host.print_prefix}purge_without_backup: the databases are removed without a backup")
elif settings.purge:
    # Data is sacred: a failed backup fails this operation, and so stops the purge below.
    try:
        args = backup_args(host.name, settings)
    except SettingsError as error:  # nowhere to put the backup
        stop_before_touching(host, error)
    postgres.backup(name="Back up every database before the purge", **args)

compose.down(
    name="Compose down" + (" and purge volumes" if settings.purge else ""),
    project_name=settings.project_name,
    purge=settings.purge,
)
