"""Stop the dev stack, keeping its data: `pyinfra @local down.py`.
Also remove the data volumes: `pyinfra @local down.py --data purge=true`."""

from pyinfra import host, inventory

from devstack.prepare import prepare
from pyinfra_compose import operations as compose

stack = prepare(host, inventory)

compose.down(name="Compose down" + (" and purge volumes" if stack.settings.purge else ""),
             project_name=stack.settings.project_name, purge=stack.settings.purge)
