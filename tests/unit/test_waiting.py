"""pyinfra_compose.waiting: the health wait's decisions, with the engine's answers as data."""

from __future__ import annotations

import pytest
from pyinfra.api import OperationError

from pyinfra_compose import waiting
from pyinfra_compose.facts import ComposeContainers, ComposeDesiredConfig, ComposeProbes, ComposeServiceHealth, DesiredConfig
from pyinfra_compose.probes import EngineLook
from pyinfra_compose.parse import Container
from pyinfra_compose.project import ComposeProject
from tests.unit.fakes import FakeHost

PROJECT = ComposeProject("/srv/app", "app", profiles=("debug",))


def fake(desired: DesiredConfig | None, containers: list[Container]) -> FakeHost:
    return FakeHost({ComposeDesiredConfig: desired, ComposeContainers: containers, ComposeProbes: EngineLook(0.0, {})}, name="box")


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
        waiting.wait_until_healthy(PROJECT, timeout=1, interval=0, grace=0)


def test_starting_times_out_naming_the_service(monkeypatch):
    host = fake(DesiredConfig(hashes={"api": "h"}, services=("api",)), [container("starting")])
    monkeypatch.setattr(waiting, "host", host)
    monkeypatch.setattr(waiting, "diagnose", lambda project, statuses: "")
    with pytest.raises(OperationError, match=r"timed out after 0s waiting for: api"):
        waiting.wait_until_healthy(PROJECT, timeout=0, interval=0)


class Looks:
    """A fake host whose ComposeProbes answer changes look by look (the wait's view of time)."""

    def __init__(self, desired, containers, looks):
        self.print_prefix = "[box] "
        self.answers = {ComposeDesiredConfig: desired, ComposeContainers: containers}
        self.looks = list(looks)

    def get_fact(self, fact, **kwargs):
        if fact is ComposeProbes:
            return self.looks.pop(0) if len(self.looks) > 1 else self.looks[0]
        return self.answers[fact]


class Done:
    def is_complete(self):
        return True

    def did_change(self):
        return True


def probes_look(now, restarts=0, probes=()):
    from pyinfra_compose.probes import ContainerProbes, Probe

    return EngineLook(now, {"c1": ContainerProbes("c1", restarts, tuple(Probe(t, code) for t, code in probes))})


def test_after_a_change_an_old_healthy_probe_does_not_count_and_a_failing_new_one_fails_after_grace(monkeypatch):
    desired = DesiredConfig(hashes={"api": "h"}, services=("api",))
    looks = [probes_look(100, probes=[(90, 0)]), probes_look(101, probes=[(90, 0)]), probes_look(106, probes=[(90, 0), (103, 1)]),
             probes_look(140, probes=[(90, 0), (103, 1), (135, 1)])]
    monkeypatch.setattr(waiting, "host", Looks(desired, [container("healthy")], looks))
    monkeypatch.setattr(waiting, "diagnose", lambda project, statuses: "probes and logs")
    with pytest.raises(OperationError, match=r"failed after \d+s: api"):
        waiting.wait_until_healthy(PROJECT, timeout=60, interval=0, changes=(Done(),), grace=30)


def test_after_a_change_a_new_passing_probe_is_healthy(monkeypatch):
    desired = DesiredConfig(hashes={"api": "h"}, services=("api",))
    looks = [probes_look(100, probes=[(90, 0)]), probes_look(101, probes=[(90, 0)]), probes_look(106, probes=[(90, 0), (103, 0)])]
    host = Looks(desired, [container("healthy")], looks)
    monkeypatch.setattr(waiting, "host", host)
    waiting.wait_until_healthy(PROJECT, timeout=60, interval=0, changes=(Done(),), grace=30)
    assert host.looks == [looks[-1]]  # it waited for the new probe


def test_a_restart_loop_fails_at_once_naming_the_count(monkeypatch):
    desired = DesiredConfig(hashes={"api": "h"}, services=("api",))
    looks = [probes_look(100, restarts=3), probes_look(101, restarts=4), probes_look(102, restarts=5)]
    host = Looks(desired, [container("", state="restarting")], looks)
    host.answers[ComposeServiceHealth] = None
    monkeypatch.setattr(waiting, "host", host)
    with pytest.raises(OperationError, match=r"failed after 0s: api\n--- api: looping \(restart loop: restarted 2 times during the wait \(5 in all\)\)"):
        waiting.wait_until_healthy(PROJECT, timeout=600, interval=0)
