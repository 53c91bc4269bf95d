"""status.py over two real dev boxes and @local (issue 16): one box healthy and in step,
one with a stopped redis and a port changed in its group_data, then one box paused. The
table, --json and the exit status tell each apart; nothing on any box changes."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.devbox import DevBox, DevBoxes
from tests.e2e.helpers import PYINFRA, REPO, read_env_file, run

# What must not move on a box while status.py looks: containers (id, state, start time,
# restarts), images, and every file of the deployed project (node_modules aside: the
# web container owns it), with its checksum.
SNAPSHOT = (
    "docker ps -aq --no-trunc | sort | xargs -r docker inspect --format "
    "'{{.Id}} {{.State.Status}} {{.State.StartedAt}} {{.RestartCount}}'; "
    "docker images -q --no-trunc | sort; "
    "cd ~/devstack && find . -path '*/node_modules' -prune -o -type f -print | sort | xargs -r sha256sum; "
    "ls -la --time-style=full-iso ~/devstack"
)


def status(inventory: Path, *extra: str, check: bool = False) -> subprocess.CompletedProcess:
    # stdin closed: a "continue?" prompt would fail at once instead of hanging.
    return run([*PYINFRA, str(inventory), "status.py", *extra], check=check, cwd=REPO, timeout=600,
               stdin=subprocess.DEVNULL)


def block(stdout: str, host: str) -> list[str]:
    """The table's lines of one host (its heading up to the blank line after it)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{host}  "))
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    return lines[start:end]


@pytest.fixture(scope="module")
def fleet(devboxes: DevBoxes, warm_images, tmp_path_factory) -> Iterator[tuple[DevBox, DevBox, Path, Path]]:
    """Boxes a and b deployed in one run; then b's redis stopped and b's api port moved in
    its group_data (given with --group-data, so the repository's group_data stays as it is)."""
    a, b = (devboxes.start(label, preload=warm_images) for label in ("status-a", "status-b"))
    try:
        workdir = tmp_path_factory.mktemp("status")
        inventory = workdir / "inventory_status.py"
        inventory.write_text(
            f"status_a = [({a.name!r}, {a.host_data()!r})]\n"
            f"status_b = [({b.name!r}, {b.host_data()!r})]\n"
            "local = ['@local']\n"
        )
        boxes_only = devboxes.inventory([a, b])
        run([*PYINFRA, str(boxes_only), "deploy.py", "-y"], cwd=REPO, timeout=1800, stdin=subprocess.DEVNULL)
        b.ssh("docker compose -p infra stop redis")
        group_data = workdir / "group_data"
        group_data.mkdir()
        (group_data / "status_b.py").write_text('ports = {"api": 18000}\n')
        yield a, b, inventory, group_data
    finally:
        for box in (a, b):
            devboxes.remove(box)


def secrets_of(*boxes: DevBox) -> list[str]:
    values = [v.strip("'") for box in boxes for v in read_env_file(REPO / "secrets" / f"{box.name}.env").values()]
    assert values and all(len(v) >= 24 for v in values)
    return values


