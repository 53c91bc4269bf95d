"""Who holds a TCP port on the target: parsers of /proc/net/tcp{,6}, `ss -ltnp` and
`docker ps` port columns, and the conflict judge. Pure: text in, values out.

/proc/net/tcp is always there (no iproute2 needed) and lists every listener of the
target's network namespace; `ss -p` adds the pid and program where the login user may
see them (root sees all). Docker publishes a port either through a `docker-proxy`
listener or through iptables alone (userland-proxy off), so the engine's own list of
published ports is read too: that is how a port held by one of this project's own
containers is told apart from one held by anything else.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's st column
WILDCARDS = ("0.0.0.0", "::")


@dataclass(frozen=True)
class Listener:
    address: str  # normalised: 127.0.0.1, 0.0.0.0, ::, ::1
    port: int
    owner: str = ""  # "pid 123, redis-server" where the target says


@dataclass(frozen=True)
class Published:
    """A port an engine container publishes (running containers only)."""

    address: str
    port: int
    container: str  # container name
    project: str = ""  # compose project label, "" for a container outside compose
    service: str = ""


@dataclass(frozen=True)
class WantedPort:
    """A port the deploy will publish: `label` is how the user set it (e.g. "ports.redis = 6390")."""

    label: str
    service: str
    address: str
    port: int


@dataclass(frozen=True)
class PortConflict:
    wanted: WantedPort
    holder: str  # what holds it, in words

    def message(self, host_name: str) -> str:
        where = f"{self.wanted.address}:{self.wanted.port}"
        return f"{self.wanted.label}: {where} is in use on {host_name} by {self.holder}: choose another port or stop it"


def normalise(address: str) -> str:
    """One spelling per address: [::] and :: alike, an IPv4-mapped v6 address as v4."""
    address = address.strip().strip("[]").split("%")[0]
    if address in ("*", ""):
        return "0.0.0.0"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ip)


def _proc_address(hex_address: str) -> str:
    """/proc/net/tcp's address column: the host-order hex of each 32-bit word."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return normalise(str(ipaddress.ip_address(words)))


def parse_proc_net_tcp(text: str) -> list[Listener]:
    """Listening sockets of /proc/net/tcp and /proc/net/tcp6 (concatenated; headers skipped)."""
    listeners = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 4 or not fields[0].endswith(":") or fields[3] != LISTEN:
            continue
        address, _, port = fields[1].partition(":")
        try:
            listeners.append(Listener(_proc_address(address), int(port, 16)))
        except ValueError:
            continue  # a line this parser does not know: not a listener it can judge
    return listeners


_SS_USER = re.compile(r'\("([^"]*)",pid=(\d+)')


def parse_ss(text: str) -> list[Listener]:
    """`ss -Hltnp` lines: `LISTEN 0 511 127.0.0.1:6390 0.0.0.0:* users:(("redis-server",pid=7,fd=6))`."""
    listeners = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[0] != "LISTEN":
            continue
        address, _, port = fields[3].rpartition(":")
        if not port.isdigit():
            continue
        users = _SS_USER.findall(line)
        owner = ", ".join(f"pid {pid}, {program}" for program, pid in users)
        listeners.append(Listener(normalise(address), int(port), owner))
    return listeners


def merge_listeners(proc: Sequence[Listener], ss: Sequence[Listener]) -> list[Listener]:
    """/proc's complete list, each with the owner `ss` names for the same socket address."""
    owners = {(l.address, l.port): l.owner for l in ss if l.owner}
    unique = dict.fromkeys((l.address, l.port) for l in [*proc, *ss])
    return [Listener(address, port, owners.get((address, port), "")) for address, port in unique]


_DOCKER_PORT = re.compile(r"^(?P<address>.*):(?P<port>\d+)(?:-(?P<last>\d+))?->")


def parse_docker_ports(text: str) -> list[Published]:
    """Lines `name|project|service|ports` of `docker ps --format`; ports as docker prints
    them: `127.0.0.1:6379->6379/tcp, :::8000->8000/tcp, 0.0.0.0:5000-5001->5000-5001/tcp`."""
    published = []
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) != 4:
            continue
        name, project, service, ports = parts
        for entry in ports.split(","):
            match = _DOCKER_PORT.match(entry.strip())
            if not match or not entry.strip().endswith("/tcp"):
                continue
            first = int(match["port"])
            for port in range(first, int(match["last"] or first) + 1):
                published.append(Published(normalise(match["address"]), port, name, project, service))
    return published


def overlaps(a: str, b: str) -> bool:
    """Whether two binds of one port collide: the same address, or either a wildcard
    (Linux refuses 127.0.0.1:P while [::]:P listens dual-stack, and the reverse)."""
    return a == b or a in WILDCARDS or b in WILDCARDS


def port_conflicts(
    wanted: Iterable[WantedPort],
    listeners: Sequence[Listener],
    published: Sequence[Published],
    project: str,
) -> list[PortConflict]:
    """Every wanted port held by something other than this project's own container for the
    same service (which compose frees when it recreates that container)."""
    conflicts = []
    for want in wanted:
        containers = [p for p in published if p.port == want.port and overlaps(p.address, want.address)]
        if any(p.project == project and p.service == want.service for p in containers):
            continue
        if containers:
            conflicts.append(PortConflict(want, _container_words(containers[0], project)))
            continue
        held = [l for l in listeners if l.port == want.port and overlaps(l.address, want.address)]
        if held:
            owner = next((l.owner for l in held if l.owner), "")
            conflicts.append(PortConflict(want, f"another process ({owner or 'the target does not say which'})"))
    return conflicts


def _container_words(container: Published, project: str) -> str:
    if container.project == project:
        return f"this project's {container.service} container ({container.container})"
    if container.project:
        return f"container {container.container} (compose project {container.project}, service {container.service})"
    return f"container {container.container}"


def wanted_ports(ports: Mapping[str, tuple[str, str, int]]) -> list[WantedPort]:
    """service -> (label, address, port) as a list of WantedPort, in service order."""
    return [WantedPort(label, service, normalise(address), port) for service, (label, address, port) in sorted(ports.items())]
