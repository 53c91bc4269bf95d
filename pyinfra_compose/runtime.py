"""What `docker compose ps` does not say about a project's containers: restart count,
last start and published ports (`docker inspect`), for status views. Builder, parser
and fact; the builder is the only place that quotes.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyinfra.api import FactBase

from pyinfra_compose import commands as cmd
from pyinfra_compose.errors import ParseError
from pyinfra_compose.facts import NeedsDocker

FIELD = "|"  # none of id, count, RFC 3339 time or "ip:port->port/proto" holds one
# HostConfig port bindings are what was asked; NetworkSettings.Ports what is published now.
TEMPLATE = (
    "{{.Id}}|{{.RestartCount}}|{{.State.StartedAt}}|"
    "{{range $port, $bindings := .NetworkSettings.Ports}}{{range $bindings}}{{.HostIp}}:{{.HostPort}}->{{$port}} {{end}}{{end}}"
)


@dataclass(frozen=True)
class Runtime:
    container_id: str
    restarts: int
    started_at: str  # RFC 3339, as docker prints it
    ports: tuple[str, ...]  # "127.0.0.1:8000->8000/tcp", sorted


def runtime_command(project_name: str) -> str:
    """Shell: one TEMPLATE line per container of the project (nothing when it has none);
    a container removed between the listing and inspect fails nothing."""
    ids = cmd.shell(["docker", "compose", "-p", project_name, "ps", "--all", "-q"])
    return f"cd / && {ids} | xargs -r {cmd.shell(['docker', 'inspect', '--format', TEMPLATE])} 2>/dev/null || true"


def parse_runtime(lines: list[str]) -> dict[str, Runtime]:
    found = {}
    for line in lines:
        if not line.strip():
            continue
        parts = line.strip().split(FIELD)
        if len(parts) != 4 or not parts[1].isdigit():
            raise ParseError(f"unexpected container runtime line: {line[:120]!r}")
        container_id, restarts, started_at, ports = parts
        found[container_id] = Runtime(container_id, int(restarts), started_at, tuple(sorted(set(ports.split()))))
    return found


class ComposeRuntime(NeedsDocker, FactBase[dict[str, Runtime]]):
    """Container id -> restart count, last start, published ports, for a project's containers."""

    def command(self, project_name: str) -> str:
        return runtime_command(project_name)

    def default(self) -> dict[str, Runtime]:
        return {}

    def process(self, output: list[str]) -> dict[str, Runtime]:
        return parse_runtime(output)
