"""operations.py driven by data: facts in (fixtures/operations/*/*.json), commands or a noop out.

The operations run undecorated (`op._inner`) against a fake host that answers each fact
from the fixture, so nothing touches a target and pyinfra's state machinery stays out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pyinfra.api import FunctionCommand, OperationError, StringCommand

from pyinfra_compose import commands, progress, report

from pyinfra_compose import operations
from pyinfra_compose.buildinputs import LocalBuild
from pyinfra_compose.envdiff import SALT, env_digests
from pyinfra_compose.errors import SettingsError
from pyinfra_compose.facts import (
    ComposeBuildState,
    ComposeContainers,
    ComposeDesiredConfig,
    ComposeInputs,
    ComposeProjectResources,
    DesiredConfig,
    ProjectResources,
    TargetInputs,
)
from pyinfra_compose.parse import Container
from pyinfra_compose.plan import BuildRecord
from pyinfra_compose.preview import ComposePreview
from pyinfra_compose.project import ComposeProject
from pyinfra_compose.waiting import wait_until_healthy

FIXTURES = Path(__file__).parent / "fixtures" / "operations"


def desired_config(data: dict | None) -> DesiredConfig | None:
    return None if data is None else DesiredConfig(hashes=data["hashes"], services=tuple(data["services"]))


FACT_LOADERS = {
    ComposeDesiredConfig: desired_config,
    ComposeContainers: lambda data: [Container(**record) for record in data],
    ComposeBuildState: lambda data: {service: BuildRecord(**record) for service, record in data.items()},
    ComposeProjectResources: lambda data: ProjectResources(**{k: tuple(v) for k, v in data.items()}),
    ComposeInputs: lambda data: TargetInputs(tuple(data["compose_texts"]), tuple(data["env_digests"])),
}


class FakeState:
    def __init__(self, executing: bool) -> None:
        self.is_executing = executing


class FakeHost:
    """Just what the operations use of pyinfra's Host: get_fact, noop and three attributes."""

    def __init__(self, facts: dict[str, Any], name: str = "devbox.example", executing: bool = True) -> None:
        self.facts = facts
        self.state = FakeState(executing)
        self.name = name
        self.print_prefix = f"[{name}] "
        self.current_op_hash = f"op-{id(self)}"
        self.noops: list[str] = []
        self.fact_calls: list[tuple[str, dict]] = []

    def get_fact(self, fact_class: type, **kwargs: Any) -> Any:
        name = fact_class.__name__
        self.fact_calls.append((name, kwargs))
        assert name in self.facts, f"the operation asked for {name}, which this fixture does not expect"
        return FACT_LOADERS[fact_class](self.facts[name])

    def noop(self, message: str) -> None:
        self.noops.append(message)


@pytest.fixture
def fake_host(monkeypatch):
    def install(facts: dict[str, Any], executing: bool = True) -> FakeHost:
        host = FakeHost(facts, executing=executing)
        monkeypatch.setattr(operations, "host", host)
        report.reset()
        return host

    return install


def run(generator) -> list[str]:
    """Commands as strings; `compose up` runs in a callback (to diagnose a failure), so
    it is shown as the command line that callback runs."""
    out = []
    for command in generator:
        if isinstance(command, FunctionCommand) and command.function.__wrapped__ is progress.run_with_progress:
            out.append(command.args[1])  # a build, run with progress lines: its command line
        elif isinstance(command, FunctionCommand):
            assert command.function.__wrapped__ is operations._run_up
            out.append(commands.shell(commands.up(*command.args)))
        else:
            assert isinstance(command, StringCommand)
            out.append(str(command))
    return out


def cases(kind: str) -> list:
    return [pytest.param(json.loads(path.read_text()), id=path.stem) for path in sorted((FIXTURES / kind).glob("*.json"))]


def up_kwargs(data: dict) -> dict:
    kwargs: dict[str, Any] = {"project": ComposeProject(**{k: tuple(v) if isinstance(v, list) else v
                                                           for k, v in data["project"].items()})}
    if "builds" in data:
        kwargs["builds"] = {service: LocalBuild(**build) for service, build in data["builds"].items()}
    if "preview" in data:
        kwargs["preview"] = ComposePreview(**{key: tuple(value) for key, value in data["preview"].items()})
    return kwargs


def recorded_plan(host: FakeHost, expected: list[dict] | None) -> list[dict] | None:
    """The plan `up` recorded for --json, cut to the keys the fixture states."""
    changes = report.details(host.current_op_hash)[host.name]["changes"]
    if changes is None or expected is None:
        return changes
    keys = set().union(*expected) if expected else set()
    return [{key: change[key] for key in keys} for change in changes]


@pytest.mark.parametrize("case", cases("up"))
def test_up(case, fake_host):
    host = fake_host(case["facts"], executing=case.get("executing", True))
    assert run(operations.up._inner(**up_kwargs(case["kwargs"]))) == case["commands"]
    assert host.noops == ([case["noop"]] if case["noop"] else [])
    assert recorded_plan(host, case["plan"]) == case["plan"]
    # every fact the fixture provides was consulted: the fixture says what the decision rests on
    assert {name for name, _ in host.fact_calls} == set(case["facts"])


