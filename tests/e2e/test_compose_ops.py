"""pyinfra_compose against the real engine, on a small stack built from busybox.

apply -> apply again (no change, same containers) -> change one service -> edit one
Dockerfile -> a never-healthy service fails the deploy, every time, naming it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.e2e.helpers import PYINFRA, REPO, assert_no_change, container_ids, run

PROJECT = "e2e-compose-ops"

COMPOSE = """
services:
  front:
    build: {{context: ./front}}
    environment:
      GREETING: "{greeting}"
    command: ["sh", "-c", "touch /tmp/ready; exec sleep 100000"]
    healthcheck: {{test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 2s, retries: 3}}
    depends_on:
      back: {{condition: service_healthy}}
  back:
    build: {{context: ./back}}
    command: ["sh", "-c", "touch /tmp/ready; exec sleep 100000"]
    healthcheck: {{test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, timeout: 2s, retries: 3}}
  plain:
    image: {busybox}
    command: ["sleep", "100000"]
"""

NEVER_HEALTHY = """
services:
  sick:
    image: {busybox}
    command: ["sleep", "100000"]
    healthcheck:
      test: ["CMD", "sh", "-c", "echo probe-says-database-unreachable; exit 1"]
      interval: 1s
      timeout: 2s
      retries: 2
"""


def write_stack(root: Path, busybox: str, greeting: str = "hello", front_marker: str = "v1") -> None:
    (root / "compose.yml").write_text(COMPOSE.format(greeting=greeting, busybox=busybox))
    for service, marker in (("front", front_marker), ("back", "v1")):
        (root / service).mkdir(exist_ok=True)
        (root / service / "Dockerfile").write_text(f"FROM {busybox}\nLABEL marker={marker}\n")


def deploy(root: Path, project: str = PROJECT, timeout: float = 60, check: bool = True):
    """Run the deploy; pyinfra logs to stderr, so `.stdout` of the result holds both streams."""
    env = dict(os.environ, TEST_PROJECT_DIR=str(root), TEST_PROJECT_NAME=project, TEST_TIMEOUT=str(timeout))
    argv = [*PYINFRA, "@local", str(REPO / "tests/e2e/compose_deploy.py"), "-y"]
    return run(argv, check=check, env=env, cwd=REPO, stderr_into_stdout=True)


def image_id(image: str) -> str:
    return run(["docker", "image", "inspect", "--format", "{{.Id}}", image]).stdout.strip()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, busybox_image):
    root = tmp_path_factory.mktemp("compose-ops")
    write_stack(root, busybox_image)
    yield root
    run(["docker", "compose", "-p", PROJECT, "down", "--volumes", "--remove-orphans"], cwd="/", check=False)
    run(["docker", "image", "rm", "--force", f"{PROJECT}-front", f"{PROJECT}-back"], check=False)


def test_apply_brings_every_service_up_healthy(stack):
    result = deploy(stack)
    states = {service: ids for service, ids in container_ids(PROJECT).items()}
    assert set(states) == {"front", "back", "plain"}
    assert "create front: container missing" in result.stdout
    assert re.search(r"front: healthy", result.stdout)


def test_second_apply_changes_nothing(stack):
    before = container_ids(PROJECT)
    result = deploy(stack)
    assert container_ids(PROJECT) == before  # same containers, same start times
    assert_no_change(result.stdout, operations=2)


def test_config_change_recreates_only_that_service(stack, busybox_image):
    before = container_ids(PROJECT)
    write_stack(stack, busybox_image, greeting="changed")
    result = deploy(stack)
    after = container_ids(PROJECT)
    assert "recreate front: config changed" in result.stdout
    assert after["front"][0] != before["front"][0]
    assert after["back"] == before["back"] and after["plain"] == before["plain"]


def test_dockerfile_change_rebuilds_only_that_service(stack, busybox_image):
    before = container_ids(PROJECT)
    images_before = {s: image_id(f"{PROJECT}-{s}") for s in ("front", "back")}
    write_stack(stack, busybox_image, greeting="changed", front_marker="v2")
    result = deploy(stack)
    assert "build front: Dockerfile or build context changed" in result.stdout
    assert "build back" not in result.stdout
    assert image_id(f"{PROJECT}-front") != images_before["front"]
    assert image_id(f"{PROJECT}-back") == images_before["back"]
    after = container_ids(PROJECT)
    assert after["front"][0] != before["front"][0]
    assert after["back"] == before["back"] and after["plain"] == before["plain"]
    # and the next run is a no-op again
    assert_no_change(deploy(stack).stdout, operations=2)


def test_a_stopped_service_is_started(stack):
    run(["docker", "compose", "-p", PROJECT, "stop", "plain"], cwd="/")
    result = deploy(stack)
    assert "start plain: container is exited" in result.stdout
    assert {r for r in container_ids(PROJECT)} == {"front", "back", "plain"}


def test_never_healthy_service_fails_every_time_naming_it(tmp_path, busybox_image):
    (tmp_path / "compose.yml").write_text(NEVER_HEALTHY.format(busybox=busybox_image))
    project = "e2e-compose-sick"
    try:
        for attempt in range(10):
            result = deploy(tmp_path, project=project, timeout=20, check=False)
            output = result.stdout
            assert result.returncode != 0, f"attempt {attempt}: a never-healthy service was reported healthy"
            assert "sick" in output and "unhealthy" in output, output[-2000:]
            assert "probe-says-database-unreachable" in output, output[-2000:]
            run(["docker", "compose", "-p", project, "down"], cwd="/")
    finally:
        run(["docker", "compose", "-p", project, "down", "--volumes"], cwd="/", check=False)
