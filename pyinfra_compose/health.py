"""The health verdict: pure functions from desired config and containers to a status.

Success is decided here from what the engine reports per container, never from
compose's `up --wait` exit code, and only for containers created from the desired
config (a healthy container that is about to be replaced does not count).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyinfra_compose.parse import Container

OK_STATUSES = ("healthy", "running", "done")
FAILED_STATUSES = ("unhealthy", "exited", "dead", "looping")  # looping: see probes.restart_loop


@dataclass(frozen=True)
class ServiceStatus:
    service: str
    status: str  # healthy, running, done | starting, missing, stale, created, restarting, failing, recovering | unhealthy, exited, dead, looping
    container_id: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES

    def __str__(self) -> str:
        return f"{self.service}: {self.status}" + (f" ({self.detail})" if self.detail else "")


def container_status(container: Container, desired_hash: str) -> ServiceStatus:
    service, cid = container.service, container.container_id
    if desired_hash and container.config_hash != desired_hash:
        return ServiceStatus(service, "stale", cid, "container not yet recreated from the current config")
    if container.state == "running":
        if container.health in ("", "none"):
            return ServiceStatus(service, "running", cid)
        return ServiceStatus(service, container.health, cid)
    if container.state == "exited":
        if container.exit_code == 0 and container.long_running:
            return ServiceStatus(service, "exited", cid, "exit code 0, but it has a healthcheck or restart policy: it should keep running")
        if container.exit_code == 0:
            return ServiceStatus(service, "done", cid, "exited 0")
        return ServiceStatus(service, "exited", cid, f"exit code {container.exit_code}")
    return ServiceStatus(service, container.state or "unknown", cid)


def service_statuses(desired: Mapping[str, str], containers: Sequence[Container]) -> list[ServiceStatus]:
    """One status per desired service; the worst container decides for scaled services."""
    statuses = []
    for service, desired_hash in sorted(desired.items()):
        own = [c for c in containers if c.service == service]
        if not own:
            statuses.append(ServiceStatus(service, "missing", detail="no container"))
            continue
        per_container = [container_status(c, desired_hash) for c in own]
        worst = next((s for s in per_container if s.failed), None) or next(
            (s for s in per_container if not s.ok), per_container[0]
        )
        statuses.append(worst)
    return statuses


@dataclass(frozen=True)
class Verdict:
    statuses: tuple[ServiceStatus, ...]

    @property
    def healthy(self) -> bool:
        return bool(self.statuses) and all(s.ok for s in self.statuses)

    @property
    def failed(self) -> tuple[ServiceStatus, ...]:
        return tuple(s for s in self.statuses if s.failed)

    @property
    def pending(self) -> tuple[ServiceStatus, ...]:
        return tuple(s for s in self.statuses if not s.ok and not s.failed)


def verdict(desired: Mapping[str, str], containers: Sequence[Container]) -> Verdict:
    return Verdict(tuple(service_statuses(desired, containers)))


def changed_statuses(before: Mapping[str, str], statuses: Sequence[ServiceStatus]) -> list[ServiceStatus]:
    """Statuses that differ from the last ones printed (service -> status)."""
    return [s for s in statuses if before.get(s.service) != s.status]