@pytest.mark.parametrize("case", cases("down"))
def test_down(case, fake_host):
    host = fake_host(case["facts"])
    assert run(operations.down._inner(**case["kwargs"])) == case["commands"]
    assert host.noops == ([case["noop"]] if case["noop"] else [])
    assert host.fact_calls == [("ComposeProjectResources", {"project_name": "app"})]


def test_fixtures_cover_the_required_cases():
    assert {p.stem for p in (FIXTURES / "up").glob("*.json")} >= {
        "up-to-date", "config-hash-drift", "missing-container", "stopped-container", "unhealthy-container",
        "orphan", "profile-disabled", "build-context-changed", "image-replaced-outside", "first-deploy",
        "preview-first-deploy", "preview-up-to-date", "preview-secret-changed", "preview-port-changed",
        "preview-compose-edited", "preview-changed-outside", "preview-executing",
    }
    assert {p.stem for p in (FIXTURES / "down").glob("*.json")} >= {"absent", "present", "purge-volumes-only"}


def test_noop_messages_name_the_project(fake_host):
    up_to_date = json.loads((FIXTURES / "up" / "up-to-date.json").read_text())
    host = fake_host(up_to_date["facts"])
    list(operations.up._inner(project=ComposeProject("/srv/shop", "shop")))
    assert host.noops == ["compose project shop is up to date"]

    host = fake_host({"ComposeProjectResources": {"containers": [], "networks": [], "volumes": []}})
    list(operations.down._inner(project_name="shop"))
    assert host.noops == ["compose project shop is not running"]


def test_up_asks_for_the_build_state_of_active_services_only(fake_host):
    case = json.loads((FIXTURES / "up" / "up-to-date.json").read_text())
    host = fake_host(case["facts"])
    builds = {
        "api": LocalBuild("app-api", "3f" * 32),
        "debug": LocalBuild("app-debug", "00" * 32),  # its profile is not enabled
    }
    assert run(operations.up._inner(project=ComposeProject("/srv/app", "app"), builds=builds)) == []
    [(_, kwargs)] = [call for call in host.fact_calls if call[0] == "ComposeBuildState"]
    assert kwargs == {"builds": {"api": builds["api"]}}


def test_up_hostile_names_stay_quoted(fake_host):
    hostile = "x; rm -rf /"
    fake_host(
        {
            "ComposeDesiredConfig": {"hashes": {"api": "h"}, "services": ["api", hostile]},
            "ComposeContainers": [
                {"service": "api", "container_id": "c1", "name": "a", "state": "running", "health": "unhealthy",
                 "exit_code": 0, "config_hash": "h", "image_id": ""},
                {"service": hostile, "container_id": hostile, "name": "b", "state": "running", "health": "",
                 "exit_code": 0, "config_hash": "h", "image_id": ""},
            ],
        }
    )
    commands = run(operations.up._inner(project=ComposeProject(f"/srv/{hostile}", "app")))
    assert commands == [
        "docker rm --force --volumes 'x; rm -rf /'",
        "docker compose --project-directory '/srv/x; rm -rf /' -p app -f '/srv/x; rm -rf /docker-compose.yml'"
        " up --detach --no-build --force-recreate --no-deps api",
    ]


def test_read_preview_reads_the_target_once_with_this_runs_salt(fake_host):
    project = ComposeProject("/srv/app/infra", "app", env_files=("/srv/app/.env",))
    host = fake_host({"ComposeInputs": {"compose_texts": ["services: {}\n"], "env_digests": [{"A": "d"}]}})
    preview = operations.read_preview(project, ["services: {a: {image: x}}\n"], ["A='1'\n"])
    assert host.fact_calls == [
        ("ComposeInputs", {"compose_paths": ("/srv/app/infra/docker-compose.yml",), "env_paths": ("/srv/app/.env",),
                           "salt": SALT})
    ]
    assert preview.before_texts == ("services: {}\n",) and preview.before_env == ({"A": "d"},)
    assert preview.after_env == (env_digests("A='1'\n"),)
    assert "A='1'" not in repr(preview) and repr(preview) == "ComposePreview(1 compose file(s), 1 env file(s))"


def test_read_preview_wants_one_text_per_file(fake_host):
    fake_host({})
    with pytest.raises(SettingsError, match="one text per compose file"):
        operations.read_preview(ComposeProject("/srv/app", "app"), [], [])


def test_the_plan_is_printed_once_with_its_reasons(fake_host, caplog):
    case = json.loads((FIXTURES / "up" / "preview-secret-changed.json").read_text())
    fake_host(case["facts"], executing=False)
    kwargs = up_kwargs(case["kwargs"])
    with caplog.at_level("INFO", logger="pyinfra"):
        run(operations.up._inner(**kwargs))
        run(operations.up._inner(**kwargs))
    assert [r.getMessage() for r in caplog.records] == [
        "[devbox.example] recreate api: config changed: environment.DATABASE_URL",
        "[devbox.example] recreate db: config changed: environment.POSTGRES_PASSWORD",
    ]


