"""What operations tell the user about their plan: printed once, and kept for `--json`.

An operation body runs at plan time and again at execution without -y, so a line is
printed once per host and operation. Each operation may also leave a structured record
of its plan (JSON-safe, never a secret value), which `dryrun` adds to pyinfra's `--json`
output per operation and host.
"""

from __future__ import annotations

from typing import Any

from pyinfra import logger

_printed: dict[tuple[str, str], set[str]] = {}
_details: dict[str, dict[str, Any]] = {}  # op hash -> host name -> record


def say_once(host, lines: list[str]) -> None:
    """Print plan lines once per host and operation, though the body may run twice."""
    seen = _printed.setdefault((host.name, str(host.current_op_hash)), set())
    for line in lines:
        if line not in seen:
            seen.add(line)
            logger.info(f"{host.print_prefix}{line}")


def record(host, details: dict[str, Any]) -> None:
    """Keep the current operation's plan on this host (the latest run of the body wins)."""
    _details.setdefault(str(host.current_op_hash), {})[host.name] = details


def details(op_hash: str) -> dict[str, Any]:
    """Host name -> record, for one operation (empty when it recorded nothing)."""
    return dict(_details.get(op_hash, {}))


def reset() -> None:
    """Forget everything (tests)."""
    _printed.clear()
    _details.clear()
