"""A failed update never leaves the stack down (issue 12): preflight, rollback, health both ways.

Every test starts from the default stack, healthy, and leaves it so.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import PYINFRA, REPO, assert_no_change, container_ids, deploy_local, ps, psql, run
from tests.e2e.test_deploy_changes import checkout  # noqa: F401 -- the module's copy of the repository

PROJECT = "infra"
TARGET = Path.home() / "devstack"


@pytest.fixture()
def port_6390_taken() -> Iterator[int]:
    """Another program listening on 127.0.0.1:6390 (this test process itself)."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 6390))
        listener.listen()
        yield 6390


@pytest.fixture(scope="module", autouse=True)
def stack_up(default_stack) -> None:
    """Every test here starts from the default stack, healthy: deployed again (a no-op when
    it runs), since modules before may have stopped or purged the session's stack."""
    deploy_local("deploy.py", "-y")


def target_files() -> dict[str, bytes]:
    return {name: (TARGET / name).read_bytes() for name in (".env", "infra/docker-compose.yml")}


def test_port_in_use_fails_before_anything_on_the_target_changes(default_stack, port_6390_taken):
    before, files = container_ids(PROJECT), target_files()
    for extra in ((), ("--dry",)):
        result = deploy_local("deploy.py", "-y", *extra, "--data", 'ports={"redis": 6390}', check=False)
        assert result.returncode == 2, result.stdout[-3000:]
        assert "ports.redis = 6390: 127.0.0.1:6390 is in use on @local by another process (pid " in result.stdout, result.stdout[-3000:]
        assert "choose another port or stop it" in result.stdout
        assert "Starting operation" not in result.stdout
        assert container_ids(PROJECT) == before
        assert target_files() == files
    assert {r["Service"]: r["Health"] for r in ps(PROJECT)} == dict.fromkeys(("postgres", "redis", "api", "web"), "healthy")


def test_the_stacks_own_ports_pass_preflight(default_stack):
    """A redeploy whose ports are held by the project's own containers is no conflict (a no-op)."""
    before = container_ids(PROJECT)
    deploy_local("deploy.py", "-y")
    assert container_ids(PROJECT) == before


def image_id(name: str) -> str:
    return run(["docker", "image", "inspect", "--format", "{{.Id}}", name]).stdout.strip()


def healthy_services() -> dict[str, str]:
    return {r["Service"]: r["Health"] for r in ps(PROJECT)}


def test_an_api_image_that_cannot_start_is_rolled_back(checkout):
    psql(PROJECT, "CREATE TABLE IF NOT EXISTS rollback_marker (v text); INSERT INTO rollback_marker VALUES ('kept')")
    images = {service: image_id(f"infra-{service}:latest") for service in ("api", "web")}
    dockerfile = checkout / "infra" / "docker" / "api.Dockerfile"
    good = dockerfile.read_text()
    target_dockerfile = (TARGET / "infra" / "docker" / "api.Dockerfile").read_bytes()
    dockerfile.write_text(good + '\nCMD ["sh", "-c", "echo bad start; exit 1"]\n')
    try:
        failed = deploy_local("deploy.py", "-y", cwd=checkout, check=False)
    finally:
        dockerfile.write_text(good)
    assert failed.returncode != 0, failed.stdout[-3000:]
    assert "api" in failed.stdout and "bad start" in failed.stdout, failed.stdout[-4000:]
    assert "rolled back: the previous files and images are serving again, healthy" in failed.stdout, failed.stdout[-4000:]
    assert {service: image_id(f"infra-{service}:latest") for service in images} == images
    assert (TARGET / "infra" / "docker" / "api.Dockerfile").read_bytes() == target_dockerfile
    assert healthy_services() == dict.fromkeys(("postgres", "redis", "api", "web"), "healthy")
    assert psql(PROJECT, "SELECT v FROM rollback_marker") == "kept"
    # The bad change reverted: no container changes. (The sync may refresh its manifest cache
    # once -- the rollback put older files back under the cache's newer stamps -- so the
    # run after that is the full no-op.)
    running = container_ids(PROJECT)
    deploy_local("deploy.py", "-y", cwd=checkout)
    assert container_ids(PROJECT) == running
    again = deploy_local("deploy.py", "-y", cwd=checkout)
    assert_no_change(again.stdout, operations=again.stdout.count("--> Starting operation:"))


def test_a_source_edit_that_crashes_the_api_fails_the_deploy_that_uploads_it(checkout):
    """The engine's last probe predates the upload: only a probe since counts. Sources are
    the developer's own work: not rolled back, so reverting the edit is what heals it."""
    main = checkout / "apps" / "api" / "app" / "main.py"
    good = main.read_text()
    main.write_text(good + "\nraise SystemExit('deliberately broken by the e2e test')\n")
    try:
        failed = deploy_local("deploy.py", "-y", cwd=checkout, check=False)
        assert failed.returncode != 0, failed.stdout[-3000:]
        assert "failed after" in failed.stdout and "api" in failed.stdout, failed.stdout[-4000:]
        assert "the last health probe since this deploy's changes failed" in failed.stdout, failed.stdout[-4000:]
        assert "rolled back" not in failed.stdout  # a source edit changes no definition
        assert "deliberately broken" in (TARGET / "apps" / "api" / "app" / "main.py").read_text()
    finally:
        main.write_text(good)
    healed = deploy_local("deploy.py", "-y", cwd=checkout)
    assert "api: healthy" in healed.stdout, healed.stdout[-3000:]
    assert healthy_services() == dict.fromkeys(("postgres", "redis", "api", "web"), "healthy")


