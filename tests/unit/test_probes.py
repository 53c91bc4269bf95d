"""probes.py: fresh probes after a change, restart loops and the grace for blips, as data."""

from __future__ import annotations

import pytest

from pyinfra_compose.health import ServiceStatus
from pyinfra_compose.probes import (
    ContainerProbes,
    EngineLook,
    Probe,
    epoch,
    fresh,
    judge,
    parse_look,
    restart_loop,
    with_grace,
)

API = ServiceStatus("api", "healthy", "c1")


def probes(*pairs, restarts=0):
    return ContainerProbes("c1", restarts, tuple(Probe(t, code) for t, code in pairs))


def test_parse_look_from_captured_inspect_output():
    look = parse_look([
        "1796190429744850329",
        "1504d94c 0 ",
        "91eeadc7 3 2026-12-02T05:47:04.829379459Z|0 2026-12-02T05:47:10.0306668Z|1 ",
    ])
    assert look.now == pytest.approx(1796190429.744850329)
    assert look.containers["1504d94c"] == ContainerProbes("1504d94c", 0, ())
    assert look.containers["91eeadc7"].restart_count == 3
    assert [p.exit_code for p in look.containers["91eeadc7"].probes] == [0, 1]
    assert look.containers["91eeadc7"].probes[0].started == pytest.approx(1796190424.829379459)


@pytest.mark.parametrize("text", ["", "yesterday", "2026-12-02 05:47:04Z"])
def test_epoch_rejects_what_it_cannot_read(text):
    assert epoch(text) is None


@pytest.mark.parametrize(
    ("container_probes", "status", "detail"),
    [
        (probes((90, 0)), "starting", "waiting for a health probe that started after this deploy's changes"),
        (probes((90, 0), (101, 0)), "healthy", ""),
        (probes((90, 0), (101, 1)), "failing", "the last health probe since this deploy's changes failed (exit 1)"),
        (probes((101, 1), (106, 0)), "healthy", ""),
        (probes(), "starting", "waiting for a health probe that started after this deploy's changes"),
    ],
)
def test_after_a_change_only_a_probe_started_after_it_counts(container_probes, status, detail):
    judged = fresh(API, container_probes, since=100)
    assert (judged.status, judged.detail) == (status, detail)


def test_fresh_leaves_other_statuses_alone():
    for status in ("running", "starting", "unhealthy", "exited"):
        assert fresh(ServiceStatus("api", status, "c1"), probes((90, 0)), 100).status == status


@pytest.mark.parametrize(("now", "loop"), [(0, False), (1, False), (2, True), (7, True)])
def test_a_restart_count_rising_twice_is_a_loop(now, loop):
    judged = restart_loop(ServiceStatus("api", "restarting", "c1"), probes(restarts=3 + now), {"c1": 3})
    assert (judged.status == "looping") is loop
    if loop:
        assert judged.detail == f"restart loop: restarted {now} times during the wait ({3 + now} in all)"
        assert judged.failed


def test_a_ten_second_blip_is_waited_out_and_a_lasting_one_fails():
    bad: dict[str, float] = {}
    unhealthy = ServiceStatus("api", "unhealthy", "c1")
    assert [s.status for s in with_grace([unhealthy], bad, 100, 30)] == ["recovering"]
    [blip] = with_grace([unhealthy], bad, 110, 30)
    assert (blip.status, blip.failed, blip.ok) == ("recovering", False, False)
    assert blip.detail == "unhealthy for 10s, within the 30s grace"
    assert with_grace([API], bad, 112, 30) == [API] and bad == {}  # recovered: the clock starts again
    assert [s.status for s in with_grace([unhealthy], bad, 120, 30)] == ["recovering"]
    [lasting] = with_grace([unhealthy], bad, 150, 30)
    assert lasting.failed and lasting.detail == "for 30s, longer than the 30s grace"


def test_exited_fails_at_once_whatever_the_grace():
    exited = ServiceStatus("api", "exited", "c1", "exit code 1")
    assert with_grace([exited], {}, 0, 30) == [exited]


@pytest.mark.parametrize("run", range(10))
def test_a_never_healthy_service_fails_every_time(run):
    """10 of 10: whatever the timing of the looks, a failing service fails once the grace is over."""
    bad: dict[str, float] = {}
    statuses = [ServiceStatus("api", "unhealthy", "c1")]
    look_times = [run * 0.7 + step * (1 + run % 3) for step in range(60)]
    verdicts = [judge(statuses, EngineLook(t, {}), None, {}, bad, 30)[0] for t in look_times]
    assert any(v.failed for v in verdicts)
    first_failure = next(t for t, v in zip(look_times, verdicts) if v.failed)
    assert first_failure - look_times[0] >= 30


def test_judge_applies_every_rule():
    look = EngineLook(120, {"c1": probes((101, 1), (111, 1), restarts=0)})
    [judged] = judge([API], look, since=100, baseline={"c1": 0}, bad_since={}, grace=30)
    assert judged.status == "recovering"
    assert judged.detail.startswith("the last health probe since this deploy's changes failed (exit 1); failing for 0s")


def test_the_probes_fact_asks_once_for_clock_restarts_and_probe_times():
    from pyinfra_compose.facts import ComposeProbes

    command = ComposeProbes().command("app'; rm -rf /")
    assert command.startswith("cd / && date +%s%N && { docker compose -p 'app'\"'\"'; rm -rf /' ps --all -q | xargs -r docker inspect --format ")
    assert '{{.Id}} {{.RestartCount}} {{with index .State "Health"}}{{range .Log}}{{.Start}}|{{.ExitCode}} {{end}}{{end}}' in command
    assert command.endswith("|| true; }")
