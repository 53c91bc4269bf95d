"""devstack/fleet.py: verdicts, exit status, drift lines, the 80-column table and --json
of status.py; pure values in, text out."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from devstack import fleet
from devstack.fleet import Deployed, HostStatus, Service
from pyinfra_compose.envdiff import EnvDiff
from pyinfra_compose.parse import Container
from pyinfra_compose.plan import Change, Kind, Plan
from pyinfra_compose.runtime import Runtime
from pyinfra_sync.plan import SyncPlan

NOW = datetime(2026, 12, 2, 6, 0, 0, tzinfo=timezone.utc)
HEALTHY = tuple(Service(n, "running", "healthy", True, "2026-12-02T03:59:00.123456789Z", 0, (f"127.0.0.1:{p}->{p}/tcp",))
                for n, p in (("api", 8000), ("postgres", 5432), ("redis", 6379), ("web", 3000)))
RECORD = Deployed("2026-12-02T05:30:00Z", "0123456789abcdef0123", False, "lead@controller")


def host(name="box-a", **kwargs) -> HostStatus:
    values = dict(docker="28.1.1", compose="2.37.1", free_project=12 << 30, free_docker=3 << 30,
                  deployed=RECORD, services=HEALTHY, commands=2)
    return HostStatus(name, **{**values, **kwargs})


def test_verdicts_and_their_exit_status():
    assert host().verdict == "ok" and fleet.exit_status([host()]) == 0
    drift = host(drift=("compose: recreate api: config changed: ports",))
    assert drift.verdict == "drift" and fleet.exit_status([host(), drift]) == 3
    sick = host(services=HEALTHY[:2] + (Service("redis", "exited", "", False),))
    assert sick.verdict == "unhealthy" and fleet.exit_status([sick]) == 3
    assert sick.reason() == "not healthy: redis exited"
    gone = HostStatus("box-c", reachable=False, error="unreachable: timed out")
    assert fleet.exit_status([host(), drift, gone]) == 1  # unreachable first
    invalid = HostStatus("box-d", error="invalid settings: ports.api = 0 (from --data)")
    assert fleet.exit_status([drift, invalid]) == 2 and fleet.exit_status([invalid, gone]) == 1
    assert HostStatus("empty").verdict == "unhealthy"  # nothing runs: never "ok"
    both = host(services=sick.services, drift=("compose: start redis: container is exited (exit code 0)",))
    assert both.verdict == "unhealthy" and both.reason() == "not healthy: redis exited"
    assert fleet.exit_status([]) == 0


def test_drift_reason_names_the_first_part_and_how_many_more():
    status = host(drift=("files: 1 changed (infra/docker-compose.yml)", "compose: start redis: container is exited"))
    assert status.reason() == "files: 1 changed (infra/docker-compose.yml) (+1 more)"


def test_drift_lines_name_keys_never_values():
    sync = SyncPlan(new=("apps/api/new.py",), changed=("infra/docker-compose.yml", "apps/web/a.ts"), mode_only=(), deleted=())
    env = EnvDiff(changed=("API_PORT", "POSTGRES_PASSWORD"))
    plan = Plan(changes=(Change("api", Kind.RECREATE, "config changed: ports", "c1", ("ports",)),
                         Change("redis", Kind.START, "container is exited (exit code 0)", "c2")))
    lines = fleet.drift_lines(sync, env, None, plan, missing_images=["devstack-local/redis:8"])
    assert lines == (
        "files: 1 new, 2 changed (apps/api/new.py, infra/docker-compose.yml...)",
        ".env: ~ API_PORT (value changed); ~ POSTGRES_PASSWORD (value changed)",
        "images: build devstack-local/redis:8",
        "compose: recreate api: config changed: ports; start redis: container is exited (exit code 0)",
    )
    assert fleet.drift_lines(SyncPlan((), (), (), ()), None, None, Plan()) == ()
    assert fleet.drift_lines(None, None, "644", Plan()) == (".env: mode 644 -> 600",)
    assert fleet.drift_lines(None, env, None, Plan(), secrets_missing=True) == (
        ".env: no secrets file here: a deploy generates new secrets",)
    assert fleet.drift_lines(None, None, None, None, docker_problem="not installed") == (
        "docker: not installed", "compose: not deployed: build and create everything")


@pytest.mark.parametrize("iso, age", [
    ("2026-12-02T05:59:15.000000999Z", "45s"),
    ("2026-12-02T05:48:00Z", "12m"),
    ("2026-12-02T02:59:59.5+00:00", "3h"),
    ("2026-11-27T06:00:00Z", "5d"),
    ("2026-12-02T07:00:00Z", "0s"),  # clock skew: never negative
    ("0001-01-01T00:00:00Z", ""),  # docker's "never started"
    ("", ""),
    ("not a time", ""),
])
def test_ago(iso, age):
    assert fleet.ago(iso, NOW) == age


def test_services_rows_missing_extra_and_runtime():
    def container(service, cid, state="running", health="healthy", exit_code=0):
        return Container(service, cid, f"infra-{service}-1", state, health, exit_code, "h", "i")

    containers = [container("api", "a1"), container("redis", "r1", "exited", "", 137), container("pgadmin", "p1", health="")]
    runtime = {"a1": Runtime("a1", 3, "2026-12-02T05:00:00Z", ("127.0.0.1:8000->8000/tcp",)),
               "r1": Runtime("r1", 0, "2026-12-02T04:00:00Z", ())}
    rows = fleet.services_of(["api", "postgres", "redis"], containers, runtime)
    assert [(r.name, r.state, r.health, r.ok, r.restarts, r.started_at) for r in rows] == [
        ("api", "running", "healthy", True, 3, "2026-12-02T05:00:00Z"),
        ("postgres", "missing", "", False, None, ""),
        ("redis", "exited", "", False, 0, ""),  # not running: no uptime
        ("pgadmin", "running", "", True, None, ""),  # not active: listed, its removal is drift
    ]


def test_table_fits_80_columns_and_shows_every_host():
    long_drift = host("box-b", drift=("compose: " + "; ".join(f"recreate s{i}: config changed: ports" for i in range(9)),
                                      "files: 3 changed (" + "x" * 200 + ")"),
                      services=HEALTHY[:2] + (Service("redis", "exited", "", False, "", 2, ()),))
    gone = HostStatus("box-c-" + "z" * 100, reachable=False, error="unreachable: " + "timed out " * 20)
    text = fleet.table([long_drift, host(), gone], NOW)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert "\x1b[" not in text  # no colour unless asked (a terminal)
    assert lines[0] == "box-a  OK" and "  healthy and in step" in lines
    assert "  docker 28.1.1, compose 2.37.1; free: project 12.0G, docker 3.0G" in lines
    assert "  last deploy: 2026-12-02 05:30 UTC (30m ago), 0123456789, by lead@controller" in lines
    assert "  api        running    healthy       2h        0  127.0.0.1:8000" in lines
    assert "box-b  UNHEALTHY" in lines and "  not healthy: redis exited" in lines and "  redis      exited     -              -        2  -" in lines
    assert any(line.startswith("  drift: compose: recreate s0") for line in lines)
    assert any(line.startswith("  drift: files: 3 changed (xxx") for line in lines)
    assert lines[-1] == "3 host(s): 1 ok, 1 unhealthy, 1 unreachable (exit status 1)"
    assert any(line.startswith("  unreachable: timed out") for line in lines)


def test_colour_only_when_asked():
    text = fleet.table([host(), host("box-b", drift=("files: 1 new (a)",))], NOW, fleet.Style(colour=True))
    assert "\x1b[32mbox-a  OK\x1b[0m" in text and "\x1b[33mbox-b  DRIFT\x1b[0m" in text


def test_deploy_line_without_record_or_commit():
    assert fleet.deploy_line(None, NOW).startswith("no record")
    dirty = Deployed("2026-12-02T05:59:00Z", "abcdef1234567", True, "me@laptop")
    assert fleet.deploy_line(dirty, NOW) == "2026-12-02 05:59 UTC (1m ago), abcdef1234+dirty, by me@laptop"
    assert fleet.deploy_line(Deployed("garbage", "", False, ""), NOW) == "garbage, no commit, by ?"


def test_json_carries_the_same_per_host():
    data = fleet.to_json([host("box-b", drift=("files: 1 new (a)",)), host(), HostStatus("c", reachable=False, error="unreachable: x")], NOW)
    json.dumps(data)  # JSON-safe
    assert data["exit_status"] == 1
    assert [h["host"] for h in data["hosts"]] == ["box-a", "box-b", "c"]
    a = data["hosts"][0]
    assert a["verdict"] == "ok" and a["docker"] == "28.1.1" and a["remote_commands"] == 2
    assert a["free_bytes"] == {"project_dir": 12 << 30, "docker_root": 3 << 30}
    assert a["last_deploy"] == {"at": "2026-12-02T05:30:00Z", "commit": "0123456789abcdef0123", "dirty": False, "by": "lead@controller"}
    assert a["services"][0] == {"service": "api", "state": "running", "health": "healthy", "ok": True,
                                "started_at": "2026-12-02T03:59:00.123456789Z", "uptime": "2h", "restarts": 0,
                                "ports": ["127.0.0.1:8000->8000/tcp"]}
    assert data["hosts"][1]["drift"] == ["files: 1 new (a)"] and data["hosts"][1]["verdict"] == "drift"
    assert data["hosts"][2] == {**data["hosts"][2], "verdict": "unreachable", "reachable": False, "services": []}


@pytest.mark.parametrize("free, shown", [(None, "?"), (512 << 10, "512K"), (5 << 20, "5.0M"), (int(1.5 * (1 << 30)), "1.5G"), (2 << 40, "2.0T")])
def test_sizes(free, shown):
    assert fleet.size(free) == shown
