"""`pyinfra @local deploy.py` on the real engine with the offline images: the main job."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import deploy_local, assert_no_change, container_ids, http_get, ps, psql, run

PROJECT = "infra"  # the default project_name of group_data/all.py


def pyinfra(*args: str, check: bool = True):
    return deploy_local(*args, check=check)


@pytest.fixture(scope="module")
def deployed(default_stack):
    return default_stack


def test_deploy_with_defaults_is_healthy_and_prints_urls(deployed):
    assert "API: http://localhost:8000" in deployed.stdout
    assert "Web: http://localhost:3000" in deployed.stdout
    states = {r["Service"]: r["Health"] for r in ps(PROJECT)}
    assert states == {"postgres": "healthy", "redis": "healthy", "api": "healthy", "web": "healthy"}
    status, body = http_get("http://127.0.0.1:8000/health")
    assert status == 200 and '"status":"ok"' in body


def test_second_deploy_changes_nothing(deployed):
    before = container_ids(PROJECT)
    result = pyinfra("deploy.py", "-y")
    operations = deployed.stdout.count("--> Starting operation:")
    assert_no_change(result.stdout, operations=operations)
    assert container_ids(PROJECT) == before


def test_env_file_is_private(deployed):
    mode = run(["stat", "-c", "%a", f"{run(['sh', '-c', 'echo $HOME']).stdout.strip()}/devstack/.env"]).stdout.strip()
    assert mode == "600"


def test_row_survives_redeploy_and_down_and_purge_removes_it(deployed):
    psql(PROJECT, "CREATE TABLE IF NOT EXISTS keep (v text); INSERT INTO keep VALUES ('kept');")
    pyinfra("down.py", "-y")
    assert container_ids(PROJECT) == {}
    pyinfra("deploy.py", "-y")
    assert psql(PROJECT, "SELECT v FROM keep") == "kept"
    pyinfra("down.py", "--data", "purge=true", "-y")
    pyinfra("deploy.py", "-y")
    assert psql(PROJECT, "SELECT to_regclass('public.keep') IS NULL") == "t"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("colour=blue", "colour: unknown setting (from --data)"),
        ('ports={"api": 70000}', "ports.api = 70000 (from --data): must be a whole number from 1 to 65535"),
        ('ports={"api": 3000}', "ports.api and ports.web are both 3000"),
        ("images=cloud", "images = 'cloud' (from --data): must be one of auto, official, local"),
        ("health_timeout=soon", "health_timeout = 'soon' (from --data): must be a whole number"),
    ],
)
def test_bad_settings_fail_before_the_target_is_touched(deployed, data, message):
    before = container_ids(PROJECT)
    result = pyinfra("deploy.py", "--data", data, "-y", check=False)
    assert result.returncode != 0
    assert message in result.stdout, result.stdout[-2000:]
    assert "Starting operation" not in result.stdout
    assert container_ids(PROJECT) == before
