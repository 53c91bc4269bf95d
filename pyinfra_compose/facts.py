"""pyinfra facts about a compose project: one remote query each, "absent" is a value."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from pyinfra.api import FactBase

from pyinfra_compose import commands as cmd
from pyinfra_compose.buildinputs import LocalBuild
from pyinfra_compose.errors import ParseError
from pyinfra_compose.parse import Container, parse_config_hashes, parse_long_running, parse_ps
from pyinfra_compose.plan import BuildRecord
from pyinfra_compose.probes import EngineLook, parse_look
from pyinfra_compose.project import ComposeProject

SEPARATOR = "----pyinfra-compose----"


class NeedsDocker:
    """A fact about the engine: where the docker CLI is missing (a bare box before its first
    deploy, e.g. in a dry run), pyinfra returns the fact's default instead of failing the host."""

    def requires_command(self, *args, **kwargs) -> str:
        return "docker"


@dataclass(frozen=True)
class DockerStatus:
    client: str  # "" when the docker CLI is missing
    compose: str  # "" when compose v2 is missing
    server: str  # "" when the daemon does not answer
    server_error: str
    engine: bool = True  # dockerd installed (a machine may have only the client, e.g. for a remote engine)

    @property
    def compose_v2(self) -> bool:
        major = self.compose.lstrip("v").split(".")[0]
        return major.isdigit() and int(major) >= 2


class DockerPresence(FactBase[DockerStatus]):
    """Whether docker and compose v2 are installed, their versions, and whether the daemon answers."""

    def command(self) -> str:
        client = cmd.shell(["docker", "version", "--format", "{{.Client.Version}}"])
        compose = cmd.shell(["docker", "compose", "version", "--short"])
        server = cmd.shell(["docker", "info", "--format", "{{.ServerVersion}}"])
        # /usr/sbin is not on a non-root user's PATH on Debian: look for dockerd there too.
        engine = "{ command -v dockerd || [ -x /usr/sbin/dockerd ] || [ -x /usr/bin/dockerd ]; } >/dev/null 2>&1"
        return (
            f"if {engine}; then echo engine=yes; else echo engine=no; fi; "
            "if command -v docker >/dev/null 2>&1; then "
            f'echo "client=$({client} 2>/dev/null | head -n1)"; '
            f'echo "compose=$({compose} 2>/dev/null)"; '
            f'echo "server=$({server} 2>/dev/null)"; '
            f'echo "server_error=$({server} 2>&1 >/dev/null | head -n1)"; '
            "else echo client=; fi"
        )

    def process(self, output: list[str]) -> DockerStatus:
        values = dict(line.partition("=")[::2] for line in output if "=" in line)
        return DockerStatus(
            client=values.get("client", "").strip(),
            compose=values.get("compose", "").strip(),
            server=values.get("server", "").strip(),
            server_error=values.get("server_error", "").strip(),
            engine=values.get("engine", "yes").strip() != "no",
        )


class ComposeContainers(NeedsDocker, FactBase[list[Container]]):
    """The project's containers as they run (state, health, exit code, config hash, image id).

    Addressed by project name only, from "/", so it answers without the compose file:
    before the first deploy, and for orphans. No containers is an empty list.
    """

    def command(self, project_name: str) -> str:
        argv = ["docker", "compose", "-p", project_name, "ps", "--all", "--no-trunc", "--format", "json"]
        # ps does not say whether a container is meant to keep running: inspect says it.
        return f"cd / && {{ {cmd.shell(argv)} && echo {SEPARATOR} && {cmd.run_traits(project_name)}; }}"

    def default(self) -> list[Container]:
        return []  # pyinfra skips process() on empty output: no containers

    def process(self, output: list[str]) -> list[Container]:
        ps_text, _, traits_text = "\n".join(output).partition(SEPARATOR)
        long_running = parse_long_running(traits_text)
        return [replace(c, long_running=c.container_id in long_running) for c in parse_ps(ps_text)]


@dataclass(frozen=True)
class DesiredConfig:
    hashes: dict[str, str]  # active services -> config hash
    services: tuple[str, ...]  # every service of the compose files, any profile


