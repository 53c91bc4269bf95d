"""What `up` must change, and why: a pure function of what is desired and what runs.

Every change has a `Kind`, which `up` switches on to pick its commands, and a reason,
which is only for people (never compared by code).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from pyinfra_compose.parse import Container


class Kind(str, Enum):
    """What `up` does about one service's image or one container."""

    BUILD = "build"  # the service's image is built (Plan.builds)
    CREATE = "create"  # no container yet: `up` creates it
    RECREATE = "recreate"  # config or image changed: `up` replaces the container
    UNHEALTHY = "unhealthy"  # config current but unhealthy: `up --force-recreate` of it alone
    START = "start"  # stopped, paused or never started: `up` starts it
    ORPHAN = "orphan"  # its service left the compose file: `up --remove-orphans` stops and removes it
    DISABLED = "disabled"  # its profile is not enabled: stopped and removed by container id


# The verb a person reads for each kind.
ACTIONS = {
    Kind.BUILD: "build",
    Kind.CREATE: "create",
    Kind.RECREATE: "recreate",
    Kind.UNHEALTHY: "recreate",
    Kind.START: "start",
    Kind.ORPHAN: "remove",
    Kind.DISABLED: "remove",
}


@dataclass(frozen=True)
class BuildRecord:
    """A built image as the engine has it: its id, and the id its build-digest tag names."""

    image_id: str | None  # None: no image
    tagged_id: str | None  # None: no image was built from the desired inputs


@dataclass(frozen=True)
class Change:
    service: str
    kind: Kind
    reason: str  # for people only
    container_id: str = ""
    settings: tuple[str, ...] = ()  # changed settings of the service's config, e.g. "ports", "environment.API_KEY"

    @property
    def action(self) -> str:
        return ACTIONS[self.kind]

    def __str__(self) -> str:
        return f"{self.action} {self.service}: {self.reason}"

    def to_dict(self) -> dict:
        return {
            "service": self.service,
            "kind": self.kind.value,
            "action": self.action,
            "reason": self.reason,
            "settings": list(self.settings),
            "container_id": self.container_id,
        }


@dataclass(frozen=True)
class Plan:
    builds: Mapping[str, str] = field(default_factory=dict)  # service -> why it is rebuilt
    changes: tuple[Change, ...] = ()

    @property
    def is_noop(self) -> bool:
        return not self.builds and not self.changes

    def has(self, *kinds: Kind) -> bool:
        return any(change.kind in kinds for change in self.changes)

    def services(self, *kinds: Kind) -> list[str]:
        return sorted({change.service for change in self.changes if change.kind in kinds})

    def container_ids(self, *kinds: Kind) -> list[str]:
        return [change.container_id for change in self.changes if change.kind in kinds]

    def items(self) -> list[Change]:
        """Builds first, then container changes, each as a Change."""
        builds = [Change(service, Kind.BUILD, why) for service, why in sorted(self.builds.items())]
        return builds + list(self.changes)

    def lines(self) -> list[str]:
        """One human line per build and per container change."""
        return [str(change) for change in self.items()]

    def to_dict(self) -> dict:
        return {"up_to_date": self.is_noop, "changes": [change.to_dict() for change in self.items()]}


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


def config_reason(settings: Sequence[str]) -> str:
    """Why a container whose config hash differs is recreated, naming the settings when known."""
    if settings:
        return f"config changed: {', '.join(settings)} (config hash differs)"
    return "config changed (config hash differs)"


def container_change(
    container: Container,
    desired_hash: str,
    image_id: str | None,
    rebuilt: bool,
    config_why: str = "config changed (config hash differs)",
    settings: tuple[str, ...] = (),
) -> Change | None:
    """The change one existing container of a desired service needs, if any."""
    service, cid = container.service, container.container_id
    if container.config_hash != desired_hash:
        return Change(service, Kind.RECREATE, config_why, cid, settings)
    if rebuilt:
        return Change(service, Kind.RECREATE, "image is being rebuilt", cid)
    if image_id and container.image_id and container.image_id != image_id:
        return Change(service, Kind.RECREATE, "image changed since the container was created", cid)
    if container.state == "exited" and container.exit_code == 0 and not container.long_running:
        return None  # a one-shot service that finished is done
    if container.state in ("exited", "created", "dead"):
        return Change(service, Kind.START, f"container is {container.state} (exit code {container.exit_code})", cid)
    if container.state == "paused":
        return Change(service, Kind.START, "container is paused", cid)
    if container.health == "unhealthy":
        return Change(service, Kind.UNHEALTHY, "container is unhealthy", cid)
    return None


def plan_up(
    desired: Mapping[str, str],
    known_services: Sequence[str],
    containers: Sequence[Container],
    builds: Mapping[str, BuildRecord] | None = None,
    settings: Mapping[str, Sequence[str]] | None = None,
    config_reasons: Mapping[str, str] | None = None,
) -> Plan:
    """Compare desired config hashes (active services) with running containers.

    + desired: service -> config hash, for the services the active profiles enable
    + known_services: every service of the compose file, whatever its profile
    + containers: the project's containers as they are
    + builds: service -> its built image's record, for services built from a Dockerfile
    + settings: service -> the settings of its config this deploy changes (named in reasons)
    + config_reasons: service -> why its config hash differs, where the caller knows better
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
            changes.append(Change(service, Kind.CREATE, "container missing"))
        changed = tuple((settings or {}).get(service, ()))
        why = (config_reasons or {}).get(service) or config_reason(changed)
        for container in existing:
            record = records.get(service)
            image_id = record.image_id if record else None
            change = container_change(container, desired_hash, image_id, service in rebuilds, why, changed)
            if change:
                changes.append(change)

    for service, existing in sorted(by_service.items()):
        if service in desired:
            continue
        if service in known_services:
            changes.extend(Change(service, Kind.DISABLED, "profile not enabled", c.container_id) for c in existing)
        else:
            why = "orphan (no longer in the compose file)"
            changes.extend(Change(service, Kind.ORPHAN, why, c.container_id) for c in existing)
    return Plan(builds=rebuilds, changes=tuple(changes))
