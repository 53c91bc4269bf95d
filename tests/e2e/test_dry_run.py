"""`pyinfra @local deploy.py --dry`: the full picture, nothing touched, no secret shown.

Runs from a copy of the repository, so the test can change the sources (a compose
setting, a Dockerfile, an app file, a secret, a new file in a new directory, a deleted
file) without touching the shared worktree; deploys to its own project, ports and
project_dir, with distinctive secrets generated per run, and removes it all afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.helpers import PYINFRA, REPO, container_ids, run

PROJECT = "e2e-dry"
PORTS = {"api": 18100, "web": 18101, "postgres": 18102, "redis": 18103, "pgadmin": 18104}
LABEL = f"label=com.docker.compose.project={PROJECT}"
NOT_COPIED = (".git", ".venv", "node_modules", ".next", "__pycache__", ".pytest_cache", ".pnpm-store",
              "secrets.env", "secrets", "pyinfra-debug.log", ".work", "tests", "bench")
PLAN_LINE = re.compile(r"^\s*\[@local\] ((?:build|create|recreate|start|remove) \S+: .*)$", re.M)


@dataclass
class Workspace:
    repo: Path  # the copy deploy.py runs from
    target: Path  # project_dir on the target (this machine)
    secret_values: tuple[str, ...]  # every secret value this test ever uses

    def data(self, **overrides) -> list[str]:
        values = {"project_name": PROJECT, "project_dir": str(self.target), "ports": json.dumps(PORTS), **overrides}
        return [arg for key, value in values.items() for arg in ("--data", f"{key}={value}")]

    def pyinfra(self, *args: str, check: bool = False, **data):
        return run([*PYINFRA, "@local", "deploy.py", *args, *self.data(**data)], check=check, cwd=self.repo, timeout=1800)

    def write_secrets(self, postgres: str, pgadmin: str) -> None:
        path = self.repo / "secrets.env"
        path.write_text(f"POSTGRES_PASSWORD='{postgres}'\nPGADMIN_DEFAULT_PASSWORD='{pgadmin}'\n")
        path.chmod(0o600)


def remove_project() -> None:
    run(["docker", "compose", "-p", PROJECT, "down", "--volumes", "--remove-orphans"], check=False, cwd="/")
    images = run(["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}"]).stdout.split()
    mine = [image for image in images if image.startswith(f"{PROJECT}-")]
    if mine:
        run(["docker", "image", "rm", "--force", *mine], check=False)


@pytest.fixture(scope="module")
def workspace(offline_images, tmp_path_factory):
    remove_project()
    root = tmp_path_factory.mktemp("dry-run")
    repo = root / "repo"
    shutil.copytree(REPO, repo, ignore=shutil.ignore_patterns(*NOT_COPIED))
    # Distinctive values, generated per run: the leak tests search every output for them.
    values = tuple(f"{name}-{secrets.token_hex(12)}" for name in ("pg-first", "pgadmin", "pg-second"))
    ws = Workspace(repo=repo, target=root / "target", secret_values=values)
    ws.write_secrets(postgres=values[0], pgadmin=values[1])
    yield ws
    remove_project()


def target_state(ws: Workspace) -> dict:
    """Everything a dry run must leave alone: files (content and mode), containers (id,
    start time), images, volumes and networks of the project."""
    files = None
    if ws.target.exists():
        files = {}
        for path in sorted(ws.target.rglob("*")):
            mode = stat.S_IMODE(path.lstat().st_mode)
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
            files[str(path.relative_to(ws.target))] = (digest, oct(mode))
    images = run(["docker", "image", "ls", "--all", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"]).stdout
    return {
        "files": files,
        "containers": container_ids(PROJECT),
        "images": sorted(line for line in images.splitlines() if f" {PROJECT}-" in line or " devstack-local/" in line),
        "volumes": sorted(run(["docker", "volume", "ls", "--quiet", "--filter", LABEL]).stdout.split()),
        "networks": sorted(run(["docker", "network", "ls", "--quiet", "--no-trunc", "--filter", LABEL]).stdout.split()),
    }


def engine_events(since: float, until: float) -> list[str]:
    """What the engine did to this project or its images meanwhile (health probes aside)."""
    def events(*filters: str) -> list[dict]:
        argv = ["docker", "events", "--since", f"{since:.3f}", "--until", f"{until:.3f}", *filters, "--format", "{{json .}}"]
        return [json.loads(line) for line in run(argv).stdout.splitlines() if line.strip()]

    def probe(event: dict) -> bool:
        return str(event.get("Action", "")).startswith(("exec_", "health_status"))

    seen = [e for e in events("--filter", LABEL) if not probe(e)]
    seen += [e for e in events("--filter", "type=image") if PROJECT in json.dumps(e) or e.get("Action") == "pull"]
    return [f"{e.get('Type')} {e.get('Action')} {e.get('Actor', {}).get('Attributes', {}).get('name', '')}" for e in seen]


def dry_run_touching_nothing(ws: Workspace, *args: str, **data):
    """A dry run, asserting that the target is exactly as before."""
    before, since = target_state(ws), time.time()
    result = ws.pyinfra("--dry", *args, **data)
    until = time.time() + 0.5
    assert target_state(ws) == before, f"the dry run changed the target:\n{result.stderr[-3000:]}"
    assert engine_events(since, until) == []
    return result


def assert_no_secret(ws: Workspace, result) -> None:
    output = result.stdout + result.stderr
    for value in ws.secret_values:
        assert value not in output, f"a secret value appears in the output of {result.args[2:6]}"


def test_dry_run_of_a_never_deployed_project_plans_it_all(workspace):
    result = dry_run_touching_nothing(workspace, "--diff", drift_exit_code="true")
    output = result.stderr
    assert result.returncode == 3, output[-3000:]
    assert not workspace.target.exists()
    assert PLAN_LINE.findall(output) == [
        "build api: image missing",
        "build web: image missing",
        "create api: container missing",
        "create postgres: container missing",
        "create redis: container missing",
        "create web: container missing",
    ]
    assert f"{workspace.target}/.env: create (values not shown: secrets)" in output
    assert "+ POSTGRES_PASSWORD (added)" in output and "+ PGADMIN_DEFAULT_PASSWORD (added)" in output
    assert "+++ b/infra/docker-compose.yml" in output  # the sync shows the files it would create
    assert "Dry run: drift: would change @local" in output and "(exit status 3)" in output
    assert_no_secret(workspace, result)


@pytest.fixture(scope="module")
def deployed(workspace):
    return workspace.pyinfra("-y", check=True)


def test_up_to_date_dry_run_says_no_drift(workspace, deployed):
    result = dry_run_touching_nothing(workspace, "--diff", drift_exit_code="true")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Dry run: no drift: nothing would change on 1 host(s) (exit status 0)" in result.stderr
    assert PLAN_LINE.findall(result.stderr) == []
    assert "values not shown" not in result.stderr


@pytest.fixture(scope="module")
def six_changes(workspace, deployed):
    """One compose setting, one Dockerfile, one app file, one secret, a new file in a new
    directory, a deleted file: all in the local sources, none on the target yet."""
    repo = workspace.repo
    compose = repo / "infra" / "docker-compose.yml"
    text = compose.read_text()
    assert text.count("      start_period: 30s\n") == 1  # redis's
    compose.write_text(text.replace("      start_period: 30s\n", "      start_period: 31s\n"))
    with open(repo / "infra" / "docker" / "web.Dockerfile", "a") as dockerfile:
        dockerfile.write("# changed by the dry-run e2e test\n")
    with open(repo / "apps" / "api" / "app" / "main.py", "a") as app_file:
        app_file.write("# changed by the dry-run e2e test\n")
    old_postgres, pgadmin, new_postgres = workspace.secret_values
    workspace.write_secrets(postgres=new_postgres, pgadmin=pgadmin)
    (repo / "files" / "extra").mkdir()
    (repo / "files" / "extra" / "hello.txt").write_text("hello\n")
    (repo / "files" / "README.md").unlink()


def test_dry_run_shows_every_change_once(workspace, six_changes):
    result = dry_run_touching_nothing(workspace, "--diff", drift_exit_code="true")
    output = result.stderr
    assert result.returncode == 3, output[-3000:]
    for shown in (
        "+++ b/infra/docker-compose.yml",  # the compose setting
        "+      start_period: 31s",
        "+++ b/infra/docker/web.Dockerfile",  # the Dockerfile
        "+++ b/apps/api/app/main.py",  # the app file
        "~ POSTGRES_PASSWORD (value changed)",  # the secret, masked
        "+++ b/files/extra/hello.txt",  # the new file in a new directory
        "--- a/files/README.md",  # the deleted file
    ):
        assert output.count(shown) == 1, f"{shown!r} shown {output.count(shown)} times:\n{output[-4000:]}"
    assert re.findall(r"^\s*\[@local\]\s+[~+-] ([A-Z_]+) \(", output, re.M) == ["POSTGRES_PASSWORD"]
    # No rebuild of api for its app file: its build context holds only the lock files.
    assert PLAN_LINE.findall(output) == [
        "build web: Dockerfile or build context changed since the image was built",
        "recreate api: config changed: environment.DATABASE_URL",
        "recreate postgres: config changed: environment.POSTGRES_PASSWORD",
        "recreate redis: config changed: healthcheck.start_period",
        "recreate web: image is being rebuilt",
    ]
    assert_no_secret(workspace, result)


def test_json_dry_run_carries_the_plan_per_host(workspace, six_changes):
    result = dry_run_touching_nothing(workspace, "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    operations = {op["name"]: op for op in json.loads(result.stdout)["plan"]}
    compose = operations["Compose up"]["details"]["@local"]
    assert compose["project"] == PROJECT and compose["up_to_date"] is False
    assert [(c["kind"], c["service"], c["settings"]) for c in compose["changes"]] == [
        ("build", "web", []),
        ("recreate", "api", ["environment.DATABASE_URL"]),
        ("recreate", "postgres", ["environment.POSTGRES_PASSWORD"]),
        ("recreate", "redis", ["healthcheck.start_period"]),
        ("recreate", "web", []),
    ]
    env = operations["Render .env"]["details"]["@local"]
    assert (env["action"], env["changed"], env["added"], env["removed"]) == ("update", ["POSTGRES_PASSWORD"], [], [])
    assert_no_secret(workspace, result)


@pytest.mark.parametrize("flags", [["-v"], ["-vv"], ["-vvv"], ["--diff", "-vvv"], ["--json"]], ids=" ".join)
def test_no_secret_in_any_dry_run_output(workspace, six_changes, flags):
    result = dry_run_touching_nothing(workspace, *flags)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_no_secret(workspace, result)


def test_no_secret_in_a_failing_run(workspace, six_changes):
    """A real run that uploads the new .env, then fails in `compose up` (the api's new image
    exits at once, so web's dependency fails; a taken port would be caught by the preflight
    before anything is touched): -vvv echoes every command and output, the failure shows
    logs and probes, and the rollback's output follows."""
    dockerfile = workspace.repo / "infra" / "docker" / "api.Dockerfile"
    good = dockerfile.read_text()
    dockerfile.write_text(good + '\nCMD ["sh", "-c", "echo bad start; exit 1"]\n')
    try:
        result = workspace.pyinfra("-y", "-vvv", health_timeout="60")
    finally:
        dockerfile.write_text(good)
    assert result.returncode != 0
    assert "docker compose up failed" in result.stdout + result.stderr, result.stdout[-3000:]
    assert_no_secret(workspace, result)
    assert os.stat(workspace.target / ".env").st_mode & 0o777 == 0o600
