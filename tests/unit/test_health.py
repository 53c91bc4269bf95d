"""health.py: the verdict is healthy only when every desired service is ok, from current config."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pyinfra_compose.health import ServiceStatus, Verdict, changed_statuses, service_statuses, verdict
from pyinfra_compose.parse import Container, parse_config_hashes, parse_ps

CAPTURED = Path(__file__).parent / "fixtures" / "compose-2.40.3"
DESIRED = {"api": "h-api", "web": "h-web"}


def container(service, state="running", health="", exit_code=0, config_hash=None, cid=None):
    cid = cid or f"{service}-1"
    return Container(service, cid, cid, state, health, exit_code, config_hash or f"h-{service}", "")


GOOD_WEB = container("web", health="healthy")

# (api's container, or None for no container) -> api's status
BAD = [
    (None, "missing"),
    (container("api", config_hash="h-old"), "stale"),
    (container("api", health="starting"), "starting"),
    (container("api", health="unhealthy"), "unhealthy"),
    (container("api", state="exited", exit_code=1), "exited"),
    (container("api", state="exited", exit_code=137), "exited"),
    (container("api", state="restarting"), "restarting"),
    (container("api", state="created"), "created"),
    (container("api", state="dead"), "dead"),
    (container("api", state="paused"), "paused"),
    (container("api", state="removing"), "removing"),
    (container("api", state="exited", exit_code=0, config_hash="h-old"), "stale"),
    (container("api", health="healthy", config_hash="h-old"), "stale"),
]


@pytest.mark.parametrize(("api", "status"), BAD, ids=[f"{status}-{i}" for i, (_, status) in enumerate(BAD)])
def test_never_healthy_with_a_bad_service(api, status):
    containers = [GOOD_WEB] + ([api] if api else [])
    result = verdict(DESIRED, containers)
    assert not result.healthy
    assert [(s.service, s.status) for s in result.statuses] == [("api", status), ("web", "healthy")]


@pytest.mark.parametrize(
    ("api", "status", "detail"),
    [
        (container("api", health="healthy"), "healthy", ""),
        (container("api"), "running", ""),  # no healthcheck: running is ok
        (container("api", health="none"), "running", ""),
        (container("api", state="exited", exit_code=0), "done", "exited 0"),  # a one-shot that finished
    ],
    ids=["healthy", "running-no-healthcheck", "health-none", "done"],
)
def test_ok_statuses(api, status, detail):
    result = verdict(DESIRED, [api, GOOD_WEB])
    assert result.healthy and not result.failed and not result.pending
    assert result.statuses[0] == ServiceStatus("api", status, "api-1", detail)


@pytest.mark.parametrize(
    ("status", "failed", "pending"),
    [
        ("unhealthy", True, False),
        ("exited", True, False),
        ("dead", True, False),
        ("missing", False, True),
        ("stale", False, True),
        ("starting", False, True),
        ("created", False, True),
        ("restarting", False, True),
    ],
)
def test_failed_or_pending(status, failed, pending):
    result = Verdict((ServiceStatus("api", status), ServiceStatus("web", "healthy")))
    assert (bool(result.failed), bool(result.pending), result.healthy) == (failed, pending, False)


@pytest.mark.parametrize(
    ("bad", "status"),
    [
        (container("api", cid="api-2", health="unhealthy"), "unhealthy"),
        (container("api", cid="api-2", state="exited", exit_code=2), "exited"),
        (container("api", cid="api-2", health="starting"), "starting"),
        (container("api", cid="api-2", config_hash="h-old"), "stale"),
    ],
)
def test_scaled_service_with_one_bad_replica_is_not_healthy(bad, status):
    result = verdict({"api": "h-api"}, [container("api", health="healthy"), bad])
    assert not result.healthy
    assert result.statuses == (ServiceStatus("api", status, "api-2", result.statuses[0].detail),)


def test_failed_replica_wins_over_a_pending_one():
    replicas = [container("api", cid="api-1", health="starting"), container("api", cid="api-2", health="unhealthy")]
    [status] = service_statuses({"api": "h-api"}, replicas)
    assert (status.status, status.container_id) == ("unhealthy", "api-2")


def test_scaled_service_all_good():
    assert verdict({"api": "h-api"}, [container("api", cid="api-1"), container("api", cid="api-2")]).healthy


def test_containers_of_other_services_do_not_count():
    result = verdict({"api": "h-api"}, [container("api"), container("orphan", state="exited", exit_code=1)])
    assert result.healthy and [s.service for s in result.statuses] == ["api"]


def test_no_desired_service_is_not_healthy():
    assert not verdict({}, []).healthy


def test_empty_desired_hash_skips_the_staleness_check():
    assert verdict({"api": ""}, [container("api", config_hash="anything")]).healthy


def test_verdict_on_captured_output():
    desired = parse_config_hashes((CAPTURED / "config-hash-profile-later.txt").read_text())
    result = verdict(desired, parse_ps((CAPTURED / "ps-all-states.jsonl").read_text()))
    assert {s.service: s.status for s in result.statuses} == {
        "created": "created",
        "done": "done",
        "failed": "exited",
        "healthy": "healthy",
        "plain": "running",
        "scaled": "running",
        "starting": "starting",
        "unhealthy": "unhealthy",
    }
    assert not result.healthy
    assert [str(s) for s in result.failed] == ["failed: exited (exit code 1)", "unhealthy: unhealthy"]
    assert [s.service for s in result.pending] == ["created", "starting"]


def test_changed_statuses_reports_only_transitions():
    statuses = [ServiceStatus("api", "healthy"), ServiceStatus("web", "starting")]
    assert changed_statuses({"api": "healthy", "web": "missing"}, statuses) == [statuses[1]]
    assert changed_statuses({}, statuses) == statuses


def test_a_long_running_service_that_exited_0_has_failed():
    stopped = replace(container("api", state="exited", exit_code=0), long_running=True)
    [status] = service_statuses({"api": "h-api"}, [stopped])
    assert status.failed and status.status == "exited"
    assert "it should keep running" in status.detail
