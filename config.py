"""pyinfra runs this file on every run from this directory, before it reads the inventory.

- The pyinfra version this project is tested with (requirements.txt's pin). pyinfra 3
  reads settings from `pyinfra.config`, not from module-level names of this file.
- The target check (devstack/targets.py): a target that cannot be a host, or a --limit or
  --exclude that matches nothing, stops the run with a message naming it (exit 2) instead
  of deploying to zero hosts and exiting 0.
- For a status.py run only (devstack/fleet_cli.py): an unreachable host is a row of the
  table, never a prompt or an aborted run; the table ends the run with its exit status.
"""

from pyinfra import config

config.REQUIRE_PYINFRA_VERSION = "==3.10.0"  # first: the check below relies on 3.10's CLI

from devstack import targets_cli  # noqa: E402

targets_cli.install()

from devstack import fleet_cli  # noqa: E402

fleet_cli.install()  # status.py only: a row per host, one table at the end
