"""What `up` must change, and why: a pure function of what is desired and what runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pyinfra_compose.parse import Container

# Actions on containers, in the words the plan prints.
CREATE, RECREATE, START, REMOVE = "create", "recreate", "start", "remove"


@dataclass(frozen=True)
class BuildRecord:
    """A built image as the engine has it: its id, and the id its build-digest tag names."""

    image_id: str | None  # None: no image
    tagged_id: str | None  # None: no image was built from the desired inputs


@dataclass(frozen=True)
class Change:
    service: str
    action: str  # CREATE, RECREATE, START or REMOVE
    reason: str
    container_id: str = ""

    def __str__(self) -> str:
        return f"{self.action} {self.service}: {self.reason}"


@dataclass(frozen=True)
class Plan:
    builds: Mapping[str, str] = field(default_factory=dict)  # service -> why it is rebuilt
    changes: tuple[Change, ...] = ()

    @property
    def is_noop(self) -> bool:
        return not self.builds and not self.changes

    def services(self, action: str) -> list[str]:
        return sorted({change.service for change in self.changes if change.action == action})

    def lines(self) -> list[str]:
        """One human line per build and per container change."""
        return [f"build {service}: {why}" for service, why in sorted(self.builds.items())] + [
            str(change) for change in self.changes
        ]


def builds_needed(records: Mapping[str, BuildRecord]) -> dict[str, str]:
    """Services whose image must be built, each with the reason."""
    builds = {}
    for service, record in sorted(records.items()):
        if not record.image_id:
            builds[service] = "image missing"
        elif not record.tagged_id:
            builds[service] = "Dockerfile or build context changed since the image was built"
        elif record.tagged_id != record.image_id:
            builds[service] = "image was replaced outside this deploy"
    return builds


def container_change(
    container: Container,
    desired_hash: str,
    image_id: str | None,
    rebuilt: bool,
) -> Change | None:
    """The change one existing container of a desired service needs, if any."""
    service, cid = container.service, container.container_id
    if container.config_hash != desired_hash:
        return Change(service, RECREATE, "config changed (config hash differs)", cid)
    if rebuilt:
        return Change(service, RECREATE, "image is being rebuilt", cid)
    if image_id and container.image_id and container.image_id != image_id:
        return Change(service, RECREATE, "image changed since the container was created", cid)
    if container.state == "exited" and container.exit_code == 0:
        return None  # a one-shot service that finished is done
    if container.state in ("exited", "created", "dead"):
        return Change(service, START, f"container is {container.state} (exit code {container.exit_code})", cid)
    if container.state == "paused":
        return Change(service, START, "container is paused", cid)
    if container.health == "unhealthy":
        return Change(service, RECREATE, "container is unhealthy", cid)
    return None


def plan_up(
    desired: Mapping[str, str],
    known_services: Sequence[str],
    containers: Sequence[Container],
    builds: Mapping[str, BuildRecord] | None = None,
) -> Plan:
    """Compare desired config hashes (active services) with running containers.

    + desired: service -> config hash, for the services the active profiles enable
    + known_services: every service of the compose file, whatever its profile
    + containers: the project's containers as they are
    + builds: service -> its built image's record, for services built from a Dockerfile
    """
    records = {s: r for s, r in (builds or {}).items() if s in desired}
    rebuilds = builds_needed(records)
    changes: list[Change] = []
    by_service: dict[str, list[Container]] = {}
    for container in containers:
        by_service.setdefault(container.service, []).append(container)

    for service, desired_hash in sorted(desired.items()):
        existing = by_service.get(service, [])
        if not existing:
            changes.append(Change(service, CREATE, "container missing"))
        for container in existing:
            record = records.get(service)
            image_id = record.image_id if record else None
            change = container_change(container, desired_hash, image_id, service in rebuilds)
            if change:
                changes.append(change)

    for service, existing in sorted(by_service.items()):
        if service in desired:
            continue
        why = "profile not enabled" if service in known_services else "orphan (no longer in the compose file)"
        changes.extend(Change(service, REMOVE, why, c.container_id) for c in existing)
    return Plan(builds=rebuilds, changes=tuple(changes))
