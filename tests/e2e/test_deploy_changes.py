"""Redeploys after a change: only what depends on the change moves (issue 4's acceptance).

The tests edit a copy of the repository (never the repository itself, which other
tests read) and deploy from it onto the default stack; the copy carries the same
secrets.env, so the .env it renders is the same. They run in file order and each
builds on the stack the one before left.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

import pytest

from tests.e2e.helpers import REPO, container_ids, deploy_local, http_get, psql, run, wait_for

PROJECT = "infra"
CORE = {"postgres", "redis", "api", "web"}
SKIP = shutil.ignore_patterns(".git", ".venv", "node_modules", ".next", "__pycache__", ".pytest_cache", ".work")


@pytest.fixture(scope="module")
def checkout(default_stack, tmp_path_factory) -> Path:
    """A copy of the repository (with the secrets the default stack was deployed with)."""
    copy = tmp_path_factory.mktemp("checkout") / "repo"
    shutil.copytree(REPO, copy, ignore=SKIP)
    os.symlink(REPO / ".venv", copy / ".venv")  # the package.json scripts call .venv/bin/pyinfra
    return copy


def deploy(checkout: Path, *args: str, check: bool = True):
    return deploy_local("deploy.py", "-y", *args, cwd=checkout, check=check)


def moved(before: dict, after: dict) -> set[str]:
    """Services whose container was recreated or restarted."""
    return {service for service in before.keys() | after.keys() if before.get(service) != after.get(service)}


def image_id(name: str) -> str:
    return run(["docker", "image", "inspect", "--format", "{{.Id}}", name]).stdout.strip()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path} no longer contains {old!r}: update this test"
    assert text.count(old) == 1, f"{path} contains {old!r} more than once: make it precise"
    path.write_text(text.replace(old, new))


def test_the_copy_deploys_as_a_no_op(checkout):
    before = container_ids(PROJECT)
    deploy(checkout)
    assert container_ids(PROJECT) == before


def test_api_port_change_recreates_only_the_services_that_use_it(checkout):
    before = container_ids(PROJECT)
    edit(checkout / "group_data" / "all.py", 'ports = {"api": 8000', 'ports = {"api": 8001')
    result = deploy(checkout)
    after = container_ids(PROJECT)
    # api publishes the port; web's NEXT_PUBLIC_API_BASE_URL and api's CORS list name it.
    assert moved(before, after) == {"api", "web"}, result.stdout[-3000:]
    assert "API: http://localhost:8001" in result.stdout
    assert http_get("http://127.0.0.1:8001/health")[0] == 200
    edit(checkout / "group_data" / "all.py", 'ports = {"api": 8001', 'ports = {"api": 8000')
    deploy(checkout)
    assert http_get("http://127.0.0.1:8000/health")[0] == 200


def test_api_dockerfile_edit_rebuilds_and_recreates_only_api(checkout):
    images = {"api": image_id("infra-api:latest"), "web": image_id("infra-web:latest")}
    before = container_ids(PROJECT)
    dockerfile = checkout / "infra" / "docker" / "api.Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + f'\nLABEL org.example.e2e="{uuid.uuid4().hex}"\n')
    result = deploy(checkout)
    assert image_id("infra-api:latest") != images["api"], "api was not rebuilt"
    assert image_id("infra-web:latest") == images["web"], "web was rebuilt"
    assert moved(before, container_ids(PROJECT)) == {"api"}, result.stdout[-3000:]
    # the build says when it starts and ends, with its time (pyinfra_compose.progress)
    assert "[@local] build infra-api: started" in result.stdout, result.stdout[-3000:]
    assert re.search(r"\[@local\] build infra-api: done in \d+s", result.stdout), result.stdout[-3000:]


def test_api_source_edit_recreates_nothing_and_the_api_reloads_it(checkout):
    before = container_ids(PROJECT)
    marker = f"api-{uuid.uuid4().hex[:8]}"
    edit(checkout / "apps" / "api" / "app" / "api" / "routes.py", '"service": "api"', f'"service": "{marker}"')
    deploy(checkout)
    wait_for(lambda: marker in http_get("http://127.0.0.1:8000/")[1], timeout=60, what="uvicorn --reload")
    assert container_ids(PROJECT) == before


def test_malformed_compose_file_fails_before_the_target_is_touched(checkout):
    compose_file = checkout / "infra" / "docker-compose.yml"
    good = compose_file.read_text()
    before = container_ids(PROJECT)
    remote_copy = Path.home() / "devstack" / "infra" / "docker-compose.yml"
    remote_before = remote_copy.read_bytes()
    lines = good.splitlines(keepends=True)
    lines.insert(3, "services: [unclosed\n")  # a YAML syntax error on line 4
    compose_file.write_text("".join(lines))
    try:
        result = deploy(checkout, check=False)
    finally:
        compose_file.write_text(good)
    assert result.returncode != 0
    # The parser notices the unclosed bracket on line 7; the message names line 4 too.
    assert re.search(r"docker-compose\.yml:\d+: malformed YAML: .* at line 4\)", result.stdout), result.stdout[-2000:]
    assert "Traceback" not in result.stdout, result.stdout[-3000:]
    assert "Starting operation" not in result.stdout
    assert remote_copy.read_bytes() == remote_before
    assert container_ids(PROJECT) == before


def test_empty_password_fails_before_the_target_is_touched(checkout):
    secrets = checkout / "secrets.env"
    good = secrets.read_text()
    before = container_ids(PROJECT)
    lines = [line for line in good.splitlines() if not line.startswith("POSTGRES_PASSWORD=")]
    secrets.write_text("\n".join(["POSTGRES_PASSWORD=''", *lines]) + "\n")
    try:
        result = deploy(checkout, check=False)
    finally:
        secrets.write_text(good)
    assert result.returncode != 0
    assert f"POSTGRES_PASSWORD in {secrets} is empty" in result.stdout, result.stdout[-2000:]
    assert "Starting operation" not in result.stdout
    assert container_ids(PROJECT) == before


def npm_run(checkout: Path, script: str) -> None:
    env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false")
    run(["npm", "run", "--silent", script], cwd=checkout, env=env, timeout=1800)


def volume_exists(name: str) -> bool:
    return run(["docker", "volume", "inspect", name], check=False).returncode == 0


def test_package_json_scripts_deploy_stop_and_purge(checkout):
    psql(PROJECT, "CREATE TABLE IF NOT EXISTS scripts_marker (v text); INSERT INTO scripts_marker VALUES ('kept')")
    npm_run(checkout, "dev:down")
    assert container_ids(PROJECT) == {}
    assert volume_exists(f"{PROJECT}_postgres_data"), "dev:down keeps the data"
    npm_run(checkout, "dev")
    assert set(container_ids(PROJECT)) == CORE
    assert psql(PROJECT, "SELECT v FROM scripts_marker") == "kept"
    npm_run(checkout, "dev:clean")
    assert container_ids(PROJECT) == {}
    assert not volume_exists(f"{PROJECT}_postgres_data"), "dev:clean removes the data"


@pytest.mark.parametrize("script", ["dev", "dev:down", "dev:clean"])
def test_package_json_scripts_without_a_venv_say_how_to_make_one(tmp_path, script):
    shutil.copy(REPO / "package.json", tmp_path)  # a checkout whose .venv was never created
    env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false")
    result = run(["npm", "run", "--silent", script], cwd=tmp_path, env=env, check=False, timeout=120)
    assert result.returncode != 0
    assert "devstack: .venv/bin/pyinfra is missing" in result.stderr, result.stderr
    assert "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt" in result.stderr
