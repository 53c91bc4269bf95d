"""The health wait: runs only when a deploy executes (a pyinfra callback), never at plan time."""

from __future__ import annotations

import time

from pyinfra import host, logger
from pyinfra.api import OperationError

from collections.abc import Sequence

from pyinfra.api.operation import OperationMeta

from pyinfra_compose.facts import ComposeContainers, ComposeDesiredConfig, ComposeProbes, ComposeServiceHealth
from pyinfra_compose.health import ServiceStatus, Verdict, changed_statuses, verdict
from pyinfra_compose.probes import DEFAULT_GRACE, judge
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


def changed(metas: Sequence[OperationMeta]) -> bool:
    """Whether any of these operations (already run: this is called at execution) changed something."""
    return any(meta.is_complete() and meta.did_change() for meta in metas)


def wait_until_healthy(
    project: ComposeProject,
    timeout: float,
    interval: float,
    changes: Sequence[OperationMeta] = (),
    grace: float = DEFAULT_GRACE,
) -> None:
    """Poll the engine until every desired service is ok; raise naming the ones that are not.

    When one of `changes` changed something, healthy needs a probe that started after
    the wait began; unhealthy needs to last `grace` seconds; a restart loop fails at once
    (the rules: probes.py)."""
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
    first = host.get_fact(ComposeProbes, project_name=project.project_name)
    since = first.now if changed(changes) else None
    baseline = {cid: probes.restart_count for cid, probes in first.containers.items()}
    bad_since: dict[str, float] = {}
    while True:
        containers = host.get_fact(ComposeContainers, project_name=project.project_name)
        look = host.get_fact(ComposeProbes, project_name=project.project_name)
        for cid, probes in look.containers.items():
            baseline.setdefault(cid, probes.restart_count)  # a container created during the wait
        current = Verdict(tuple(judge(verdict(desired.hashes, containers).statuses, look, since, baseline, bad_since, grace)))
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
