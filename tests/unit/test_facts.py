"""facts.py: each fact's remote command by exact string, and process() on captured output."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyinfra_compose import commands as cmd
from pyinfra_compose.buildinputs import LocalBuild
from pyinfra_compose.envdiff import env_digests
from pyinfra_compose.errors import ParseError
from pyinfra_compose.facts import (
    ComposeBuildState,
    ComposeContainers,
    ComposeDesiredConfig,
    ComposeInputs,
    EnvFileDigests,
    TargetInputs,
    ComposeProjectResources,
    ComposeServiceHealth,
    DesiredConfig,
    DockerPresence,
    DockerStatus,
    HealthDetails,
    ProjectResources,
    parse_health_details,
)
from pyinfra_compose.plan import BuildRecord
from pyinfra_compose.project import ComposeProject

CAPTURED = Path(__file__).parent / "fixtures" / "compose-2.40.3"
ABSENT = "__pyinfra_compose_absent__"
SEP = "----pyinfra-compose----"
PROJECT = ComposeProject("/srv/app", "app", env_files=(".env",), profiles=("web",))
BASE = "docker compose --project-directory /srv/app -p app -f /srv/app/docker-compose.yml --env-file /srv/app/.env --profile web"
DIGEST = "ab" * 32


def lines(name: str) -> list[str]:
    return (CAPTURED / name).read_text().splitlines()


# DockerPresence


def test_docker_presence_command():
    assert DockerPresence().command() == (
        "if { command -v dockerd || [ -x /usr/sbin/dockerd ] || [ -x /usr/bin/dockerd ]; } >/dev/null 2>&1; "
        "then echo engine=yes; else echo engine=no; fi; "
        "if command -v docker >/dev/null 2>&1; then "
        "echo \"client=$(docker version --format '{{.Client.Version}}' 2>/dev/null | head -n1)\"; "
        'echo "compose=$(docker compose version --short 2>/dev/null)"; '
        "echo \"server=$(docker info --format '{{.ServerVersion}}' 2>/dev/null)\"; "
        "echo \"server_error=$(docker info --format '{{.ServerVersion}}' 2>&1 >/dev/null | head -n1)\"; "
        "else echo client=; fi"
    )


def test_docker_presence_all_there():
    status = DockerPresence().process(lines("fact-presence.txt"))
    assert status == DockerStatus(client="28.2.2", compose="2.40.3", server="20.10.24+dfsg1", server_error="")
    assert status.compose_v2


def test_docker_presence_docker_missing():
    status = DockerPresence().process(lines("fact-presence-nodocker.txt"))
    assert status == DockerStatus(client="", compose="", server="", server_error="")
    assert not status.compose_v2


def test_docker_presence_daemon_down():
    status = DockerPresence().process(lines("fact-presence-daemon-down.txt"))
    assert (status.client, status.compose, status.server) == ("28.2.2", "2.40.3", "")
    assert status.server_error == (
        "Cannot connect to the Docker daemon at unix:///nonexistent.sock. Is the docker daemon running?"
    )


@pytest.mark.parametrize(
    ("compose", "v2"),
    [("2.40.3", True), ("v2.17.0", True), ("3.0.0", True), ("1.29.2", False), ("", False), ("unknown", False)],
)
def test_compose_v2(compose, v2):
    assert DockerStatus("1", compose, "1", "").compose_v2 is v2


def test_docker_presence_client_without_engine():
    status = DockerPresence().process(["engine=no", *lines("fact-presence-daemon-down.txt")])
    assert status.client == "28.2.2" and not status.server and status.engine is False


def test_docker_presence_value_with_equals_sign():
    status = DockerPresence().process(["client=1", "compose=", "server=", "server_error=error: a=b"])
    assert status.server_error == "error: a=b"


# ComposeContainers


def test_containers_command_needs_no_compose_file():
    traits = '{{.Id}} {{with index .Config "Healthcheck"}}{{with index . "Test"}}{{index . 0}}{{end}}{{end}} {{.HostConfig.RestartPolicy.Name}}'
    assert ComposeContainers().command(project_name="app") == (
        "cd / && { docker compose -p app ps --all --no-trunc --format json && echo ----pyinfra-compose---- && "
        f"docker compose -p app ps --all -q | xargs -r docker inspect --format '{traits}' || true; }}"
    )
    assert ComposeContainers().command(project_name="x; rm -rf /").startswith(
        "cd / && { docker compose -p 'x; rm -rf /' ps --all --no-trunc --format json && "
    )


def test_containers_process():
    containers = ComposeContainers().process(lines("ps-with-oneoff.jsonl"))
    assert len(containers) == 9
    assert not any(c.long_running for c in containers)  # no inspect part: nothing known
    assert ComposeContainers().process([]) == []


def test_containers_process_marks_the_ones_meant_to_keep_running():
    ps = lines("ps-with-oneoff.jsonl")
    ids = [c.container_id for c in ComposeContainers().process(ps)]
    traits = [f"{ids[0]} CMD-SHELL no", f"{ids[1]}  unless-stopped", f"{ids[2]} NONE no", f"{ids[3]}  no", ""]
    containers = ComposeContainers().process([*ps, "----pyinfra-compose----", *traits])
    assert [c.container_id for c in containers if c.long_running] == ids[:2]


# ComposeDesiredConfig


def test_desired_config_command():
    assert ComposeDesiredConfig().command(project=PROJECT) == (
        "if [ -f /srv/app/docker-compose.yml ]; then "
        f"{BASE} config --hash '*' && echo {SEP} && {BASE} --profile '*' config --services; "
        f"else echo {ABSENT}; fi"
    )


def test_desired_config_command_quotes_the_file():
    project = ComposeProject("/srv/my app", "app", files=("x; rm -rf /",))
    assert ComposeDesiredConfig().command(project=project).startswith(
        "if [ -f '/srv/my app/x; rm -rf /' ]; then docker compose --project-directory '/srv/my app' -p app "
        "-f '/srv/my app/x; rm -rf /' config --hash '*' && "
    )


def test_desired_config_captured():
    desired = ComposeDesiredConfig().process(lines("fact-desired.txt"))
    assert isinstance(desired, DesiredConfig)
    assert sorted(desired.hashes) == ["done", "failed", "healthy", "plain", "scaled", "starting", "unhealthy"]
    assert desired.hashes["plain"] == "44cb0a0644742af284eb4dd7a5d9672bab7214bf9efea5765baa020f4a2f3342"
    # every service, whatever its profile: "created" is in profile "later", not enabled
    assert sorted(desired.services) == sorted([*desired.hashes, "created"])


def test_desired_config_absent_is_none():
    assert lines("fact-desired-absent.txt") == [ABSENT]
    assert ComposeDesiredConfig().process(lines("fact-desired-absent.txt")) is None


def test_desired_config_no_active_service():
    assert ComposeDesiredConfig().process([SEP, "debug"]) == DesiredConfig(hashes={}, services=("debug",))


def test_desired_config_without_separator_is_a_parse_error():
    with pytest.raises(ParseError, match="docker compose config"):
        ComposeDesiredConfig().process(["api abc"])


# ComposeBuildState


def test_build_state_command():
    builds = {"web": LocalBuild("reg:5000/web:1", DIGEST), "api": LocalBuild("app-api", DIGEST)}
    inspect = "docker image inspect --format '{{.Id}}'"
    absent = f"2>/dev/null | grep . || echo {ABSENT}"
    assert ComposeBuildState().command(builds=builds) == (
        f"printf '%s %s %s\\n' api \"$({inspect} app-api {absent})\" "
        f"\"$({inspect} app-api:pyinfra-build-{DIGEST} {absent})\"; "
        f"printf '%s %s %s\\n' web \"$({inspect} reg:5000/web:1 {absent})\" "
        f"\"$({inspect} reg:5000/web:pyinfra-build-{DIGEST} {absent})\""
    )


def test_build_state_command_without_builds():
    assert ComposeBuildState().command(builds={}) == "true"


def test_build_state_captured():
    records = ComposeBuildState().process(lines("fact-build-state.txt"))
    current = "sha256:86330a8352cc27d8e87ac9fe55cb9238531dc3703f06dd053068fa29d17b76ab"
    assert records == {
        "a": BuildRecord(image_id=current, tagged_id=current),
        "b": BuildRecord(image_id=None, tagged_id=None),
        "c": BuildRecord(
            image_id="sha256:d61a269b0c1985b13375fbbbbf8a5f586c577d5acbc682feecbdc7a9e24e8c43", tagged_id=None
        ),
    }


@pytest.mark.parametrize("line", ["api", "api sha256:1", "api a b c"])
def test_build_state_unexpected_line(line):
    with pytest.raises(ParseError, match="unexpected build state line"):
        ComposeBuildState().process([line])


# ComposeServiceHealth


def test_service_health_command():
    assert ComposeServiceHealth().command(project=PROJECT, service="api", container_id="c1", tail=5) == (
        f"docker inspect --format '{{{{json .State.Health}}}}' c1 2>/dev/null | grep . || echo {ABSENT}; "
        f"echo {SEP}; {BASE} logs --no-color --no-log-prefix --tail 5 api 2>&1 || true"
    )


def test_service_health_unhealthy_captured():
    details = ComposeServiceHealth().process(lines("fact-health-unhealthy.txt"))
    assert details == HealthDetails(status="unhealthy", probes=("exit 1: probe failed",) * 3, log_tail=())


def test_service_health_without_healthcheck_captured():
    details = ComposeServiceHealth().process(lines("fact-health-failed.txt"))
    assert details == HealthDetails(status="", probes=(), log_tail=("boom",))


@pytest.mark.parametrize("health_text", ["", ABSENT, "null", "not json", "[1]"])
def test_health_details_tolerate_missing_health(health_text):
    assert parse_health_details(health_text, "a\n\nb\n") == HealthDetails("", (), ("a", "b"))


def test_health_details_cut_long_probe_output():
    details = parse_health_details('{"Status": "starting", "Log": [{"ExitCode": 1, "Output": "' + "x" * 900 + '"}]}', "")
    assert details.status == "starting" and details.probes == ("exit 1: " + "x" * 500,)


# ComposeProjectResources


def test_project_resources_command():
    label = "label=com.docker.compose.project=app"
    assert ComposeProjectResources().command(project_name="app") == (
        f"docker ps --all --quiet --filter {label}; echo {SEP}; "
        f"docker network ls --quiet --filter {label}; echo {SEP}; "
        f"docker volume ls --quiet --filter {label}"
    )


def test_project_resources_running_captured():
    resources = ComposeProjectResources().process(lines("fact-resources-running.txt"))
    assert len(resources.containers) == 10 and "decc3dacef00" in resources.containers
    assert resources.networks == ("017dab0291a8",)
    assert resources.volumes == ()


def test_project_resources_with_volume_captured():
    assert ComposeProjectResources().process(lines("fact-resources-with-volume.txt")) == ProjectResources(
        containers=("d177e525dbfb",), networks=("95b5c1e831a0",), volumes=("unit-capture-b_data",)
    )


def test_project_resources_volumes_only_captured():
    assert ComposeProjectResources().process(lines("fact-resources-volumes-only.txt")) == ProjectResources(
        containers=(), networks=(), volumes=("unit-capture-b_data",)
    )


@pytest.mark.parametrize("output", [lines("fact-resources-none.txt"), [], [SEP]])
def test_project_resources_nothing(output):
    assert ComposeProjectResources().process(output) == ProjectResources((), (), ())


# ComposeInputs / EnvFileDigests


def test_compose_inputs_command():
    command = ComposeInputs().command(compose_paths=("/srv/app/docker-compose.yml",), env_paths=("/srv/.env",), salt="ab" * 8)
    assert command == (
        f"{{ {cmd.file_texts(['/srv/app/docker-compose.yml'])}; }}; echo {SEP}; "
        f"{{ {cmd.env_digests('/srv/.env', 'ab' * 8)}; }}"
    )


def test_compose_inputs_run_for_real(tmp_path):
    """The fact's own command with sh: indentation survives, digests match local ones, absent is None."""
    import subprocess

    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  api:\n    image: x\n\n    # gap above\n")
    env = tmp_path / ".env"
    env.write_text("A='1'\nB='secret'\n")
    fact = ComposeInputs()
    command = fact.command(
        compose_paths=(str(compose), str(tmp_path / "missing.yml")),
        env_paths=(str(env), str(tmp_path / "missing.env")),
        salt="cd" * 8,
    )
    out = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True).stdout
    assert "secret" not in out
    inputs = fact.process(out.splitlines())
    assert inputs == TargetInputs(
        compose_texts=(compose.read_text(), None),
        env_digests=(env_digests(env.read_text(), "cd" * 8), None),
    )