class ComposeDesiredConfig(NeedsDocker, FactBase["DesiredConfig | None"]):
    """Desired per-service config hashes; None when the compose file is not on the target yet."""

    def command(self, project: ComposeProject) -> str:
        first_file = project.path(project.files[0])
        every_profile = cmd.compose_base(project) + ["--profile", "*", "config", "--services"]
        return (
            f"if [ -f {cmd.shell([first_file])} ]; then "
            f"{cmd.shell(cmd.config_hashes(project))} && echo {SEPARATOR} && {cmd.shell(every_profile)}; "
            f"else echo {cmd.ABSENT}; fi"
        )

    def process(self, output: list[str]) -> DesiredConfig | None:
        if output and output[0].strip() == cmd.ABSENT:
            return None
        text = "\n".join(output)
        hashes_text, sep, services_text = text.partition(SEPARATOR)
        if not sep:
            raise ParseError(f"unexpected output of `docker compose config`: {text[:200]!r}")
        return DesiredConfig(
            hashes=parse_config_hashes(hashes_text),
            services=tuple(line.strip() for line in services_text.splitlines() if line.strip()),
        )


class ComposeBuildState(FactBase[dict[str, BuildRecord]]):
    """Per built service: the image's current id and the id its build-digest tag points to."""

    def command(self, builds: Mapping[str, LocalBuild]) -> str:
        lines = []
        for service, build in sorted(builds.items()):
            tagged = cmd.build_tag(build.image, build.digest)
            lines.append(
                f"printf '%s %s %s\\n' {cmd.shell([service])} "
                f"\"$({cmd.or_absent(cmd.image_id(build.image))})\" \"$({cmd.or_absent(cmd.image_id(tagged))})\""
            )
        return "; ".join(lines) or "true"

    def default(self) -> dict[str, BuildRecord]:
        return {}

    def process(self, output: list[str]) -> dict[str, BuildRecord]:
        records = {}
        for line in output:
            parts = line.split()
            if len(parts) != 3:
                raise ParseError(f"unexpected build state line: {line!r}")
            service, image_id, tagged_id = (None if part == cmd.ABSENT else part for part in parts)
            records[str(service)] = BuildRecord(image_id=image_id, tagged_id=tagged_id)
        return records


@dataclass(frozen=True)
class HealthDetails:
    status: str
    probes: tuple[str, ...]  # last probe outputs, newest last, each "exit N: output"
    log_tail: tuple[str, ...]


class ComposeServiceHealth(NeedsDocker, FactBase["HealthDetails | None"]):
    """Health details of one service for diagnostics: last probe outputs and log tail."""

    def command(self, project: ComposeProject, service: str, container_id: str, tail: int = 20) -> str:
        return (
            f"{cmd.or_absent(cmd.health_log(container_id))}; echo {SEPARATOR}; "
            f"{cmd.shell(cmd.logs(project, service, tail))} 2>&1 || true"
        )

    def process(self, output: list[str]) -> HealthDetails | None:
        text = "\n".join(output)
        health_text, _, logs_text = text.partition(SEPARATOR)
        return parse_health_details(health_text, logs_text)


def parse_health_details(health_text: str, logs_text: str) -> HealthDetails:
    """Docker's State.Health JSON (or "null"/ABSENT) plus raw log lines."""
    status, probes = "", ()
    try:
        health = json.loads(health_text.strip()) if health_text.strip() not in ("", cmd.ABSENT) else None
    except ValueError:
        health = None
    if isinstance(health, dict):
        status = str(health.get("Status", ""))
        probes = tuple(
            f"exit {entry.get('ExitCode')}: {str(entry.get('Output', '')).strip()[:500]}"
            for entry in (health.get("Log") or [])[-3:]
        )
    logs = tuple(line for line in logs_text.splitlines() if line.strip())
    return HealthDetails(status=status, probes=probes, log_tail=logs)


