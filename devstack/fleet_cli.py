"""The pyinfra side of status.py: every host in the limit gets a row, reachable or not,
and one table (or `--json`) ends the run with its own exit status (devstack/fleet.py).

Where: pyinfra 3.10 has no hook after a run, and status.py loads only after pyinfra
connected (too late to keep a connect failure from prompting "continue?" or, when no
host answers, from aborting with "No hosts remaining!"). config.py runs first, so for a
status.py run it calls `install`, which wraps two functions `pyinfra_cli.cli._main`
calls by their module-global names (as pyinfra_compose/dryrun.py wraps `_exit`):
- `connect_all`: a host that does not connect is a row, never a prompt nor an abort
  (its connect error is kept for the row);
- `_handle_commands`: once status.py has looked at every host (the hosts load in
  parallel), print the table and exit; status.py has no operation, so pyinfra would
  only print an empty "Detected changes" and ask whether to run nothing.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pyinfra
from pyinfra import logger

from devstack import fleet

PLAYBOOK = Path(__file__).resolve().parents[1] / "status.py"
_rows: dict[str, fleet.HostStatus] = {}  # host name -> its row, filled by status.py
_connect_errors: dict[str, str] = {}


def add(status: fleet.HostStatus) -> None:
    """status.py hands each host's row here; the table is printed once all are in."""
    _rows[status.host] = status


def is_status_run(operations, cwd: str) -> bool:
    return len(operations) == 1 and Path(cwd, operations[0]).resolve() == PLAYBOOK


def install() -> None:
    import click

    ctx = click.get_current_context(silent=True)
    if not pyinfra.is_cli or ctx is None or not is_status_run(ctx.params.get("operations") or (), os.getcwd()):
        return
    from pyinfra_cli import cli

    missing = [name for name in ("connect_all", "_handle_commands") if not callable(getattr(cli, name, None))]
    if missing:
        logger.error(f"pyinfra {pyinfra.__version__} has no pyinfra_cli.cli.{', '.join(missing)}: status.py needs updating")
        sys.exit(1)
    if not getattr(cli.connect_all, "devstack_wrapped", False):
        cli.connect_all = _connect_all(cli.connect_all)
    if not getattr(cli._handle_commands, "devstack_wrapped", False):
        cli._handle_commands = _report_after_loading(cli._handle_commands, bool(ctx.params.get("json_output")))


def _connect_all(original: Callable) -> Callable:
    from pyinfra.api.exceptions import PyinfraError
    from pyinfra.api.state import BaseStateCallback

    class KeepConnectErrors(BaseStateCallback):
        @staticmethod
        def host_connect_error(state, host, error) -> None:
            _connect_errors[host.name] = str(error.args[0] if getattr(error, "args", None) else error)

    def connect_all(state) -> None:
        state.add_callback_handler(KeepConnectErrors())
        state.should_raise_failed_hosts = lambda state: False  # an unreachable host is a row: go on
        try:
            original(state)
        except PyinfraError:
            if state.active_hosts:
                raise  # not the "no host answered" case
            # No host answered: still a table, every row unreachable.

    connect_all.devstack_wrapped = True  # type: ignore[attr-defined]
    return connect_all


def rows_of(state) -> list[fleet.HostStatus]:
    """One row per host in the limit: its look, or why there is none."""
    rows = []
    for host in state.inventory:
        if not state.is_host_in_limit(host):
            continue
        row = _rows.get(host.name)
        if row is None:
            why = _connect_errors.get(host.name) or "connection lost while looking"
            row = fleet.HostStatus(host.name, reachable=False, error=f"unreachable: {why}")
        rows.append(row)
    return rows


def render(rows: list[fleet.HostStatus], as_json: bool, tty: bool) -> str:
    now = datetime.now(timezone.utc)
    if as_json:
        return json.dumps(fleet.to_json(rows, now), indent=2)
    return fleet.table(rows, now, fleet.Style(colour=tty and not os.environ.get("NO_COLOR")))


def _report_after_loading(original: Callable, as_json: bool) -> Callable:
    from pyinfra.api.exceptions import PyinfraError

    def handle_commands(state, *args, **kwargs):
        try:
            original(state, *args, **kwargs)
        except PyinfraError:
            if state.active_hosts:
                raise  # the last host lost mid-look: rows_of says so
        rows = rows_of(state)
        sys.stdout.write(render(rows, as_json, sys.stdout.isatty()) + "\n")
        sys.stdout.flush()
        sys.exit(fleet.exit_status(rows))

    handle_commands.devstack_wrapped = True  # type: ignore[attr-defined]
    return handle_commands
