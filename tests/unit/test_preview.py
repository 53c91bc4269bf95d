"""preview.py: the settings a deploy changes per service, and what `up` will find after
the uploads, from compose texts and env digests (no target, no docker)."""

from __future__ import annotations

import pytest

from pyinfra_compose.preview import (
    PREDICTED,
    ComposePreview,
    active_services,
    changed_settings,
    parse_services,
    references,
)

COMPOSE = """
x-timing: &timing
  interval: 5s
  retries: 5
services:
  api:
    build:
      context: ../api
      args: {CA: "${EXTRA_CA}"}
    ports: ["${BIND:-127.0.0.1}:${API_PORT:-8000}:8000"]
    environment:
      DATABASE_URL: postgresql://app:${DB_PASSWORD}@db/app
      MODE: dev
    depends_on: [db]
  db:
    image: ${DB_IMAGE:-postgres:17}
    environment: ["POSTGRES_PASSWORD=${DB_PASSWORD}", "PGDATA=/data"]
    healthcheck:
      test: ["CMD", "pg_isready"]
      <<: *timing
  admin:
    profiles: [admin]
    image: admin:1
    environment:
      PASSWORD: $ADMIN_PASSWORD
"""
ENV = {"API_PORT": "p1", "DB_PASSWORD": "d1", "DB_IMAGE": "i1", "EXTRA_CA": "c1", "ADMIN_PASSWORD": "a1"}


def preview(after_text=COMPOSE, after_env=None, before_text=COMPOSE, before_env=ENV) -> ComposePreview:
    return ComposePreview((before_text,), (after_text,), (before_env,), (after_env or ENV,))


def test_parse_services_resolves_anchors_and_merges_files():
    services = parse_services([COMPOSE, "services:\n  db:\n    image: other\n  cache:\n    image: redis\n"])
    assert services["db"]["image"] == "other" and services["db"]["healthcheck"]["retries"] == 5
    assert sorted(services) == ["admin", "api", "cache", "db"]


@pytest.mark.parametrize("texts", [[None], ["{not: [yaml"], ["just text"], ["services: 3"]])
def test_an_absent_or_unreadable_file_is_unknown(texts):
    assert parse_services(texts) is None


def test_active_services_follow_profiles():
    services = parse_services([COMPOSE])
    assert active_services(services, ()) == ["api", "db"]
    assert active_services(services, ("admin",)) == ["admin", "api", "db"]


def test_references_find_every_variable_but_escapes():
    assert references("${A:-${B}} $C $$D ${E?err} x") == {"A", "B", "C", "E"}
    assert references({"k": ["$A", {"n": "${B}"}], "n": 3}) == {"A", "B"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"API_PORT": "p2"}, {"api": ("ports",), "db": ()}),
        ({"DB_PASSWORD": "d2"}, {"api": ("environment.DATABASE_URL",), "db": ("environment.POSTGRES_PASSWORD",)}),
        ({"DB_IMAGE": "i2"}, {"api": (), "db": ("image",)}),
        # build args are judged by the build digest, not by the config hash
        ({"EXTRA_CA": "c2"}, {"api": (), "db": ()}),
        ({"ADMIN_PASSWORD": "a2"}, {"api": (), "db": ()}),
    ],
    ids=["port", "secret", "image", "build-arg", "inactive-service"],
)
def test_a_changed_env_line_names_the_settings_that_use_it(change, expected):
    settings = preview(after_env={**ENV, **change}).settings()
    assert {name: settings[name] for name in ("api", "db")} == expected


def test_an_added_or_removed_variable_counts_as_changed():
    removed = {k: v for k, v in ENV.items() if k != "API_PORT"}
    assert preview(after_env=removed).settings()["api"] == ("ports",)
    assert preview(before_env={}, after_env=ENV).settings()["db"] == ("environment.POSTGRES_PASSWORD", "image")


