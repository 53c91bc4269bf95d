"""Restore a backup into the running stack: `pyinfra @local restore.py` (the host's newest,
from backups/<host>/<project>/), or `--data backup=PATH`. `--dry` says which backup would
go into which database, touching nothing; a database that already has tables is replaced
only with `--data replace=true`. The api is healthy afterwards, or the run says why."""

from pyinfra import host, inventory

from devstack.database import SERVICE, restore_files
from devstack.prepare import prepare, stop_before_touching
from pyinfra_compose import operations as compose
from pyinfra_compose.errors import SettingsError
from pyinfra_postgres import dumps as postgres

# 1. Settings, secrets and the stack as deploy.py decides them; which backup, before touching anything.
stack = prepare(host, inventory)
settings = stack.settings
try:
    files = restore_files(host.name, settings)
except SettingsError as error:
    stop_before_touching(host, error)

# 2. The dumps into the running Postgres (a database with tables only with replace=true).
postgres.restore(
    name="Restore the backup", project=settings.project_name, service=SERVICE,
    superuser=settings.postgres_user, files=files, replace=settings.replace,
)

# 3. Every service healthy on the restored data.
compose.wait_healthy(name="Wait for health", project=stack.project, timeout=settings.health_timeout)
