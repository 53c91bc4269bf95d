"""What a pyinfra CLI run that plans without applying (`--dry`) tells beyond pyinfra's own
output: a one-line drift verdict, optionally an exit status for drift (like `terraform
plan -detailed-exitcode`), and each operation's recorded plan (`report.record`) in
`--json` output.

Exit status with `install(drift_exit_code=True)`:
  0  no drift: nothing would change
  1  pyinfra failed (a host failed, an error): pyinfra's own status, never masked
  2  invalid settings (devstack.prepare) or target (config.py), before anything is planned
  3  drift: at least one operation would change something on at least one host

How: pyinfra 3 has no hook after a run (v1's hooks are gone) and decides the exit
status in one function, `pyinfra_cli.cli._exit`, where every path of the CLI ends.
Wrapping it is the least hacky choice that is also honest: it keeps pyinfra's own rule
(failed hosts -> 1) and adds ours only for a clean run that planned and applied
nothing. The alternatives are worse: an `atexit` handler runs after the status is
fixed (Python ignores `sys.exit` there), and `os._exit` from it skips the remaining
exit handlers and cannot tell a failed run from a clean one; a wrapper command around
pyinfra would change what users type. Likewise `--json` has no extension point:
`pyinfra_cli.prints.build_plan_json`/`build_results_json` build the operation list, and
their wrappers add a `details` key (host -> record) to the operations that recorded
one. If a pyinfra upgrade renames these functions, `install` says so instead of
silently losing the exit status.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pyinfra
from pyinfra import logger

from pyinfra_compose import report
from pyinfra_compose.errors import SettingsError

DRIFT_EXIT_STATUS = 3  # 1 is pyinfra's failure status, 2 devstack's invalid settings
_enabled = {"exit_status": False}


@dataclass(frozen=True)
class Drift:
    """What a planning run found: per host, the operations that would change something."""

    checked: bool  # False when -y skipped pyinfra's change detection
    changes: Mapping[str, tuple[str, ...]]  # host name -> names of the operations that would change
    hosts: int

    @property
    def found(self) -> bool:
        return any(self.changes.values())

    def line(self, exit_status: bool = False) -> str:
        if not self.checked:
            return "Dry run: drift unknown (-y skips change detection: run --dry without -y)"
        if not self.found:
            verdict = f"Dry run: no drift: nothing would change on {self.hosts} host(s)"
            return verdict + (" (exit status 0)" if exit_status else "")
        parts = [f"{host}: {len(names)} operation(s) ({', '.join(names)})" for host, names in sorted(self.changes.items()) if names]
        verdict = f"Dry run: drift: would change {'; '.join(parts)}"
        return verdict + (f" (exit status {DRIFT_EXIT_STATUS})" if exit_status else "")


def drift_of(state) -> Drift:
    """Read pyinfra's own change detection (the same flags its "Detected changes" table shows)."""
    hosts = list(state.inventory.iter_activated_hosts())
    changes: dict[str, tuple[str, ...]] = {}
    for host in hosts:
        names = []
        for op_hash in state.get_op_order():
            if op_hash in state.ops[host] and state.ops[host][op_hash].operation_meta._maybe_is_change:
                names.append(sorted(state.op_meta[op_hash].names)[0])
        changes[host.name] = tuple(names)
    return Drift(checked=bool(state.check_for_changes), changes=changes, hosts=len(hosts))


def exit_status(drift: Drift, failed: bool) -> int | None:
    """The status to exit with instead of pyinfra's, or None to keep pyinfra's."""
    if failed:
        return None
    if not drift.checked:
        return 1  # asked to report drift, and nothing was checked: never claim "no drift"
    return DRIFT_EXIT_STATUS if drift.found else None


def _planned_only(state) -> bool:
    from pyinfra.api.state import StateStage

    return state.current_stage == StateStage.Prepare and bool(state.get_op_order())


def _exit_with_verdict(original: Callable[[], None]) -> Callable[[], None]:
    def _exit() -> None:
        from pyinfra.context import ctx_state

        state = ctx_state.get() if ctx_state.isset() else None
        if state is not None and _planned_only(state):
            drift = drift_of(state)
            logger.info(f"--> {drift.line(exit_status=_enabled['exit_status'])}")
            status = exit_status(drift, bool(state.failed_hosts)) if _enabled["exit_status"] else None
            if status is not None:
                sys.exit(status)
        original()

    _exit.devstack_wrapped = True  # type: ignore[attr-defined]
    return _exit


def add_details(operations: Sequence[dict]) -> None:
    """Add each operation's recorded plan (host -> record) under "details"."""
    for entry in operations:
        found = report.details(str(entry.get("op_hash", "")))
        if found:
            entry["details"] = found


def _with_details(build: Callable) -> Callable:
    def build_with_details(state):
        data = build(state)
        add_details(data if isinstance(data, list) else data.get("operations", []))
        return data

    build_with_details.devstack_wrapped = True  # type: ignore[attr-defined]
    return build_with_details


def install(drift_exit_code: bool = False) -> None:
    """Add the drift verdict and `--json` details to this pyinfra CLI run (once; no-op
    outside the CLI). With drift_exit_code, a dry run that finds drift exits 3."""
    if not pyinfra.is_cli:
        return
    from pyinfra_cli import cli, prints

    targets = ((cli, "_exit"), (prints, "build_plan_json"), (prints, "build_results_json"))
    missing = [f"{module.__name__}.{name}" for module, name in targets if not callable(getattr(module, name, None))]
    if missing:
        message = f"pyinfra {pyinfra.__version__} has no {', '.join(missing)}: no drift verdict or --json details"
        if drift_exit_code:
            raise SettingsError(f"drift_exit_code: {message}; set drift_exit_code = False")
        logger.warning(message)
        return
    if not getattr(cli._exit, "devstack_wrapped", False):
        cli._exit = _exit_with_verdict(cli._exit)
    for name in ("build_plan_json", "build_results_json"):
        if not getattr(getattr(prints, name), "devstack_wrapped", False):
            setattr(prints, name, _with_details(getattr(prints, name)))
    _enabled["exit_status"] = _enabled["exit_status"] or drift_exit_code
