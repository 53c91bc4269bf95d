"""Stop the dev stack, keeping its data: `pyinfra @local down.py`.
Also remove the data volumes: `pyinfra @local down.py --data purge=true`."""

from pyinfra import host, inventory

from devstack.prepare import settings_or_exit
from pyinfra_compose import operations as compose

settings = settings_or_exit(host, inventory)

compose.down(
    name="Compose down" + (" and purge volumes" if settings.purge else ""),
    project_name=settings.project_name,
    purge=settings.purge,
)
