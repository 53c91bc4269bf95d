"""Health that is right in both directions: pure rules applied to each look at the engine.

The engine's own health status lags: a container stays "healthy" until `retries`
probes in a row failed, so right after a deploy changed a bind-mounted source (no
recreate) its status still reflects probes of the old code, and an edit that makes
the app crash on reload would pass. And it overshoots: one slow moment flips a
container to "unhealthy" though it recovers seconds later (docker/compose#11474).
So, on top of `health.service_statuses`:

- fresh probes: when this deploy changed anything, a service with a healthcheck
  counts as healthy only once a probe that *started after the wait began* (after
  every upload and recreate) succeeded; its last probe failing is "failing";
- grace: "unhealthy" or "failing" becomes a failure only when it lasts `grace`
  seconds; a blip that recovers within them is waited out (exited and dead fail at once);
- restart loop: a container whose restart count rose by `LOOP_RESTARTS` or more since
  the wait began fails at once, naming the count, instead of waiting for the timeout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from pyinfra_compose.health import ServiceStatus

LOOP_RESTARTS = 2  # restarts seen during one wait that make a loop (one restart may be a hiccup)
DEFAULT_GRACE = 30.0  # seconds: a 10 s blip passes (the engine needs retries x interval to even see it)
RECOVERABLE = ("unhealthy", "failing")


@dataclass(frozen=True)
class Probe:
    started: float  # seconds since the epoch, on the target's clock
    exit_code: int


@dataclass(frozen=True)
class ContainerProbes:
    container_id: str
    restart_count: int
    probes: tuple[Probe, ...]  # oldest first; () without a healthcheck


@dataclass(frozen=True)
class EngineLook:
    now: float  # the target's clock when it answered
    containers: Mapping[str, ContainerProbes]  # by container id


_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


def epoch(text: str) -> float | None:
    """Docker's RFC 3339 time with nanoseconds ("2026-12-02T05:47:04.829379459Z") as epoch seconds."""
    match = _TIME.match(text.strip())
    if not match:
        return None
    zone = "+00:00" if match[3] == "Z" else match[3]
    whole = datetime.fromisoformat(match[1] + zone).timestamp()
    return whole + (float("0." + match[2]) if match[2] else 0.0)


def parse_look(lines: Sequence[str]) -> EngineLook:
    """First line `date +%s%N`, then per container `<id> <restarts> <start>|<exit> ...`."""
    lines = [line.strip() for line in lines if line.strip()]
    now = int(lines[0]) / 1e9 if lines and lines[0].isdigit() else 0.0
    containers = {}
    for line in lines[1:]:
        fields = line.split()
        if len(fields) < 2 or not fields[1].isdigit():
            continue
        probes = []
        for field in fields[2:]:
            start, _, code = field.partition("|")
            started = epoch(start)
            if started is not None and code.lstrip("-").isdigit():
                probes.append(Probe(started, int(code)))
        containers[fields[0]] = ContainerProbes(fields[0], int(fields[1]), tuple(sorted(probes, key=lambda p: p.started)))
    return EngineLook(now, containers)


def fresh(status: ServiceStatus, probes: ContainerProbes | None, since: float) -> ServiceStatus:
    """A "healthy" status as the probes started after `since` say it is."""
    if status.status != "healthy" or probes is None:
        return status
    after = [probe for probe in probes.probes if probe.started >= since]
    if not after:
        return replace(status, status="starting", detail="waiting for a health probe that started after this deploy's changes")
    if after[-1].exit_code != 0:
        return replace(status, status="failing", detail=f"the last health probe since this deploy's changes failed (exit {after[-1].exit_code})")
    return status


def restart_loop(status: ServiceStatus, probes: ContainerProbes | None, baseline: Mapping[str, int]) -> ServiceStatus:
    if probes is None or status.container_id not in baseline:
        return status
    rose = probes.restart_count - baseline[status.container_id]
    if rose >= LOOP_RESTARTS:
        return replace(status, status="looping", detail=f"restart loop: restarted {rose} times during the wait ({probes.restart_count} in all)")
    return status


def with_grace(
    statuses: Sequence[ServiceStatus], bad_since: MutableMapping[str, float], now: float, grace: float
) -> list[ServiceStatus]:
    """Unhealthy or failing for less than `grace` seconds is still pending; `bad_since`
    (service -> when it turned bad) is kept by the caller between looks."""
    judged = []
    for status in statuses:
        if status.status not in RECOVERABLE:
            bad_since.pop(status.service, None)
            judged.append(status)
            continue
        since = bad_since.setdefault(status.service, now)
        lasted = now - since
        if lasted >= grace:
            judged.append(replace(status, status="unhealthy", detail=_join(status.detail, f"for {lasted:.0f}s, longer than the {grace:.0f}s grace")))
        else:
            judged.append(replace(status, status="recovering", detail=_join(status.detail, f"{status.status} for {lasted:.0f}s, within the {grace:.0f}s grace")))
    return judged


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def judge(
    statuses: Sequence[ServiceStatus],
    look: EngineLook,
    since: float | None,
    baseline: Mapping[str, int],
    bad_since: MutableMapping[str, float],
    grace: float,
) -> list[ServiceStatus]:
    """Every rule of this module on one look; `since` None: nothing changed, no fresh probe needed."""
    judged = []
    for status in statuses:
        probes = look.containers.get(status.container_id)
        status = restart_loop(status, probes, baseline)
        if since is not None:
            status = fresh(status, probes, since)
        judged.append(status)
    return with_grace(judged, bad_since, look.now, grace)
