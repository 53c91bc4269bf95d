"""Programs a machine needs, installed from the distribution's packages when missing:
what the test suite needs beyond Docker (tests/prerequisites.py)."""

from __future__ import annotations

from collections.abc import Mapping

from pyinfra import host
from pyinfra.api import OperationError, StringCommand, operation
from pyinfra.facts.server import Which

from devstack import facts
from devstack.operations import _debian_like, as_root
from pyinfra_compose import commands as cmd


def missing_packages(wanted: Mapping[str, str], found: Mapping[str, bool]) -> list[str]:
    """Packages to install: those of the commands not found, once each, in a stable order."""
    return sorted({package for command, package in wanted.items() if not found.get(command)})


def apt_install(packages: list[str]) -> str:
    """One apt line for the missing packages; `update` first, as a fresh machine has no lists."""
    install = cmd.shell(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages])
    return f"export DEBIAN_FRONTEND=noninteractive && apt-get update -qq && {install}"


@operation()
def commands_present(commands: Mapping[str, str]):
    """
    Install the Debian/Ubuntu package of each command that is not on the PATH.

    + commands: command -> package that provides it, e.g. {"ssh-keygen": "openssh-client"}
    """
    found = {command: bool(host.get_fact(Which, command=command)) for command in commands}
    packages = missing_packages(commands, found)
    if not packages:
        host.noop(f"present: {', '.join(commands)}")
        return
    if not _debian_like():
        raise OperationError(f"{host.name} is not Debian/Ubuntu: install {', '.join(packages)} yourself")
    user = host.get_fact(facts.LoginUser)
    yield StringCommand(as_root(apt_install(packages), user, f"installing {', '.join(packages)}"))
