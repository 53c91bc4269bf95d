"""plan.py: desired config and running containers in, named changes (with reasons) out."""

from __future__ import annotations

import pytest

from pyinfra_compose.parse import Container
from pyinfra_compose.plan import CREATE, RECREATE, REMOVE, START, BuildRecord, Change, Plan, builds_needed, plan_up

IMAGE = "sha256:" + "1" * 64
OTHER_IMAGE = "sha256:" + "2" * 64


def container(service="api", state="running", health="", exit_code=0, config_hash="h-api", image_id="", cid=None):
    cid = cid or f"{service}-1"
    return Container(service, cid, f"app-{cid}", state, health, exit_code, config_hash, image_id)


DESIRED = {"api": "h-api"}


def changes(plan: Plan) -> list[tuple[str, str, str, str]]:
    return [(c.service, c.action, c.reason, c.container_id) for c in plan.changes]


def test_up_to_date_is_a_noop():
    plan = plan_up(DESIRED, ["api"], [container()])
    assert plan.is_noop and plan.lines() == []


@pytest.mark.parametrize(
    ("running", "expected"),
    [
        (container(config_hash="old"), (RECREATE, "config changed (config hash differs)")),
        (container(state="exited", exit_code=137), (START, "container is exited (exit code 137)")),
        (container(state="exited", exit_code=1), (START, "container is exited (exit code 1)")),
        (container(state="created"), (START, "container is created (exit code 0)")),
        (container(state="dead", exit_code=255), (START, "container is dead (exit code 255)")),
        (container(state="paused"), (START, "container is paused")),
        (container(health="unhealthy"), (RECREATE, "container is unhealthy")),
        # a stale config wins over every other reason
        (container(config_hash="old", health="unhealthy"), (RECREATE, "config changed (config hash differs)")),
    ],
    ids=["drift", "stopped", "exit-1", "created", "dead", "paused", "unhealthy", "drift-and-unhealthy"],
)
def test_one_container_change(running, expected):
    plan = plan_up(DESIRED, ["api"], [running])
    assert changes(plan) == [("api", *expected, "api-1")]
    assert not plan.builds and not plan.is_noop


@pytest.mark.parametrize(
    "running",
    [
        container(state="exited", exit_code=0),  # a one-shot that finished
        container(health="starting"),  # not yet judged; waiting is wait_healthy's job
        container(health="healthy"),
        container(state="restarting"),  # the engine is already restarting it
    ],
    ids=["done", "starting", "healthy", "restarting"],
)
def test_no_change(running):
    assert plan_up(DESIRED, ["api"], [running]).is_noop


def test_missing_container_is_created():
    plan = plan_up({"api": "h-api", "web": "h-web"}, ["api", "web"], [container()])
    assert changes(plan) == [("web", CREATE, "container missing", "")]
    assert plan.services(CREATE) == ["web"]
    assert plan.lines() == ["create web: container missing"]


def test_nothing_running_creates_everything():
    plan = plan_up({"api": "h-api", "web": "h-web"}, ["api", "web"], [])
    assert plan.services(CREATE) == ["api", "web"]


def test_orphan_and_disabled_profile_are_removed_with_different_reasons():
    plan = plan_up(
        DESIRED,
        ["api", "debug"],
        [container(), container("debug", config_hash="x"), container("old", config_hash="y", cid="old-1"),
         container("old", config_hash="y", cid="old-2")],
    )
    assert changes(plan) == [
        ("debug", REMOVE, "profile not enabled", "debug-1"),
        ("old", REMOVE, "orphan (no longer in the compose file)", "old-1"),
        ("old", REMOVE, "orphan (no longer in the compose file)", "old-2"),
    ]
    assert plan.services(REMOVE) == ["debug", "old"]


def test_scaled_service_only_the_bad_replica_changes():
    plan = plan_up(DESIRED, ["api"], [container(cid="api-1"), container(cid="api-2", health="unhealthy")])
    assert changes(plan) == [("api", RECREATE, "container is unhealthy", "api-2")]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (BuildRecord(image_id=None, tagged_id=None), "image missing"),
        (BuildRecord(image_id=IMAGE, tagged_id=None), "Dockerfile or build context changed since the image was built"),
        (BuildRecord(image_id=IMAGE, tagged_id=OTHER_IMAGE), "image was replaced outside this deploy"),
    ],
    ids=["image-missing", "inputs-changed", "replaced-outside"],
)
def test_rebuild_reasons(record, reason):
    assert builds_needed({"api": record}) == {"api": reason}
    plan = plan_up(DESIRED, ["api"], [container(image_id=IMAGE)], {"api": record})
    assert plan.builds == {"api": reason}
    assert changes(plan) == [("api", RECREATE, "image is being rebuilt", "api-1")]
    assert plan.lines() == [f"build api: {reason}", "recreate api: image is being rebuilt"]


def test_current_build_is_no_rebuild():
    record = BuildRecord(image_id=IMAGE, tagged_id=IMAGE)
    assert builds_needed({"api": record}) == {}
    assert plan_up(DESIRED, ["api"], [container(image_id=IMAGE)], {"api": record}).is_noop


def test_container_from_an_older_image_is_recreated():
    record = BuildRecord(image_id=IMAGE, tagged_id=IMAGE)
    plan = plan_up(DESIRED, ["api"], [container(image_id=OTHER_IMAGE)], {"api": record})
    assert not plan.builds
    assert changes(plan) == [("api", RECREATE, "image changed since the container was created", "api-1")]


def test_builds_of_inactive_services_are_ignored():
    plan = plan_up(DESIRED, ["api", "debug"], [container()], {"debug": BuildRecord(None, None)})
    assert plan.is_noop


def test_missing_container_with_a_build():
    plan = plan_up(DESIRED, ["api"], [], {"api": BuildRecord(IMAGE, None)})
    assert plan.lines() == [
        "build api: Dockerfile or build context changed since the image was built",
        "create api: container missing",
    ]


def test_change_str():
    assert str(Change("api", RECREATE, "container is unhealthy", "c1")) == "recreate api: container is unhealthy"
