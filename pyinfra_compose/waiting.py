"""The health wait: runs only when a deploy executes (a pyinfra callback), never at plan time."""

from __future__ import annotations

import time

from pyinfra import host, logger
from pyinfra.api import OperationError

from pyinfra_compose.facts import ComposeContainers, ComposeDesiredConfig, ComposeServiceHealth
from pyinfra_compose.health import ServiceStatus, changed_statuses, verdict
from pyinfra_compose.project import ComposeProject


def diagnose(project: ComposeProject, statuses: tuple[ServiceStatus, ...]) -> str:
    """What the user needs to fix a failed service: its probe outputs and last log lines."""
    parts = []
    for status in statuses:
        parts.append(f"--- {status} ---")
        if not status.container_id:
            continue
        details = host.get_fact(
            ComposeServiceHealth, project=project, service=status.service, container_id=status.container_id
        )
        if details and details.probes:
            parts.append("last health probes:")
            parts += [f"  {probe}" for probe in details.probes]
        if details and details.log_tail:
            parts.append(f"last log lines (docker compose -p {project.project_name} logs {status.service}):")
            parts += [f"  {line}" for line in details.log_tail]
    return "\n".join(parts)


def wait_until_healthy(project: ComposeProject, timeout: float, interval: float) -> None:
    """Poll the engine until every desired service is ok; raise naming the ones that are not."""
    desired = host.get_fact(ComposeDesiredConfig, project=project)
    if desired is None:
        raise OperationError(f"compose file of {project.project_name} is not on the target")
    if not desired.hashes:
        # Nothing to wait for would never turn healthy: say why at once, not at the timeout.
        raise OperationError(
            f"{project.project_name} has no active service: every service is behind a profile "
            f"(enabled: {', '.join(project.profiles) or 'none'}); enable one with profiles"
        )
    start = time.monotonic()
    printed: dict[str, str] = {}
    while True:
        containers = host.get_fact(ComposeContainers, project_name=project.project_name)
        current = verdict(desired.hashes, containers)
        elapsed = time.monotonic() - start
        for status in changed_statuses(printed, current.statuses):
            printed[status.service] = status.status
            logger.info(f"{host.print_prefix}[{elapsed:5.1f}s] {status}")
        if current.healthy:
            return
        if current.failed:
            names = ", ".join(s.service for s in current.failed)
            raise OperationError(
                f"service(s) failed after {elapsed:.0f}s: {names}\n{diagnose(project, current.failed)}"
            )
        if elapsed >= timeout:
            names = ", ".join(s.service for s in current.pending)
            raise OperationError(
                f"timed out after {timeout:.0f}s waiting for: {names}\n{diagnose(project, current.pending)}"
            )
        time.sleep(interval)
