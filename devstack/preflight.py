"""Step 1b of every deploy: what would make it fail half-way, checked before the target is touched.

The ports this stack publishes, the daemon, the disk its planned builds need and the
project directory (pyinfra_compose.preflight judges; this file says what the stack wants).
A dry run stops with the same findings.
"""

from __future__ import annotations

from pyinfra_compose import commands as cmd
from pyinfra_compose.errors import SettingsError
from pyinfra_compose.listeners import WantedPort, wanted_ports
from pyinfra_compose.preflight import TargetPreflight, findings

from devstack.prepare import _exit
from devstack.settings import Settings
from devstack.stack import Stack


def published_ports(settings: Settings) -> list[WantedPort]:
    """Each port the compose file publishes with these settings, labelled as the user set it."""
    ports = {name: getattr(settings.ports, name) for name in ("postgres", "redis", "api", "web")}
    if "pgadmin" in settings.profiles:
        ports["pgadmin"] = settings.ports.pgadmin
    return wanted_ports({s: (f"ports.{s} = {p}", settings.bind_address, p) for s, p in ports.items()})


def query(stack: Stack) -> dict:
    """The preflight fact's arguments for this stack (also batched: devstack/reads.py)."""
    return {
        "project_dir": stack.root,
        "build_tags": {service: cmd.build_tag(b.image, b.digest) for service, b in stack.builds.items()},
        "images": tuple(stack.stand_ins),
    }


def preflight(host, stack: Stack, readings=None) -> None:
    """Stop the deploy (exit 2) with every finding, or return when there is none.

    + readings: facts read beforehand (`pyinfra_batch.read_facts`); default: ask the host
    """
    settings = stack.settings
    state = (readings or host).get_fact(TargetPreflight, **query(stack))
    problems = findings(state, published_ports(settings), settings.project_name, host.name, settings.install_docker)
    if problems:
        _exit(host, SettingsError("preflight found what would make this deploy fail:\n  " + "\n  ".join(problems)))
