"""pyinfra_compose.rollback: when a state is kept, the exact commands that keep and restore it,
and what a failed update then says."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

import pytest
from pyinfra.api import OperationError, StringCommand

from pyinfra_compose import rollback
from pyinfra_compose.buildinputs import LocalBuild
from pyinfra_compose.facts import ComposeBuildState, ComposeContainers
from pyinfra_compose.parse import Container
from pyinfra_compose.plan import BuildRecord
from pyinfra_compose.preview import ComposePreview
from pyinfra_compose.project import ComposeProject
from tests.unit.fakes import FakeHost

PROJECT = ComposeProject("/srv/app/infra", "app", env_files=("/srv/app/.env",))
BUILDS = {"api": LocalBuild(image="app-api", digest="d" * 64)}
CURRENT = {"api": BuildRecord(image_id="sha256:1", tagged_id="sha256:1")}
SAME = ComposePreview(before_texts=("a",), after_texts=("a",), before_env=({"K": "1"},), after_env=({"K": "1"},))


def healthy(service: str = "api", health: str = "healthy") -> Container:
    return Container(service=service, container_id="c1", name=f"app-{service}-1", state="running", health=health,
                     exit_code=0, config_hash="h", image_id="")


@pytest.mark.parametrize(
    ("preview", "records", "changes"),
    [
        (SAME, CURRENT, []),
        (ComposePreview(("a",), ("b",), ({"K": "1"},), ({"K": "1"},)), CURRENT, ["compose file"]),
        (ComposePreview(("a",), ("a",), ({"K": "1"},), ({"K": "2"},)), CURRENT, ["env file"]),
        (ComposePreview((None,), ("a",), (None,), ({"K": "2"},)), CURRENT, ["compose file", "env file"]),
        (SAME, {"api": BuildRecord(image_id="sha256:1", tagged_id=None)}, ["image of api"]),
        (SAME, {"api": BuildRecord(image_id="sha256:1", tagged_id="sha256:2")}, ["image of api"]),
        (SAME, {}, ["image of api"]),
    ],
)
def test_definition_changes(preview, records, changes):
    assert rollback.definition_changes(preview, BUILDS, records) == changes


def run_op(monkeypatch, answers: dict, preview=SAME) -> tuple[FakeHost, list]:
    host = FakeHost(answers)
    monkeypatch.setattr(rollback, "host", host)
    commands = list(rollback.record_healthy_state._inner(PROJECT, "/srv/app", ("infra", ".env"), preview, BUILDS))
    return host, commands


def test_a_source_edit_keeps_nothing_and_asks_only_the_build_records(monkeypatch):
    host, commands = run_op(monkeypatch, {ComposeBuildState: CURRENT})
    assert commands == [] and host.noops == ["the definition of app does not change: nothing to keep"]
    assert [name for name, _ in host.asked] == ["ComposeBuildState"]


@pytest.mark.parametrize(
    ("containers", "noop"),
    [([], "app is not deployed yet: no state to keep"),
     ([healthy(), healthy("web", "unhealthy")], "app is not healthy now: no healthy state to keep")],
)
def test_nothing_healthy_to_keep(monkeypatch, containers, noop):
    host, commands = run_op(monkeypatch, {ComposeBuildState: {}, ComposeContainers: containers})
    assert commands == [] and host.noops == [noop]


def test_a_healthy_stack_whose_image_changes_is_kept(monkeypatch):
    _, [command] = run_op(monkeypatch, {ComposeBuildState: {}, ComposeContainers: [healthy()]})
    assert isinstance(command, StringCommand)
    assert str(command) == rollback.record_command("/srv/app", ("infra", ".env"), "app")


def test_record_command_exact():
    assert rollback.record_command("/srv/app", ("infra", ".env"), "app") == (
        "cd /srv/app && rm -rf .rollback.new && mkdir -m 700 .rollback.new && "
        "{ [ ! -e infra ] || cp -a infra .rollback.new/infra; } && { [ ! -e .env ] || cp -a .env .rollback.new/.env; } && "
        "docker compose -p app ps -q | xargs -r docker inspect --format "
        "'{{index .Config.Labels \"com.docker.compose.service\"}} {{.Image}}' > .rollback.new/containers && "
        "while read -r service id; do docker tag \"$id\" pyinfra-rollback/app-\"$service\":last && "
        "printf '%s %s\\n' \"$id\" \"$(docker image inspect --format '{{join .RepoTags \" \"}}' \"$id\")\"; "
        "done < .rollback.new/containers > .rollback.new/images && rm -rf .rollback && mv .rollback.new .rollback"
    )


HOSTILE = "/srv/x'; rm -rf /"


def test_hostile_paths_stay_quoted_in_both_commands():
    for command in (rollback.record_command(HOSTILE, (HOSTILE,), "app"), rollback.restore_command(HOSTILE, (HOSTILE,), PROJECT)):
        assert "x; rm -rf /" not in command
        assert "'/srv/x'\"'\"'; rm -rf /'" in command


def test_record_then_restore_round_trip_the_files_in_sh(tmp_path):
    """The file half of both commands, run for real (docker left out: no engine in unit tests)."""
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "compose.yml").write_text("old")
    (tmp_path / ".env").write_text("K=old")
    record = rollback.record_command(str(tmp_path), ("infra", ".env"), "app").split(" && docker compose")[0]
    subprocess.run(["sh", "-c", record + " && : > .rollback.new/images && mv .rollback.new .rollback"], check=True)
    (tmp_path / "infra" / "compose.yml").write_text("new")
    (tmp_path / "infra" / "extra").write_text("added by the failed update")
    (tmp_path / ".env").write_text("K=new")
    restore = rollback.restore_command(str(tmp_path), ("infra", ".env"), PROJECT).split(" && while read")[0]
    subprocess.run(["sh", "-c", restore], check=True)
    assert (tmp_path / "infra" / "compose.yml").read_text() == "old"
    assert not (tmp_path / "infra" / "extra").exists()
    assert (tmp_path / ".env").read_text() == "K=old"
    assert oct((tmp_path / ".rollback").stat().st_mode)[-3:] == "700"


class Meta:
    def __init__(self, changed: bool) -> None:
        self.changed = changed

    def is_complete(self) -> bool:
        return True

    def did_change(self) -> bool:
        return self.changed


def failing(*args):
    raise OperationError("service(s) failed after 3s: api")


def test_without_a_rollback_the_function_is_itself():
    assert rollback.guarded(failing, PROJECT, None) is failing


def test_a_state_not_recorded_this_run_is_not_put_back():
    guard = rollback.guarded(failing, PROJECT, rollback.Rollback("/srv/app", ("infra",), recorded=Meta(False)))
    with pytest.raises(OperationError, match=r"^service\(s\) failed after 3s: api$"):
        guard()


@pytest.mark.parametrize(
    ("restored", "healthy_again", "says"),
    [
        (True, True, r"failed after 3s: api\nrolled back: the previous files and images are serving again, healthy"),
        (False, True, r"failed after 3s: api\nROLLBACK FAILED: putting the last healthy state back did not work:\nno space\n"
                      r"everything is left as it is for inspection \(the kept state: /srv/app/.rollback\)"),
        (True, False, r"failed after 3s: api\nROLLBACK FAILED: the previous state did not become healthy again:\ntimed out"),
    ],
)
def test_a_failed_update_is_rolled_back_and_says_how_that_went(monkeypatch, restored, healthy_again, says):
    ran = []
    fake = SimpleNamespace(print_prefix="[box] ", run_shell_command=lambda command, print_output: (
        ran.append(str(command)) or (restored, SimpleNamespace(stderr_lines=["no space"]))))
    monkeypatch.setattr(rollback, "host", fake)

    def wait(project, timeout, interval):
        if not healthy_again:
            raise OperationError("timed out")

    monkeypatch.setattr("pyinfra_compose.waiting.wait_until_healthy", wait)
    guard = rollback.guarded(failing, PROJECT, rollback.Rollback("/srv/app", ("infra", ".env"), recorded=Meta(True)))
    with pytest.raises(OperationError, match=says):
        guard()
    assert ran == [rollback.restore_command("/srv/app", ("infra", ".env"), PROJECT)]
