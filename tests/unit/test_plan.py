"""plan.py: desired config and running containers in, named changes (with reasons) out."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pyinfra_compose.parse import Container
from pyinfra_compose.plan import BuildRecord, Change, Kind, Plan, builds_needed, config_reason, plan_up

CREATE, RECREATE, START, UNHEALTHY = Kind.CREATE, Kind.RECREATE, Kind.START, Kind.UNHEALTHY
ORPHAN, DISABLED = Kind.ORPHAN, Kind.DISABLED

IMAGE = "sha256:" + "1" * 64
OTHER_IMAGE = "sha256:" + "2" * 64


def container(service="api", state="running", health="", exit_code=0, config_hash="h-api", image_id="", cid=None):
    cid = cid or f"{service}-1"
    return Container(service, cid, f"app-{cid}", state, health, exit_code, config_hash, image_id)


DESIRED = {"api": "h-api"}


def changes(plan: Plan) -> list[tuple[str, Kind, str, str]]:
    return [(c.service, c.kind, c.reason, c.container_id) for c in plan.changes]


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
        (container(health="unhealthy"), (UNHEALTHY, "container is unhealthy")),
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
        ("debug", DISABLED, "profile not enabled", "debug-1"),
        ("old", ORPHAN, "orphan (no longer in the compose file)", "old-1"),
        ("old", ORPHAN, "orphan (no longer in the compose file)", "old-2"),
    ]
    assert plan.services(DISABLED, ORPHAN) == ["debug", "old"]
    assert plan.container_ids(DISABLED) == ["debug-1"]
    assert plan.lines() == [
        "remove debug: profile not enabled",
        "remove old: orphan (no longer in the compose file)",
        "remove old: orphan (no longer in the compose file)",
    ]


def test_scaled_service_only_the_bad_replica_changes():
    plan = plan_up(DESIRED, ["api"], [container(cid="api-1"), container(cid="api-2", health="unhealthy")])
    assert changes(plan) == [("api", UNHEALTHY, "container is unhealthy", "api-2")]


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
    assert str(Change("api", UNHEALTHY, "container is unhealthy", "c1")) == "recreate api: container is unhealthy"


@pytest.mark.parametrize(
    ("kind", "action"),
    [(Kind.BUILD, "build"), (CREATE, "create"), (RECREATE, "recreate"), (UNHEALTHY, "recreate"),
     (START, "start"), (ORPHAN, "remove"), (DISABLED, "remove")],
)
def test_every_kind_has_a_verb(kind, action):
    assert Change("api", kind, "why").action == action


def test_a_reason_is_only_for_people():
    """`up` decides by kind: any wording of a reason plans the same."""
    plan = plan_up(DESIRED, ["api"], [container(health="unhealthy")])
    assert plan.has(UNHEALTHY) and not plan.has(RECREATE)
    reworded = Plan(changes=(Change("api", UNHEALTHY, "sick", "api-1"),))
    assert reworded.services(UNHEALTHY) == plan.services(UNHEALTHY) == ["api"]


def test_config_change_names_the_settings():
    plan = plan_up(DESIRED, ["api"], [container(config_hash="old")], settings={"api": ("ports", "environment.API_KEY")})
    [change] = plan.changes
    assert change.kind == RECREATE and change.settings == ("ports", "environment.API_KEY")
    assert str(change) == "recreate api: config changed: ports, environment.API_KEY (config hash differs)"


def test_settings_of_an_unchanged_hash_change_nothing():
    assert plan_up(DESIRED, ["api"], [container()], settings={"api": ("ports",)}).is_noop


def test_a_caller_reason_wins_for_a_config_change():
    plan = plan_up({"api": "predicted"}, ["api"], [container()], config_reasons={"api": "config changed: ports"})
    assert plan.lines() == ["recreate api: config changed: ports"]


def test_config_reason():
    assert config_reason(()) == "config changed (config hash differs)"
    assert config_reason(("image",)) == "config changed: image (config hash differs)"


def test_plan_as_json_data():
    plan = plan_up({"api": "h-api", "web": "h-web"}, ["api", "web"], [container(config_hash="old")],
                   {"web": BuildRecord(None, None)}, settings={"api": ("ports",)})
    assert plan.to_dict() == {
        "up_to_date": False,
        "changes": [
            {"service": "web", "kind": "build", "action": "build", "reason": "image missing", "settings": [],
             "container_id": ""},
            {"service": "api", "kind": "recreate", "action": "recreate",
             "reason": "config changed: ports (config hash differs)", "settings": ["ports"], "container_id": "api-1"},
            {"service": "web", "kind": "create", "action": "create", "reason": "container missing", "settings": [],
             "container_id": ""},
        ],
    }
    assert plan_up(DESIRED, ["api"], [container()]).to_dict() == {"up_to_date": True, "changes": []}


def test_a_long_running_service_that_exited_0_is_started_again():
    stopped = replace(container(state="exited", exit_code=0), long_running=True)
    plan = plan_up(DESIRED, ["api"], [stopped])
    assert changes(plan) == [("api", Kind.START, "container is exited (exit code 0)", "api-1")]