def test_up_prints_its_plan_once_per_operation(fake_host, caplog):
    case = json.loads((FIXTURES / "up" / "build-context-changed.json").read_text())
    fake_host(case["facts"])
    kwargs = up_kwargs(case["kwargs"])
    with caplog.at_level("INFO", logger="pyinfra"):
        run(operations.up._inner(**kwargs))
        run(operations.up._inner(**kwargs))  # pyinfra runs the body twice without -y
    messages = [r.getMessage() for r in caplog.records if "build api" in r.getMessage()]
    assert messages == [
        "[devbox.example] build api: Dockerfile or build context changed since the image was built"
    ]


class Meta:
    """The two questions wait_healthy asks of an earlier operation's OperationMeta."""

    def __init__(self, complete: bool, changed: bool) -> None:
        self.complete, self.changed = complete, changed
        self.will_change = changed

    def is_complete(self) -> bool:
        return self.complete

    def did_change(self) -> bool:
        return self.changed


HEALTHY = {
    "ComposeDesiredConfig": {"hashes": {"api": "h"}, "services": ["api"]},
    "ComposeContainers": [
        {"service": "api", "container_id": "c1", "name": "app-api-1", "state": "running", "health": "healthy",
         "exit_code": 0, "config_hash": "h", "image_id": ""}
    ],
}
PROJECT = ComposeProject("/srv/app", "app")


def test_wait_healthy_is_a_noop_when_healthy(fake_host):
    host = fake_host(HEALTHY)
    assert list(operations.wait_healthy._inner(project=PROJECT)) == []
    assert host.noops == ["all 1 services of app are healthy"]


@pytest.mark.parametrize("after", [Meta(complete=False, changed=True), Meta(complete=True, changed=True)])
def test_wait_healthy_waits_after_a_change(fake_host, after):
    host = fake_host(HEALTHY)
    [command] = list(operations.wait_healthy._inner(project=PROJECT, timeout=9, interval=1, after=after))
    assert isinstance(command, FunctionCommand)
    assert command.function.__wrapped__ is wait_until_healthy and command.args == (PROJECT, 9, 1, (), 30.0)
    assert host.noops == []


def test_wait_healthy_no_change_upstream_is_a_noop(fake_host):
    host = fake_host(HEALTHY)
    assert list(operations.wait_healthy._inner(project=PROJECT, after=Meta(complete=True, changed=False))) == []
    assert host.noops == ["all 1 services of app are healthy"]


def test_wait_healthy_waits_when_not_healthy(fake_host):
    facts = json.loads(json.dumps(HEALTHY))
    facts["ComposeContainers"][0]["health"] = "starting"
    fake_host(facts)
    [command] = list(operations.wait_healthy._inner(project=PROJECT))
    assert isinstance(command, FunctionCommand)


def test_wait_healthy_before_first_deploy_defers_to_the_callback(fake_host):
    fake_host({"ComposeDesiredConfig": None})
    [command] = list(operations.wait_healthy._inner(project=PROJECT))
    assert isinstance(command, FunctionCommand)


def test_wait_healthy_after_a_noop_up_judges_from_what_up_saw(fake_host):
    host = fake_host(HEALTHY)
    assert list(operations.up._inner(project=PROJECT)) == []
    asked = len(host.fact_calls)
    after = Meta(complete=False, changed=False)
    assert list(operations.wait_healthy._inner(project=PROJECT, after=after)) == []
    assert len(host.fact_calls) == asked, "wait_healthy asked the target again"
    assert host.noops[-1] == "all 1 services of app are healthy"
    # That look is used once: a later wait asks the target itself.
    list(operations.wait_healthy._inner(project=PROJECT, after=after))
    assert len(host.fact_calls) == asked + 2


def test_wait_healthy_after_a_noop_up_still_waits_for_a_starting_service(fake_host):
    facts = json.loads(json.dumps(HEALTHY))
    facts["ComposeContainers"][0]["health"] = "starting"
    fake_host(facts)
    assert list(operations.up._inner(project=PROJECT)) == []  # nothing to change...
    [command] = list(operations.wait_healthy._inner(project=PROJECT, after=Meta(complete=False, changed=False)))
    assert command.function.__wrapped__ is wait_until_healthy  # ...but not healthy yet: wait


def test_a_failing_callback_logs_its_message_and_returns_false(caplog):
    def fails(what):
        raise OperationError(f"service(s) failed: {what}\n--- api: unhealthy ---")

    class Host:
        print_prefix = "[box] "

    callback = operations.reported(fails)
    with caplog.at_level("ERROR", logger="pyinfra"):
        assert callback(None, Host(), "api") is False
    assert [r.getMessage() for r in caplog.records] == ["[box] service(s) failed: api", "[box] --- api: unhealthy ---"]
    assert operations.reported(lambda: None)(None, Host()) is True
