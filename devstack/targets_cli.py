"""The pyinfra side of devstack/targets.py, run by config.py on every `pyinfra` run from
the repository root: a target that cannot be a host, or a --limit/--exclude that matches
nothing, stops the run (exit 2, as an invalid setting does) before any host is touched.

Where: pyinfra 3.10 runs config.py in `_set_config`, after parsing the command line and
before `make_inventory`; so the target is checked there, from the click context's
parameters (the same values pyinfra goes on to use, not a second parse of sys.argv).
config.py cannot see the inventory, and pyinfra has no hook on inventory loading (v1's
hooks are gone; state callbacks are reset by `State.init` and fire per host at connect).
So, as pyinfra_compose/dryrun.py does with `_exit`, `install` wraps the function `_main`
calls by its module-global name, `pyinfra_cli.cli.make_inventory`: right after pyinfra
built the inventory, and before --limit is applied, the state initialised or any host
connected, the wrapper checks the patterns against that very inventory. It also builds a
host inventory for a single name that is a Host alias only of `--data ssh_config_file`
(or whose HostName does not resolve here, e.g. behind a ProxyJump), which pyinfra itself
would read as "no inventory" (it looks aliases up in ~/.ssh/config, and resolves them).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

import pyinfra
from pyinfra import logger

from devstack import targets

EXIT_STATUS = 2  # devstack's "invalid input, nothing touched" (devstack/prepare.py)


def install() -> None:
    """Check this pyinfra CLI run's target now and its inventory once built (no-op outside the CLI)."""
    import click

    ctx = click.get_current_context(silent=True)
    if not pyinfra.is_cli or ctx is None or "inventory" not in ctx.params:
        return
    from pyinfra_cli import cli

    if not callable(getattr(cli, "make_inventory", None)):
        stop([f"pyinfra {pyinfra.__version__} has no pyinfra_cli.cli.make_inventory: the target check needs updating"])
    request = targets.request_from_params(ctx.params)
    verdict = targets.check_target(request, targets.machine())
    if not verdict.ok:
        stop(verdict.problems, hint=targets.HOW_TO_NAME_A_TARGET)
    original = getattr(cli.make_inventory, "devstack_original", cli.make_inventory)
    cli.make_inventory = checked_make_inventory(original, request, verdict)


def checked_make_inventory(original: Callable, request: targets.Request, verdict: targets.Verdict) -> Callable:
    def make_inventory(inventory: str, **kwargs):
        if verdict.via_ssh_alias:
            from pyinfra_cli.inventory import make_inventory_from_files

            # What pyinfra's make_inventory does for a name it accepts as a host.
            built = make_inventory_from_files(inventory, **kwargs)
        else:
            built = original(inventory, **kwargs)
        groups = {name: [host.name for host in members] for name, members in built.groups.items()}
        problems = targets.check_inventory(request, groups, [host.name for host in built])
        if problems:
            stop(problems)
        return built

    make_inventory.devstack_original = original  # type: ignore[attr-defined]
    return make_inventory


def stop(problems: Sequence[str], hint: str = "") -> NoReturn:
    # A clean message, not a traceback: the fix is in the message.
    logger.error("--> Stopped before touching any host:")
    for problem in problems:
        logger.error(problem)
    if hint:
        logger.error(hint)
    sys.exit(EXIT_STATUS)
