"""Preflight: what would make a deploy fail half-way, found before it touches the target.

One fact reads everything in one round trip (listeners, the engine's published ports,
the daemon, free disk, whether the project directory is writable, which builds are
planned); `findings` judges it, purely. Each finding names the cause and the remedy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyinfra.api import FactBase

from pyinfra_compose import commands as cmd
from pyinfra_compose.listeners import (
    Listener,
    Published,
    WantedPort,
    merge_listeners,
    parse_docker_ports,
    parse_proc_net_tcp,
    parse_ss,
    port_conflicts,
)

SEPARATOR = "----pyinfra-compose-preflight----"
MIB = 1024 * 1024
# The documented estimate of the disk a build needs: the image plus its build cache.
# Measured here (docker images): infra-api 275 MB, infra-web 663 MB, the stand-ins
# 90-400 MB; 1.5 GiB per build leaves room for its layers, cache and a kept old image
# (README "Reliability").
BUILD_MIB = 1536
IMAGE_MIB = 512
# Room for the upload, the .env and compose's own state, whatever is built.
BASE_MIB = 256


@dataclass(frozen=True)
class TargetState:
    listeners: tuple[Listener, ...]
    published: tuple[Published, ...]
    docker: bool  # the docker CLI is there
    daemon_error: str  # "" when the daemon answers
    project_dir: str  # the project directory, or its nearest existing ancestor
    writable: bool
    unwritable: str  # first entry inside project_dir the login user cannot write, "" if none
    project_free_mib: int | None
    docker_root: str
    docker_free_mib: int | None
    planned_builds: tuple[str, ...]  # services without an image built from their current inputs
    missing_images: tuple[str, ...]  # images to be built on the target (stand-ins)


def _free(path_var: str, name: str) -> str:
    return f'echo "{name}=$(df -Pk "${path_var}" 2>/dev/null | awk \'NR==2 {{print $4}}\')"'


def state_command(project_dir: str, build_tags: Mapping[str, str], images: Sequence[str]) -> str:
    """Shell: the whole preflight read, sections separated by SEPARATOR."""
    ports = '{{.Names}}|{{.Label "com.docker.compose.project"}}|{{.Label "com.docker.compose.service"}}|{{.Ports}}'
    builds = "; ".join(
        f"{cmd.shell(cmd.image_id(tag))} >/dev/null 2>&1 || echo build={cmd.shell([service])}"
        for service, tag in sorted(build_tags.items())
    )
    missing = "; ".join(f"{cmd.shell(cmd.image_id(image))} >/dev/null 2>&1 || echo missing={cmd.shell([image])}" for image in images)
    docker = (
        "if command -v docker >/dev/null 2>&1; then echo docker=yes; "
        f'err="$(docker info --format "{{{{.ServerVersion}}}}" 2>&1 >/dev/null | head -n1)"; echo "daemon_error=$err"; '
        f"{cmd.shell(['docker', 'ps', '--format', ports])} 2>/dev/null; "
        'root="$(docker info --format "{{.DockerRootDir}}" 2>/dev/null)"; echo "docker_root=$root"; '
        f"{_free('root', 'docker_free')}; {builds or 'true'}; {missing or 'true'}; "
        "else echo docker=no; fi"
    )
    directory = (
        f"d={cmd.shell([project_dir])}; while [ ! -e \"$d\" ]; do d=\"$(dirname \"$d\")\"; done; echo \"dir=$d\"; "
        'if [ -d "$d" ] && [ -w "$d" ]; then echo writable=yes; else echo writable=no; fi; '
        f'if [ "$d" = {cmd.shell([project_dir])} ]; then echo "unwritable=$(find "$d" -maxdepth 2 ! -writable -print 2>/dev/null | head -n1)"; fi; '
        f"{_free('d', 'project_free')}"
    )
    return (
        f"cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; echo {SEPARATOR}; "
        f"ss -Hltnp 2>/dev/null; echo {SEPARATOR}; "
        f"{docker}; echo {SEPARATOR}; {directory}"
    )


def _mib(value: str | None) -> int | None:
    return int(value) // 1024 if value and value.strip().isdigit() else None


def parse_state(text: str) -> TargetState:
    proc, ss, docker, directory = (text.split(SEPARATOR) + ["", "", "", ""])[:4]
    values: dict[str, str] = {}
    builds, missing, port_lines = [], [], []
    for line in (docker + "\n" + directory).splitlines():
        key, sep, value = line.strip().partition("=")
        if "|" in line and not (sep and key.isidentifier()):
            port_lines.append(line)
        elif key == "build":
            builds.append(value)
        elif key == "missing":
            missing.append(value)
        elif sep:
            values[key] = value.strip()
    return TargetState(
        listeners=tuple(merge_listeners(parse_proc_net_tcp(proc), parse_ss(ss))),
        published=tuple(parse_docker_ports("\n".join(port_lines))),
        docker=values.get("docker") == "yes",
        daemon_error=values.get("daemon_error", ""),
        project_dir=values.get("dir", ""),
        writable=values.get("writable") == "yes",
        unwritable=values.get("unwritable", ""),
        project_free_mib=_mib(values.get("project_free")),
        docker_root=values.get("docker_root", ""),
        docker_free_mib=_mib(values.get("docker_free")),
        planned_builds=tuple(builds),
        missing_images=tuple(missing),
    )


class TargetPreflight(FactBase[TargetState]):
    """Everything the preflight judges, in one query; works on a box without docker."""

    def command(self, project_dir: str, build_tags: Mapping[str, str], images: Sequence[str]) -> str:
        return state_command(project_dir, build_tags, images)

    def process(self, output: list[str]) -> TargetState:
        return parse_state("\n".join(output))


def needed_mib(state: TargetState) -> int:
    """The documented estimate: per planned build BUILD_MIB, per image to make IMAGE_MIB."""
    return BUILD_MIB * len(state.planned_builds) + IMAGE_MIB * len(state.missing_images)


def findings(
    state: TargetState,
    wanted: Sequence[WantedPort],
    project_name: str,
    host_name: str,
    docker_installable: bool,
) -> list[str]:
    """Every reason this deploy would fail on the target, each with what to do; [] when none."""
    problems = [c.message(host_name) for c in port_conflicts(wanted, state.listeners, state.published, project_name)]
    if state.docker and state.daemon_error and not docker_installable:
        problems.append(
            f"the Docker daemon on {host_name} does not answer ({state.daemon_error}): start it "
            "(e.g. `sudo systemctl start docker`), or set install_docker = True to let the deploy start it"
        )
    if not state.writable:
        problems.append(
            f"project_dir: {state.project_dir or 'its directory'} on {host_name} is not writable by the login user: "
            "choose another project_dir or give the user write access"
        )
    elif state.unwritable:
        problems.append(
            f"project_dir: {state.unwritable} on {host_name} is not writable by the login user "
            "(left by a deploy as another user?): fix its owner (chown) or choose another project_dir"
        )
    builds = needed_mib(state)
    if state.docker and state.docker_free_mib is not None and builds and state.docker_free_mib < builds + BASE_MIB:
        what = ", ".join([*state.planned_builds, *state.missing_images])
        problems.append(
            f"disk: {state.docker_free_mib} MiB free on {host_name}:{state.docker_root} (Docker's storage), "
            f"the planned builds ({what}) need about {builds + BASE_MIB} MiB: free some space "
            "(e.g. `docker builder prune`) or enlarge the disk"
        )
    if state.project_free_mib is not None and state.project_free_mib < BASE_MIB:
        problems.append(
            f"disk: {state.project_free_mib} MiB free on {host_name}:{state.project_dir}, the upload needs about "
            f"{BASE_MIB} MiB: free some space or choose another project_dir"
        )
    return problems