def test_compose_inputs_bad_output():
    with pytest.raises(ParseError, match="unexpected compose file line"):
        ComposeInputs().process(["garbage"])
    with pytest.raises(ParseError, match="not base64"):
        ComposeInputs().process(["file:***"])
    with pytest.raises(ParseError, match="unexpected env digest line"):
        ComposeInputs().process(["file:", SEP, "KEY value with spaces"])


def test_env_file_digests():
    fact = EnvFileDigests()
    assert fact.command(path="/srv/.env", salt="ab" * 8) == cmd.env_digests("/srv/.env", "ab" * 8)
    assert fact.process([ABSENT]) is None
    assert fact.process([f"A {'0' * 64}", "", f"?1 {'1' * 64}"]) == {"A": "0" * 64, "?1": "1" * 64}


@pytest.mark.parametrize("fact", [ComposeContainers, ComposeDesiredConfig, ComposeServiceHealth, ComposeProjectResources])
def test_engine_facts_need_docker_and_default_to_absent(fact):
    # pyinfra returns default() where `docker` is missing (a bare box, e.g. in a dry run).
    assert fact().requires_command() == "docker"
    assert fact().default() in ([], {}, None, ProjectResources(containers=(), networks=(), volumes=()))


def test_build_state_without_docker_says_every_image_is_absent(tmp_path):
    # Not a requires_command fact: its default ({}) would read as "nothing to build".
    import shutil
    import subprocess

    (tmp_path / "grep").symlink_to(shutil.which("grep"))  # a PATH with grep and no docker
    builds = {"api": LocalBuild(image="app-api", digest="d" * 64)}
    command = ComposeBuildState().command(builds=builds)
    output = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, env={"PATH": str(tmp_path)}).stdout
    [record] = ComposeBuildState().process(output.splitlines()).values()
    assert (record.image_id, record.tagged_id) == (None, None)
