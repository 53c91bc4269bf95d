"""Every host's stack at a glance, read-only: `pyinfra inventory.py status.py` (`--json`).

Per host: reachable or not, Docker and compose versions, each service's state, health,
uptime, restarts and ports, free disk, the last deploy, and whether deploy.py would change
anything (the same planners as its dry run). Two remote commands per host, nothing changed;
the table and the exit status (0 in step, 3 drift or unhealthy, 1 unreachable) come at the
end (devstack/fleet_cli.py, installed by config.py).
"""

from pyinfra import host, inventory

from devstack import fleet_cli
from devstack.fleet_look import look

fleet_cli.add(look(host, inventory))
