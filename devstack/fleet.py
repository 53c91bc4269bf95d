"""The fleet view of `status.py`: per host what runs, how healthy, and whether a deploy
would change anything; the verdict, the exit status, the table and the JSON. Pure:
values in, values out (the pyinfra side is devstack/fleet_look.py).

Exit status, like the dry run's (pyinfra_compose/dryrun.py):
  0  every host reachable, healthy and in step with this repository
  1  a host is unreachable (its row says so; the other rows are complete)
  2  a host's settings are invalid (a deploy would stop before touching it)
  3  drift or an unhealthy service somewhere
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from pyinfra_compose.envdiff import EnvDiff
from pyinfra_compose.health import container_status
from pyinfra_compose.parse import Container
from pyinfra_compose.plan import Plan
from pyinfra_compose.runtime import Runtime
from pyinfra_sync.plan import SyncPlan

OK, DRIFT, UNHEALTHY, INVALID, UNREACHABLE = "ok", "drift", "unhealthy", "invalid", "unreachable"
EXIT_STATUS = {OK: 0, UNREACHABLE: 1, INVALID: 2, DRIFT: 3, UNHEALTHY: 3}
WIDTH = 80


@dataclass(frozen=True)
class Service:
    name: str
    state: str  # running, exited, paused, restarting, created, dead, missing
    health: str  # healthy, unhealthy, starting, "" (no healthcheck)
    ok: bool  # healthy, running without a healthcheck, or a one-shot job done
    started_at: str = ""  # ISO time of the container's last start ("" when not running)
    restarts: int | None = None
    ports: tuple[str, ...] = ()  # "127.0.0.1:8000->8000/tcp"


@dataclass(frozen=True)
class Deployed:
    """The record deploy.py leaves on the target after a deploy that changed something."""

    at: str
    commit: str
    dirty: bool
    by: str


@dataclass(frozen=True)
class HostStatus:
    host: str
    reachable: bool = True
    error: str = ""  # why unreachable, or the invalid setting
    docker: str = ""  # engine version ("" when absent or not answering)
    compose: str = ""
    free_project: int | None = None  # bytes free on the filesystem of project_dir
    free_docker: int | None = None  # bytes free under Docker's data root
    deployed: Deployed | None = None
    services: tuple[Service, ...] = ()
    drift: tuple[str, ...] = ()  # one line per part that a deploy would change
    commands: int = 0  # remote commands this look took

    @property
    def verdict(self) -> str:
        if not self.reachable:
            return UNREACHABLE
        if self.error:
            return INVALID
        if not self.healthy:  # the more urgent of the two (both exit 3)
            return UNHEALTHY
        if self.drift:
            return DRIFT
        return OK

    @property
    def healthy(self) -> bool:
        return bool(self.services) and all(s.ok for s in self.services)

    def reason(self) -> str:
        """One line: why the verdict is what it is."""
        if not self.reachable or self.error:
            return self.error
        bad = [f"{s.name} {s.health or s.state}" for s in self.services if not s.ok]
        if bad:
            return "not healthy: " + ", ".join(bad)
        if not self.services:
            return "no service runs"
        if self.drift:
            return self.drift[0] + (f" (+{len(self.drift) - 1} more)" if len(self.drift) > 1 else "")
        return "healthy and in step"


def exit_status(hosts: Sequence[HostStatus]) -> int:
    """1 beats 2 beats 3 beats 0: an unreachable host is the thing to fix first."""
    codes = {EXIT_STATUS[h.verdict] for h in hosts}
    for code in (1, 2, 3):
        if code in codes:
            return code
    return 0


def services_of(active: Sequence[str], containers: Sequence[Container], runtime: dict[str, Runtime]) -> tuple[Service, ...]:
    """One row per active service (missing when it has no container), then any other container
    of the project (a disabled profile's, an orphan)."""
    rows = []
    by_service: dict[str, list[Container]] = {}
    for container in containers:
        by_service.setdefault(container.service, []).append(container)
    for name in list(active) + sorted(set(by_service) - set(active)):
        own = by_service.get(name, [])
        if not own:
            rows.append(Service(name, "missing", "", ok=False))
            continue
        for container in own:
            status = container_status(container, "")  # health only: drift says whether it is current
            details = runtime.get(container.container_id)
            rows.append(Service(
                name=name,
                state=container.state,
                health=container.health if container.health not in ("none",) else "",
                ok=status.ok or name not in active,  # an extra container is drift, not ill health
                started_at=details.started_at if details and container.running else "",
                restarts=details.restarts if details else None,
                ports=details.ports if details else (),
            ))
    return tuple(rows)


def drift_lines(
    sync: SyncPlan | None,
    env: EnvDiff | None,
    env_mode: str | None,
    plan: Plan | None,
    missing_images: Sequence[str] = (),
    docker_problem: str = "",
    secrets_missing: bool = False,
) -> tuple[str, ...]:
    """What a deploy would change, one line per part; empty: in step. Key names only, never a value.

    + sync: the file sync's plan (None: not computed)
    + env: the .env's key diff (None: the file is current); env_mode: its mode when only that differs
    + plan: the compose plan (None: no compose file there yet: everything is created)
    """
    lines = []
    if docker_problem:
        lines.append(f"docker: {docker_problem}")
    if sync is not None and not sync.is_noop:
        parts = [f"{len(sync.new)} new", f"{len(sync.changed)} changed", f"{len(sync.deleted)} deleted"]
        files = (sync.new + sync.changed + sync.deleted)[:2]
        more = "..." if len(sync.new + sync.changed + sync.deleted) > 2 else ""
        lines.append(f"files: {', '.join(p for p in parts if not p.startswith('0 '))} ({', '.join(files)}{more})")
    if secrets_missing:
        lines.append(".env: no secrets file here: a deploy generates new secrets")
    elif env is not None and not env.is_empty:
        lines.append(".env: " + "; ".join(env.lines()))
    elif env_mode:
        lines.append(f".env: mode {env_mode} -> 600")
    if missing_images:
        lines.append(f"images: build {', '.join(missing_images)}")
    if plan is None:
        lines.append("compose: not deployed: build and create everything")
    elif not plan.is_noop:
        lines.append("compose: " + "; ".join(plan.lines()))
    return tuple(lines)


def ago(iso: str, now: datetime) -> str:
    """Docker's RFC 3339 time (nanoseconds, Z) as a short age: 45s, 12m, 3h, 5d; "" when unknown."""
    when = parse_time(iso)
    if when is None:
        return ""
    seconds = max(0, int((now - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def parse_time(iso: str) -> datetime | None:
    if not iso or iso.startswith("0001-"):
        return None
    text = iso.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Python parses at most microseconds: cut docker's nanoseconds
        digits = "".join(ch for ch in rest if ch.isdigit())
        text = f"{head}.{digits[:6]}{rest[len(digits):]}"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def size(free: int | None) -> str:
    if free is None:
        return "?"
    for unit, factor in (("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20)):
        if free >= factor:
            return f"{free / factor:.1f}{unit}"
    return f"{free >> 10}K"


@dataclass(frozen=True)
class Style:
    """Colours for a terminal; none elsewhere (a pipe, a file, NO_COLOR)."""

    colour: bool = False
    codes: dict = field(default_factory=lambda: {OK: "32", DRIFT: "33", UNHEALTHY: "31", INVALID: "31", UNREACHABLE: "31;1"})

    def verdict(self, text: str, verdict: str) -> str:
        return f"\x1b[{self.codes[verdict]}m{text}\x1b[0m" if self.colour else text


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 3)] + "..."


SERVICE_HEAD = f"  {'service':<10} {'state':<10} {'health':<10} {'up':>5} {'restarts':>8}  ports"


def table(hosts: Sequence[HostStatus], now: datetime, style: Style = Style(), width: int = WIDTH) -> str:
    """One table for all hosts, each line at most `width` columns (long text is clipped)."""
    out = []
    for status in sorted(hosts, key=lambda h: h.host):
        verdict = status.verdict
        head = f"{status.host}  {verdict.upper()}"
        out.append(style.verdict(clip(head, width), verdict))
        out.append(clip(f"  {status.reason()}", width))
        if not status.reachable or status.error:
            out.append("")
            continue
        out.append(clip(
            f"  docker {status.docker or '-'}, compose {status.compose or '-'}; free: project "
            f"{size(status.free_project)}, docker {size(status.free_docker)}", width))
        out.append(clip("  last deploy: " + deploy_line(status.deployed, now), width))
        for line in status.drift[1:] if verdict == DRIFT else status.drift:  # the first is the reason
            out.append(clip(f"  drift: {line}", width))
        if status.services:
            out.append(SERVICE_HEAD)
        for service in status.services:
            restarts = "-" if service.restarts is None else str(service.restarts)
            row = (f"  {clip(service.name, 10):<10} {clip(service.state, 10):<10} {clip(service.health or '-', 10):<10} "
                   f"{ago(service.started_at, now) or '-':>5} {restarts:>8}  {','.join(short_port(p) for p in service.ports) or '-'}")
            text = clip(row, width)
            out.append(text if service.ok else style.verdict(text, UNHEALTHY))
        out.append("")
    summary = summary_line(hosts)
    return "\n".join(out + [clip(summary, width)])


def short_port(port: str) -> str:
    """127.0.0.1:8000->8000/tcp -> 127.0.0.1:8000 (the target port is the service's own)."""
    return port.split("->", 1)[0]


def deploy_line(record: Deployed | None, now: datetime) -> str:
    if record is None:
        return "no record (never deployed, or before deploy records)"
    when = parse_time(record.at)
    shown = when.strftime("%Y-%m-%d %H:%M UTC") if when else record.at
    age = f" ({ago(record.at, now)} ago)" if when else ""
    commit = record.commit[:10] + ("+dirty" if record.dirty else "") if record.commit else "no commit"
    return f"{shown}{age}, {commit}, by {record.by or '?'}"


def summary_line(hosts: Sequence[HostStatus]) -> str:
    counts: dict[str, int] = {}
    for status in hosts:
        counts[status.verdict] = counts.get(status.verdict, 0) + 1
    parts = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
    return f"{len(hosts)} host(s): {parts or 'none'} (exit status {exit_status(hosts)})"


def to_json(hosts: Sequence[HostStatus], now: datetime) -> dict:
    """The same as the table, per host, JSON-safe (no secret is ever part of a HostStatus)."""
    entries = []
    for status in sorted(hosts, key=lambda h: h.host):
        entries.append({
            "host": status.host,
            "verdict": status.verdict,
            "reason": status.reason(),
            "reachable": status.reachable,
            "error": status.error,
            "docker": status.docker,
            "compose": status.compose,
            "free_bytes": {"project_dir": status.free_project, "docker_root": status.free_docker},
            "last_deploy": None if status.deployed is None else {
                "at": status.deployed.at, "commit": status.deployed.commit,
                "dirty": status.deployed.dirty, "by": status.deployed.by,
            },
            "drift": list(status.drift),
            "services": [
                {"service": s.name, "state": s.state, "health": s.health, "ok": s.ok, "started_at": s.started_at,
                 "uptime": ago(s.started_at, now), "restarts": s.restarts, "ports": list(s.ports)}
                for s in status.services
            ],
            "remote_commands": status.commands,
        })
    return {"hosts": entries, "exit_status": exit_status(hosts)}
