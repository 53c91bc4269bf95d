"""devstack.operations.docker_present: the engine's state in, the install steps out."""

from __future__ import annotations


import pytest
from pyinfra.api import FunctionCommand, OperationError, StringCommand
from pyinfra.facts.server import Arch, LinuxDistribution

from devstack import facts, operations
from pyinfra_compose.facts import DockerPresence, DockerStatus
from pyinfra_compose import progress
from tests.unit.fakes import FakeHost

READY = DockerStatus(client="28.2.2", compose="2.40.3", server="20.10.24", server_error="")
DOWN = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
DENIED = "permission denied while trying to connect to the Docker daemon socket"
DEBIAN = {"name": "Debian", "release_meta": {"ID": "debian"}}


def plan(monkeypatch, status: DockerStatus, user: str = "root", distribution=DEBIAN, install: bool = True) -> list[str]:
    answers = {DockerPresence: status, LinuxDistribution: distribution, facts.LoginUser: user, Arch: "x86_64"}
    monkeypatch.setattr(operations, "host", FakeHost(answers, name="box"))
    out = []
    for command in operations.docker_present._inner(install=install):
        if isinstance(command, FunctionCommand):
            out.append(f"callback {command.function.__name__}")
        else:
            assert isinstance(command, StringCommand)
            out.append(str(command))
    return out


def test_ready_is_a_noop(monkeypatch):
    assert plan(monkeypatch, READY) == []
    assert operations.host.noops == ["docker 20.10.24 and compose 2.40.3 are ready"]


def test_client_only_installs_the_engine_then_starts_it(monkeypatch):
    status = DockerStatus(client="28.2.2", compose="2.40.3", server="", server_error=DOWN, engine=False)
    commands = plan(monkeypatch, status)
    assert len(commands) == 2
    assert commands[0].startswith("export DEBIAN_FRONTEND=noninteractive && apt-get update -qq && apt-get install -y -qq docker.io")
    assert "nohup dockerd" in commands[1]


def test_daemon_down_with_the_engine_installed_only_starts_it(monkeypatch):
    status = DockerStatus(client="28.2.2", compose="2.40.3", server="", server_error=DOWN, engine=True)
    [start] = plan(monkeypatch, status)
    assert start.startswith("if [ -d /run/systemd/system ]; then systemctl enable --now docker;")


def test_bare_box_as_a_sudo_user(monkeypatch):
    commands = plan(monkeypatch, DockerStatus("", "", "", "", engine=False), user="dev")
    assert [c.split(" && sudo -n sh -c ")[0].startswith("{ sudo -n true") for c in commands if not c.startswith("callback")] == [True] * 3
    assert commands[1] == "callback _install_compose"
    assert "usermod -aG docker dev" in commands[3]
    assert commands[4] == "callback _reconnect"


def test_user_not_in_the_docker_group_joins_it_and_reconnects(monkeypatch):
    commands = plan(monkeypatch, DockerStatus("28.2.2", "2.40.3", "", DENIED), user="dev")
    assert len(commands) == 2 and "usermod -aG docker dev" in commands[0] and commands[1] == "callback _reconnect"


def test_not_allowed_to_install_says_what_is_missing(monkeypatch):
    with pytest.raises(OperationError, match=r"Docker is not ready on box \(client missing, compose v2 missing, daemon not answering\).*install_docker = True"):
        plan(monkeypatch, DockerStatus("", "", "", "", engine=False), install=False)


def test_other_systems_get_a_clear_error(monkeypatch):
    with pytest.raises(OperationError, match="box is not Debian/Ubuntu: install the Docker engine and compose v2 yourself"):
        plan(monkeypatch, DockerStatus("", "", "", "", engine=False), distribution={"name": "Fedora"})


# offline_images and the stand-ins a stack uses

from devstack.stack import LOCAL_IMAGES, OFFICIAL_IMAGES, stand_ins  # noqa: E402
from pyinfra.facts.server import Which  # noqa: E402

USED = {"devstack-local/postgres:17": "postgres", "devstack-local/redis:8": "redis",
        "devstack-local/python:3.13": "python", "devstack-local/node:20": "node"}


def test_stand_ins_of_the_local_images_without_and_with_pgadmin():
    assert stand_ins(dict(LOCAL_IMAGES), ()) == USED
    assert stand_ins(dict(LOCAL_IMAGES), ("pgadmin",)) == {**USED, "devstack-local/pgadmin4:latest": "pgadmin"}
    assert stand_ins(dict(OFFICIAL_IMAGES), ("pgadmin",)) == {}


def offline(monkeypatch, missing: list[str], user: str = "root") -> list[str]:
    answers = {facts.MissingImages: missing, facts.LoginUser: user, Which: "/usr/sbin/debootstrap", LinuxDistribution: DEBIAN}
    monkeypatch.setattr(operations, "host", FakeHost(answers, name="box"))
    out = []
    for command in operations.offline_images._inner(images_dir="/srv/d s/images", wanted=USED):
        if isinstance(command, FunctionCommand):  # a build with progress lines: label, command line
            assert command.function.__wrapped__ is progress.run_with_progress
            out.append(" | ".join(command.args))
        else:
            out.append(str(command))
    return out


def test_offline_images_builds_only_the_missing_ones_one_at_a_time(monkeypatch):
    assert offline(monkeypatch, ["devstack-local/redis:8", "devstack-local/node:20"]) == [
        "build devstack-local/node:20 | bash '/srv/d s/images/build.sh' node",
        "build devstack-local/redis:8 | bash '/srv/d s/images/build.sh' redis",
    ]


def test_offline_images_present_is_a_noop(monkeypatch):
    assert offline(monkeypatch, []) == []
    assert operations.host.noops == [f"stand-in images present: {', '.join(USED)}"]
