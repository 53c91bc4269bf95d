"""pyinfra_compose.preflight: the one-round-trip read and its judge (captured output as data)."""

from __future__ import annotations

import dataclasses
import subprocess

from pyinfra_compose.listeners import Listener, WantedPort
from pyinfra_compose.preflight import SEPARATOR, TargetState, findings, parse_state, state_command

from devstack.preflight import published_ports
from devstack.settings import Settings
from tests.unit.test_devstack import check, defaults

CAPTURED = f"""\
   0: 0100007F:18F6 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 49267 1 0 100 0 0 10 0
{SEPARATOR}
LISTEN 0 128 127.0.0.1:6390 0.0.0.0:* users:(("python3",pid=7678,fd=3))
{SEPARATOR}
docker=yes
daemon_error=
infra-redis-1|infra|redis|127.0.0.1:6379->6379/tcp
docker_root=/var/lib/docker
docker_free=2097152
build=api
missing=devstack-local/redis:8
{SEPARATOR}
dir=/home/dev/devstack
writable=yes
unwritable=
project_free=1048576
"""

OK = TargetState(
    listeners=(), published=(), docker=True, daemon_error="", project_dir="/srv/x", writable=True, unwritable="",
    project_free_mib=10_000, docker_root="/var/lib/docker", docker_free_mib=10_000, planned_builds=(), missing_images=(),
)
REDIS = WantedPort("ports.redis = 6390", "redis", "127.0.0.1", 6390)


def test_parse_state_reads_every_section():
    state = parse_state(CAPTURED)
    assert state.listeners == (Listener("127.0.0.1", 6390, "pid 7678, python3"),)
    assert [(p.container, p.port) for p in state.published] == [("infra-redis-1", 6379)]
    assert (state.docker, state.daemon_error, state.writable) == (True, "", True)
    assert (state.docker_free_mib, state.project_free_mib) == (2048, 1024)
    assert state.planned_builds == ("api",) and state.missing_images == ("devstack-local/redis:8",)
    assert state.project_dir == "/home/dev/devstack"


def test_state_command_runs_in_sh_and_parses(tmp_path):
    """The real command, on this machine: it must be valid sh and answer for a missing directory."""
    text = subprocess.run(["sh", "-c", state_command(str(tmp_path / "new" / "dir"), {}, ())], capture_output=True, text=True).stdout
    state = parse_state(text)
    assert state.project_dir == str(tmp_path) and state.writable


def test_hostile_values_are_quoted():
    command = state_command("/srv/x'; rm -rf /", {"api": "img:'; rm -rf /"}, ("a'; rm -rf /",))
    assert "'/srv/x'\"'\"'; rm -rf /'" in command
    assert "rm -rf /;" not in command.replace("'; rm -rf /'", "")


def test_nothing_wrong_is_no_finding():
    assert findings(OK, [REDIS], "infra", "box", docker_installable=False) == []


def test_port_in_use_is_named():
    state = dataclasses.replace(OK, listeners=(Listener("127.0.0.1", 6390, "pid 7, nc"),))
    assert findings(state, [REDIS], "infra", "box", False) == [
        "ports.redis = 6390: 127.0.0.1:6390 is in use on box by another process (pid 7, nc): choose another port or stop it"
    ]


def test_daemon_down_is_a_finding_only_when_the_deploy_cannot_start_it():
    state = dataclasses.replace(OK, daemon_error="Cannot connect to the Docker daemon")
    assert findings(state, [], "infra", "box", docker_installable=True) == []
    [problem] = findings(state, [], "infra", "box", docker_installable=False)
    assert problem.startswith("the Docker daemon on box does not answer (Cannot connect to the Docker daemon): start it")


def test_unwritable_project_dir():
    [problem] = findings(dataclasses.replace(OK, writable=False), [], "infra", "box", False)
    assert problem.startswith("project_dir: /srv/x on box is not writable by the login user")
    [problem] = findings(dataclasses.replace(OK, unwritable="/srv/x/.env"), [], "infra", "box", False)
    assert "/srv/x/.env on box is not writable" in problem and "chown" in problem


def test_disk_for_planned_builds_follows_the_documented_estimate():
    state = dataclasses.replace(OK, planned_builds=("api", "web"), missing_images=("devstack-local/redis:8",), docker_free_mib=3000)
    [problem] = findings(state, [], "infra", "box", False)
    assert problem == (
        "disk: 3000 MiB free on box:/var/lib/docker (Docker's storage), the planned builds "
        "(api, web, devstack-local/redis:8) need about 3840 MiB: free some space (e.g. `docker builder prune`) or enlarge the disk"
    )
    assert findings(dataclasses.replace(state, docker_free_mib=3840), [], "infra", "box", False) == []
    assert findings(dataclasses.replace(OK, docker_free_mib=10), [], "infra", "box", False) == []  # nothing to build


def test_project_disk_nearly_full():
    [problem] = findings(dataclasses.replace(OK, project_free_mib=100), [], "infra", "box", False)
    assert problem.startswith("disk: 100 MiB free on box:/srv/x, the upload needs about 256 MiB")


def _settings(profiles=()) -> Settings:
    return check({"ports": {**defaults()["ports"], "redis": 6390}, "profiles": list(profiles)})


def test_the_stack_publishes_its_ports_pgadmin_only_with_its_profile():
    assert [(w.label, w.service) for w in published_ports(_settings())] == [
        ("ports.api = 8000", "api"), ("ports.postgres = 5432", "postgres"), ("ports.redis = 6390", "redis"), ("ports.web = 3000", "web"),
    ]
    assert "pgadmin" in [w.service for w in published_ports(_settings(("pgadmin",)))]