class ComposeProbes(NeedsDocker, FactBase[EngineLook]):
    """The target's clock, and per container of the project its restart count and the start
    time and exit code of its last health probes (probes.parse_look)."""

    def command(self, project_name: str) -> str:
        ids = cmd.shell(["docker", "compose", "-p", project_name, "ps", "--all", "-q"])
        # `index`: a container without a healthcheck has no State.Health ("map has no entry").
        template = '{{.Id}} {{.RestartCount}} {{with index .State "Health"}}{{range .Log}}{{.Start}}|{{.ExitCode}} {{end}}{{end}}'
        return f"cd / && date +%s%N && {{ {ids} | xargs -r {cmd.shell(['docker', 'inspect', '--format', template])} || true; }}"

    def process(self, output: list[str]) -> EngineLook:
        return parse_look(output)


@dataclass(frozen=True)
class ProjectResources:
    containers: tuple[str, ...]
    networks: tuple[str, ...]
    volumes: tuple[str, ...]


class ComposeProjectResources(NeedsDocker, FactBase[ProjectResources]):
    """Everything labelled with the project's name: containers, networks, volumes."""

    def command(self, project_name: str) -> str:
        listings = [cmd.shell(argv) for argv in cmd.project_resources(project_name)]
        return f"; echo {SEPARATOR}; ".join(listings)

    def default(self) -> ProjectResources:
        return ProjectResources(containers=(), networks=(), volumes=())  # no docker: nothing of it exists

    def process(self, output: list[str]) -> ProjectResources:
        sections: list[list[str]] = [[]]
        for line in output:
            if line.strip() == SEPARATOR:
                sections.append([])
            elif line.strip():
                sections[-1].append(line.strip())
        sections += [[]] * (3 - len(sections))
        return ProjectResources(*(tuple(section) for section in sections[:3]))


def parse_env_digests(lines: Sequence[str]) -> dict[str, str] | None:
    """`KEY digest` lines of `commands.env_digests`; None when the file is absent."""
    if any(line.strip() == cmd.ABSENT for line in lines):
        return None
    digests = {}
    for line in lines:
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or len(parts[1]) != 64:
            raise ParseError(f"unexpected env digest line: {line[:80]!r}")
        digests[parts[0]] = parts[1]
    return digests


class EnvFileDigests(FactBase["dict[str, str] | None"]):
    """KEY -> salted digest of its line, for each line of an env file; None when absent.

    Values never leave the target (see envdiff): a deploy tells which keys it adds,
    changes or removes without printing a secret, even at -vvv."""

    def command(self, path: str, salt: str) -> str:
        return cmd.env_digests(path, salt)

    def process(self, output: list[str]) -> dict[str, str] | None:
        return parse_env_digests(output)


@dataclass(frozen=True)
class TargetInputs:
    """A compose project's inputs as the target has them: compose file texts, env digests."""

    compose_texts: tuple[str | None, ...]  # per compose file; None: absent
    env_digests: tuple[dict[str, str] | None, ...]  # per env file; None: absent


class ComposeInputs(FactBase[TargetInputs]):
    """The target's compose files (their text: they hold no secret values, the env files
    do) and its env files' key digests, in one query."""

    def command(self, compose_paths: tuple[str, ...], env_paths: tuple[str, ...], salt: str) -> str:
        parts = [cmd.file_texts(compose_paths)] + [cmd.env_digests(path, salt) for path in env_paths]
        return f"; echo {SEPARATOR}; ".join(f"{{ {part}; }}" for part in parts)

    def process(self, output: list[str]) -> TargetInputs:
        sections: list[list[str]] = [[]]
        for line in output:
            if line.strip() == SEPARATOR:
                sections.append([])
            else:
                sections[-1].append(line)
        texts = tuple(_decode_file(line) for line in sections[0] if line.strip())
        return TargetInputs(compose_texts=texts, env_digests=tuple(parse_env_digests(s) for s in sections[1:]))


def _decode_file(line: str) -> str | None:
    line = line.strip()
    if line == cmd.ABSENT:
        return None
    if not line.startswith("file:"):
        raise ParseError(f"unexpected compose file line: {line[:80]!r}")
    try:
        return base64.b64decode(line[len("file:"):], validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError) as error:
        raise ParseError(f"compose file content is not base64: {error}") from None
