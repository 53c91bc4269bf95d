"""pyinfra_compose.waiting: the health wait's decisions, with the engine's answers as data."""

from __future__ import annotations

import pytest
from pyinfra.api import OperationError

from pyinfra_compose import waiting
from pyinfra_compose.facts import ComposeContainers, ComposeDesiredConfig, DesiredConfig
from pyinfra_compose.parse import Container
from pyinfra_compose.project import ComposeProject
from tests.unit.fakes import FakeHost

PROJECT = ComposeProject("/srv/app", "app", profiles=("debug",))


def fake(desired: DesiredConfig | None, containers: list[Container]) -> FakeHost:
    return FakeHost({ComposeDesiredConfig: desired, ComposeContainers: containers}, name="box")


def container(health: str, state: str = "running", exit_code: int = 0) -> Container:
    return Container(service="api", container_id="c1", name="app-api-1", state=state, health=health,
                     exit_code=exit_code, config_hash="h", image_id="")


def test_no_active_service_fails_at_once_naming_the_profiles(monkeypatch):
    monkeypatch.setattr(waiting, "host", fake(DesiredConfig(hashes={}, services=("pgadmin",)), []))
    with pytest.raises(OperationError, match=r"app has no active service: every service is behind a profile \(enabled: debug\)"):
        waiting.wait_until_healthy(PROJECT, timeout=600, interval=0)


def test_healthy_returns(monkeypatch):
    host = fake(DesiredConfig(hashes={"api": "h"}, services=("api",)), [container("healthy")])
    monkeypatch.setattr(waiting, "host", host)
    waiting.wait_until_healthy(PROJECT, timeout=1, interval=0)


def test_unhealthy_fails_naming_the_service(monkeypatch):
    host = fake(DesiredConfig(hashes={"api": "h"}, services=("api",)), [container("unhealthy")])
    monkeypatch.setattr(waiting, "host", host)
    monkeypatch.setattr(waiting, "diagnose", lambda project, statuses: "probes and logs")
    with pytest.raises(OperationError, match=r"service\(s\) failed after \d+s: api\nprobes and logs"):
        waiting.wait_until_healthy(PROJECT, timeout=1, interval=0)


def test_starting_times_out_naming_the_service(monkeypatch):
    host = fake(DesiredConfig(hashes={"api": "h"}, services=("api",)), [container("starting")])
    monkeypatch.setattr(waiting, "host", host)
    monkeypatch.setattr(waiting, "diagnose", lambda project, statuses: "")
    with pytest.raises(OperationError, match=r"timed out after 0s waiting for: api"):
        waiting.wait_until_healthy(PROJECT, timeout=0, interval=0)
