"""parse.py on output captured from a real engine (compose v2.40.3) and the older array format."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyinfra_compose.errors import ParseError
from pyinfra_compose.parse import Container, parse_config_hashes, parse_json_records, parse_labels, parse_ps

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURED = FIXTURES / "compose-2.40.3"
BUSYBOX_ID = "sha256:d61a269b0c1985b13375fbbbbf8a5f586c577d5acbc682feecbdc7a9e24e8c43"


def captured(name: str) -> str:
    return (CAPTURED / name).read_text()


def test_ps_every_state_from_a_real_engine():
    containers = parse_ps(captured("ps-all-states.jsonl"))
    assert [(c.service, c.name, c.state, c.health, c.exit_code) for c in containers] == [
        ("created", "unit-capture-a-created-1", "created", "", 0),
        ("done", "unit-capture-a-done-1", "exited", "", 0),
        ("failed", "unit-capture-a-failed-1", "exited", "", 1),
        ("healthy", "unit-capture-a-healthy-1", "running", "healthy", 0),
        ("plain", "unit-capture-a-plain-1", "running", "", 0),
        ("scaled", "unit-capture-a-scaled-1", "running", "", 0),
        ("scaled", "unit-capture-a-scaled-2", "running", "", 0),
        ("starting", "unit-capture-a-starting-1", "running", "starting", 0),
        ("unhealthy", "unit-capture-a-unhealthy-1", "running", "unhealthy", 0),
    ]


def test_ps_keeps_full_ids_and_the_image_label():
    containers = parse_ps(captured("ps-all-states.jsonl"))
    plain = next(c for c in containers if c.service == "plain")
    assert plain.container_id == "d1319cd79d99" + plain.container_id[12:] and len(plain.container_id) == 64
    assert {c.image_id for c in containers} == {BUSYBOX_ID}
    assert plain.running and not next(c for c in containers if c.service == "done").running


def test_ps_config_hash_labels_match_config_hash_output():
    """The containers were created from this very config, so compose's two answers agree."""
    hashes = parse_config_hashes(captured("config-hash-profile-later.txt"))
    for container in parse_ps(captured("ps-all-states.jsonl")):
        assert container.config_hash == hashes[container.service]


def test_ps_leaves_out_one_off_run_containers():
    with_oneoff = parse_ps(captured("ps-with-oneoff.jsonl"))
    assert len(parse_json_records(captured("ps-with-oneoff.jsonl"))) == 10
    assert [c.name for c in with_oneoff] == [c.name for c in parse_ps(captured("ps-all-states.jsonl"))]
    assert "unit-capture-a-oneoff" not in {c.name for c in with_oneoff}


def test_ps_restarting_container():
    [container] = parse_ps(captured("ps-restarting.jsonl"))
    assert (container.service, container.state, container.health) == ("crashloop", "restarting", "")


def test_ps_older_json_array_format():
    """compose < 2.21 printed one JSON array, with labels as an object, or no labels at all."""
    db, migrate = parse_ps((FIXTURES / "ps-array-legacy.json").read_text())
    assert db == Container(
        service="db",
        container_id="aba85f638641033254a353baf0f73ac2bce302d46d843c0037849005171a4238",
        name="app-db-1",
        state="running",
        health="healthy",
        exit_code=0,
        config_hash="1d46387138917e3b72ec38f9e06d9a31620ae8632d165d557e9de1dfe8ac0e37",
        image_id="sha256:dc1103822fa306062ff7528afee092c01d475c98e6042b6790d499c1271426cc",
    )
    assert (migrate.service, migrate.state, migrate.exit_code, migrate.config_hash) == ("migrate", "exited", 2, "")


@pytest.mark.parametrize("text", ["", "\n", "  \n\n", "[]"])
def test_ps_nothing_is_an_empty_list(text):
    assert parse_ps(text) == []


def test_ps_normalises_case_and_missing_exit_code():
    [container] = parse_ps('{"Service": "a", "ID": "c1", "State": "Running", "Health": "Healthy", "ExitCode": null}')
    assert (container.state, container.health, container.exit_code, container.name) == ("running", "healthy", 0, "")


@pytest.mark.parametrize(
    "text",
    [
        "time=... level=warning msg=oops",
        '{"Service": "a", "ID": "c1"}\nnot json',
        '["a", "b"]',
        "[1]",
    ],
)
def test_ps_rejects_what_is_not_compose_json(text):
    with pytest.raises(ParseError, match="docker compose ps"):
        parse_ps(text)


def test_ps_record_without_service_is_a_parse_error():
    with pytest.raises(ParseError, match="unexpected `docker compose ps` record"):
        parse_ps('{"ID": "c1", "State": "running"}')


def test_labels_values_may_contain_commas():
    labels = parse_labels(
        "com.docker.compose.depends_on=db:service_healthy:false,redis:service_started:true,"
        "com.docker.compose.project.config_files=/a/x.yml,/a/y.yml,"
        "com.docker.compose.config-hash=abc,empty=,note=a b, c"
    )
    assert labels == {
        "com.docker.compose.depends_on": "db:service_healthy:false,redis:service_started:true",
        "com.docker.compose.project.config_files": "/a/x.yml,/a/y.yml",
        "com.docker.compose.config-hash": "abc",
        "empty": "",
        "note": "a b, c",
    }


@pytest.mark.parametrize("labels", [None, "", {}])
def test_labels_absent(labels):
    assert parse_labels(labels) == {}


def test_labels_as_object():
    assert parse_labels({"a": "1", "b": 2}) == {"a": "1", "b": "2"}


def test_config_hashes_captured():
    hashes = parse_config_hashes(captured("config-hash.txt"))
    assert sorted(hashes) == ["done", "failed", "healthy", "plain", "scaled", "starting", "unhealthy"]
    assert hashes["plain"] == "44cb0a0644742af284eb4dd7a5d9672bab7214bf9efea5765baa020f4a2f3342"
    with_profile = parse_config_hashes(captured("config-hash-profile-later.txt"))
    assert set(with_profile) - set(hashes) == {"created"}


def test_config_hashes_skip_blank_lines():
    assert parse_config_hashes("\napi  aaa\n\nweb bbb\n") == {"api": "aaa", "web": "bbb"}


@pytest.mark.parametrize("line", ["api", "api aaa extra", "WARN[0000] the attribute `version` is obsolete"])
def test_config_hashes_reject_unexpected_lines(line):
    with pytest.raises(ParseError, match="config --hash"):
        parse_config_hashes(line)