@pytest.mark.parametrize(
    ("edit", "service", "expected"),
    [
        (("MODE: dev", "MODE: prod"), "api", ("environment.MODE",)),
        (("MODE: dev", "MODE: dev\n      NEW: x"), "api", ("environment.NEW",)),
        (("  retries: 5", "  retries: 9"), "db", ("healthcheck.retries",)),
        (('"PGDATA=/data"', '"PGDATA=/srv"'), "db", ("environment.PGDATA",)),
        (("ports: [", "command: [serve]\n    ports: ["), "api", ("command",)),
        (("depends_on: [db]", "depends_on: []"), "api", ()),  # not in compose's config hash
        (("context: ../api", "context: ../api2"), "api", ()),  # the build digest's business
        (("profiles: [admin]", "profiles: [ops]"), "admin", ()),
    ],
    ids=["env-value", "env-added", "healthcheck", "env-list-form", "command-added", "depends-on", "build", "profiles"],
)
def test_a_compose_edit_names_the_key(edit, service, expected):
    after = COMPOSE.replace(*edit)
    assert after != COMPOSE
    assert preview(after_text=after).settings()[service] == expected


def test_comments_and_key_order_are_no_change():
    reordered = COMPOSE.replace("      DATABASE_URL: postgresql://app:${DB_PASSWORD}@db/app\n      MODE: dev\n",
                                "      MODE: dev  # a comment\n      DATABASE_URL: postgresql://app:${DB_PASSWORD}@db/app\n")
    assert set(preview(after_text=reordered).settings().values()) == {()}


def test_changed_settings_of_a_new_service_is_every_key():
    assert changed_settings(None, {"image": "x", "ports": ["1:1"]}, frozenset()) == ("image", "ports")


def test_replicas_are_not_hashed():
    before = {"deploy": {"replicas": 1, "resources": {"limits": {"cpus": "1"}}}}
    assert changed_settings(before, {"deploy": {"replicas": 3, "resources": {"limits": {"cpus": "1"}}}}, frozenset()) == ()
    assert changed_settings(before, {"deploy": {"replicas": 1, "resources": {}}}, frozenset()) == ("deploy.resources",)


CURRENT = {"api": "h-api", "db": "h-db"}


def test_predict_unchanged_services_keep_the_targets_hash():
    prediction = preview(after_env={**ENV, "API_PORT": "p2"}).predict((), CURRENT)
    assert prediction.desired == {"api": PREDICTED, "db": "h-db"}
    assert prediction.reasons["api"] == "config changed: ports"
    assert prediction.services == ("admin", "api", "db")


def test_predict_a_first_deploy():
    prediction = ComposePreview((None,), (COMPOSE,), (None,), (ENV,)).predict((), None)
    assert prediction.desired == {"api": PREDICTED, "db": PREDICTED}
    assert prediction.settings == {}
    assert prediction.reasons["db"] == "config hash not known before the compose file is uploaded"


def test_predict_a_new_service_and_a_profile():
    after = COMPOSE + "  cache:\n    image: redis\n"
    prediction = preview(after_text=after).predict(("admin",), CURRENT)
    assert prediction.desired == {"admin": PREDICTED, "api": "h-api", "cache": PREDICTED, "db": "h-db"}
    assert prediction.reasons["cache"] == "service is new in the compose file"


def test_predict_without_the_targets_hashes():
    """No container exists, so `up` did not ask for them: every service will be created."""
    assert preview().predict((), None).desired == {"api": PREDICTED, "db": PREDICTED}


def test_repr_shows_no_content():
    shown = repr(preview(after_env={"DB_PASSWORD": "secret-digest"}))
    assert shown == "ComposePreview(1 compose file(s), 1 env file(s))"


def test_env_diff_spans_every_env_file():
    two = ComposePreview((COMPOSE,), (COMPOSE,), ({"A": "1"}, {"B": "1"}), ({"A": "2"}, {"B": "1", "C": "1"}))
    diff = two.env_diff()
    assert (diff.added, diff.changed, diff.removed) == (("C",), ("A",), ())