def killed_at(operation: str, *args: str, cwd: Path = REPO, trigger: str = "") -> str:
    """Start a deploy, SIGKILL it (and the commands it started) once `operation` starts
    (or, with `trigger`, once a line holding it is printed)."""
    argv = [*PYINFRA, "@local", "deploy.py", "-y", *args]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen = []
    try:
        for line in process.stdout:
            seen.append(line)
            if (trigger or f"Starting operation: {operation}") in line:
                time.sleep(1)  # inside it, not at its edge
                os.killpg(process.pid, signal.SIGKILL)
                break
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen)[-3000:]
    return "".join(seen)


@pytest.mark.parametrize("operation", ["Compose up", "Wait for health"])
def test_a_deploy_killed_during_up_or_the_wait_converges_on_the_next_run(default_stack, operation):
    psql(PROJECT, "CREATE TABLE IF NOT EXISTS kill_marker (v text); INSERT INTO kill_marker VALUES ('kept')")
    moved = ("--data", 'ports={"redis": 6391}')
    killed_at(operation, *moved)
    again = deploy_local("deploy.py", "-y", *moved)
    assert "Redis: redis://localhost:6391" in again.stdout
    assert healthy_services() == dict.fromkeys(("postgres", "redis", "api", "web"), "healthy")
    deploy_local("deploy.py", "-y")  # back to the defaults for the tests after this one
    assert psql(PROJECT, "SELECT count(*) FROM kill_marker WHERE v = 'kept'") != "0"


BLIP = """
services:
  blip:
    image: {busybox}
    command: ["sh", "-c", "sleep 10; touch /tmp/ready; exec sleep 100000"]
    healthcheck: {{test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 2s, retries: 1}}
"""

LOOP = """
services:
  loop:
    image: {busybox}
    command: ["sh", "-c", "echo crashing on start; exit 1"]
    restart: always
"""


def compose_deploy(root: Path, project: str, grace: float, timeout: float = 120):
    env = dict(os.environ, TEST_PROJECT_DIR=str(root), TEST_PROJECT_NAME=project, TEST_TIMEOUT=str(timeout), TEST_GRACE=str(grace))
    argv = [*PYINFRA, "@local", str(REPO / "tests/e2e/compose_deploy.py"), "-y"]
    return run(argv, check=False, env=env, cwd=REPO, stderr_into_stdout=True)


@pytest.fixture()
def small_project(tmp_path, busybox_image):
    project = "e2e-reliability"
    yield tmp_path, project, busybox_image
    run(["docker", "compose", "-p", project, "down", "--volumes"], cwd="/", check=False)


def test_a_ten_second_unhealthy_blip_is_waited_out_within_the_grace(small_project):
    root, project, busybox = small_project
    (root / "compose.yml").write_text(BLIP.format(busybox=busybox))
    strict = compose_deploy(root, project, grace=0)  # the engine says unhealthy at once: without a grace, a failure
    assert strict.returncode != 0 and "blip: unhealthy" in strict.stdout, strict.stdout[-3000:]
    run(["docker", "compose", "-p", project, "down"], cwd="/")
    passed = compose_deploy(root, project, grace=15)
    assert passed.returncode == 0, passed.stdout[-3000:]
    assert "within the 15s grace" in passed.stdout and "blip: healthy" in passed.stdout, passed.stdout[-3000:]


def test_a_restart_loop_is_reported_within_30_seconds(small_project):
    root, project, busybox = small_project
    (root / "compose.yml").write_text(LOOP.format(busybox=busybox))
    start = time.monotonic()
    result = compose_deploy(root, project, grace=30, timeout=300)
    elapsed = time.monotonic() - start
    assert result.returncode != 0, result.stdout[-3000:]
    assert re.search(r"loop: looping \(restart loop: restarted \d+ times during the wait", result.stdout), result.stdout[-3000:]
    assert "crashing on start" in result.stdout
    assert elapsed < 30, f"reported after {elapsed:.0f}s"


def test_a_deploy_killed_during_an_image_build_converges_on_the_next_run(checkout):
    dockerfile = checkout / "infra" / "docker" / "api.Dockerfile"
    good = dockerfile.read_text()
    dockerfile.write_text(good + '\nRUN echo killed-build-marker > /tmp/marker && sleep 5\n')
    try:
        output = killed_at("Compose up", cwd=checkout, trigger="build api: ")  # its plan line, then the build
        assert "Starting operation: Compose up" in output, output[-3000:]
        again = deploy_local("deploy.py", "-y", cwd=checkout)
        assert healthy_services() == dict.fromkeys(("postgres", "redis", "api", "web"), "healthy"), again.stdout[-3000:]
        assert run(["docker", "compose", "-p", PROJECT, "exec", "-T", "api", "cat", "/tmp/marker"], cwd="/").stdout.strip() == "killed-build-marker"
    finally:
        dockerfile.write_text(good)
    deploy_local("deploy.py", "-y", cwd=checkout)  # back to the repository's Dockerfile
