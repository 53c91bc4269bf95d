"""watchmap.py: what a changed file means, decided from the compose file the deploy uses."""

from __future__ import annotations

from devstack import stack
from devstack.watchmap import ServiceFiles, decide, service_files
from pyinfra_compose.dockerignore import load_matcher

ENV = {"POSTGRES_PASSWORD": "x", "PGADMIN_DEFAULT_PASSWORD": "y"}
COMPOSE = ("infra/docker-compose.yml",)


def test_the_stacks_compose_file_gives_mounts_and_build_inputs():
    found = {s.service: s for s in service_files(stack.COMPOSE_FILE, ENV, stack.REPO)}
    assert set(found) == {"api", "web", "postgres", "redis", "pgadmin"}
    api, web = found["api"], found["web"]
    assert (api.mounts, api.context, api.dockerfile, api.ignore_file) == (
        ("apps/api",), "apps/api", "infra/docker/api.Dockerfile", "apps/api/.dockerignore"
    )
    assert web.mounts == ("apps/web",)  # the named volumes (node_modules, .next) are no bind mounts
    assert found["postgres"].mounts == () and found["postgres"].context is None


def test_decisions_for_the_stack():
    services = service_files(stack.COMPOSE_FILE, ENV, stack.REPO)
    decision = decide(
        ["apps/api/app/main.py", "apps/web/app/page.js", "apps/web/package.json", "apps/web/pnpm-lock.yaml",
         "infra/docker/api.Dockerfile", "apps/api/.dockerignore", "files/README.md", "images/redis/Dockerfile"],
        services, COMPOSE,
    )  # fmt: skip
    assert decision.rebuild == {
        "api": ("apps/api/.dockerignore", "infra/docker/api.Dockerfile"),
        "web": ("apps/web/package.json", "apps/web/pnpm-lock.yaml"),
    }
    assert decision.reload == {"api": ("apps/api/app/main.py",), "web": ("apps/web/app/page.js",)}
    assert decision.other == ("files/README.md", "images/redis/Dockerfile")
    assert decision.needs_plan and decision.compose == ()


def test_bind_mounted_source_is_sync_only():
    services = service_files(stack.COMPOSE_FILE, ENV, stack.REPO)
    decision = decide(["apps/api/app/api/routes.py", "apps/api/tests/test_x.py"], services, COMPOSE)
    assert not decision.needs_plan and decision.label() == "api"
    assert decide(["files/README.md"], services, COMPOSE).label() == "files"


def test_compose_file_runs_the_plan():
    decision = decide(["infra/docker-compose.yml"], (), COMPOSE)
    assert decision.compose == COMPOSE and decision.needs_plan and decision.label() == "compose"


def test_a_file_both_built_from_and_mounted_rebuilds_only():
    service = ServiceFiles("api", ("apps/api",), "apps/api", "infra/api.Dockerfile", None, load_matcher("*\n!req.txt", ".dockerignore"))
    decision = decide(["apps/api/req.txt", "apps/api/x.py"], (service,), ())
    assert decision.rebuild == {"api": ("apps/api/req.txt",)} and decision.reload == {"api": ("apps/api/x.py",)}


def test_a_context_without_dockerignore_builds_from_everything():
    service = ServiceFiles("w", (), "ctx", "ctx/Dockerfile")
    assert service.builds_from("ctx/deep/file") and not service.builds_from("ctxother/file")


def test_sync_line_counts():
    from devstack.watching import _counted

    assert _counted(1, 0) == "1 file synced"
    assert _counted(2, 0) == "2 files synced"
    assert _counted(0, 3) == "3 deleted"
    assert _counted(2, 1) == "2 files synced, 1 deleted"