def test_table_json_and_exit_status_tell_healthy_from_drifted_touching_nothing(fleet):
    a, b, inventory, group_data = fleet
    before = {box.name: box.ssh(SNAPSHOT).stdout for box in (a, b)}
    table = status(inventory, "--group-data", str(group_data))
    as_json = status(inventory, "--group-data", str(group_data), "--json")
    verbose = status(inventory, "--group-data", str(group_data), "-vvv")
    after = {box.name: box.ssh(SNAPSHOT).stdout for box in (a, b)}

    print(f"\n{table.stdout}")
    assert table.returncode == 3, table.stdout + table.stderr[-3000:]
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    assert "\x1b[" not in table.stdout  # not a terminal: no colour
    commit = run(["git", "rev-parse", "HEAD"], cwd=REPO).stdout.strip()

    healthy = block(table.stdout, a.name)
    assert healthy[:2] == [f"{a.name}  OK", "  healthy and in step"], "\n".join(healthy)
    assert any(line.startswith(f"  last deploy: ") and commit[:10] in line for line in healthy), healthy
    for service in ("api", "postgres", "redis", "web"):
        assert any(line.split()[:3] == [service, "running", "healthy"] for line in healthy), (service, healthy)
    assert any(line.split()[0] == "api" and line.endswith("127.0.0.1:8000") for line in healthy[4:])

    drifted = "\n".join(block(table.stdout, b.name))
    assert drifted.startswith(f"{b.name}  UNHEALTHY\n  not healthy: redis exited"), drifted
    assert "API_PORT (value changed)" in drifted and "start redis" in drifted, drifted
    assert "recreate api: config changed" in drifted, drifted
    local = block(table.stdout, "@local")
    assert "UNREACHABLE" not in local[0] and local[2].startswith("  docker "), local
    assert table.stdout.splitlines()[-1].startswith("3 host(s): ")

    assert as_json.returncode == 3
    data = json.loads(as_json.stdout)  # stdout is the JSON alone; pyinfra logs to stderr
    hosts = {entry["host"]: entry for entry in data["hosts"]}
    assert data["exit_status"] == 3 and set(hosts) == {a.name, b.name, "@local"}
    assert hosts[a.name]["verdict"] == "ok" and hosts[a.name]["drift"] == []
    assert hosts[a.name]["last_deploy"]["commit"] == commit
    assert hosts[b.name]["verdict"] == "unhealthy"
    redis = next(s for s in hosts[b.name]["services"] if s["service"] == "redis")
    assert redis["state"] == "exited" and redis["ok"] is False
    assert any("API_PORT" in line for line in hosts[b.name]["drift"])
    for entry in hosts.values():
        assert entry["remote_commands"] == 2 and entry["docker"]
        assert entry["free_bytes"]["project_dir"] > 0 and entry["free_bytes"]["docker_root"] > 0

    assert verbose.returncode == 3
    assert verbose.stderr.count(f"[{a.name}] >>> ") == 2, "two remote commands per host"
    for where, text in (("table", table.stdout + table.stderr), ("--json", as_json.stdout + as_json.stderr),
                        ("-vvv", verbose.stdout + verbose.stderr)):
        for secret in secrets_of(a, b):
            assert secret not in text, f"a secret value appears in the {where} output"
    assert after == before, "status.py changed something on a box"


def test_a_paused_box_is_an_unreachable_row_the_others_complete(fleet):
    a, b, inventory, _ = fleet
    run(["docker", "pause", b.name])
    try:
        started = time.monotonic()
        result = status(inventory)
        print(f"\nstatus with a paused box: {time.monotonic() - started:.1f}s\n{result.stdout}")
    finally:
        run(["docker", "unpause", b.name])
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    gone = block(result.stdout, b.name)
    assert gone[0] == f"{b.name}  UNREACHABLE" and gone[1].startswith("  unreachable: "), gone
    assert block(result.stdout, a.name)[:2] == [f"{a.name}  OK", "  healthy and in step"]
    assert "UNREACHABLE" not in block(result.stdout, "@local")[0]
    assert "continue?" not in result.stderr  # an unreachable host never prompts


def test_no_host_answering_is_still_a_table_not_an_abort(tmp_path: Path):
    """pyinfra alone stops with "No hosts remaining!" when no host connects; status.py's
    table still comes, every row unreachable, in both output modes (no engine needed)."""
    inventory = tmp_path / "inventory_down.py"
    inventory.write_text("down = [('127.0.0.1', {'ssh_port': 1, 'ssh_user': 'nobody', 'ssh_config_file': '/dev/null'})]\n")
    result = status(inventory)
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    assert block(result.stdout, "127.0.0.1")[:2][0] == "127.0.0.1  UNREACHABLE"
    assert "No hosts remaining" not in result.stderr
    data = json.loads(status(inventory, "--json").stdout)
    assert data["exit_status"] == 1 and data["hosts"][0]["verdict"] == "unreachable"
