"""The pieces under status.py: FactBatch (several facts, one command), the container
runtime parser, the deploy record and its operation, the status-run check, the facts of
free disk -- exact strings, hostile values."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone

import pytest
from pyinfra.api import FactBase, StringCommand

from devstack import fleet, fleet_cli, fleet_facts, fleet_look, operations, record
from pyinfra_batch import FactBatch, Part, PartError
from pyinfra_compose.errors import ParseError
from pyinfra_compose.runtime import TEMPLATE, Runtime, parse_runtime, runtime_command
from tests.unit.fakes import FakeHost


class Echo(FactBase):
    def command(self, word: str) -> str:
        return f"echo {word}; exit 0"

    def process(self, output):
        return [line.upper() for line in output]


class NeedsTool(FactBase):
    def requires_command(self, **kwargs) -> str:
        return "no-such-tool"

    def command(self) -> str:
        return "no-such-tool --version"

    def default(self):
        return "absent"


class Strict(FactBase):
    def command(self) -> str:
        return "echo bad"

    def process(self, output):
        raise ParseError("not what I expected")


PARTS = (Part("one", Echo, {"word": "hi"}), Part("tool", NeedsTool), Part("two", Echo, {"word": "there"}), Part("odd", Strict))


def run_batch(parts) -> dict:
    fact = FactBatch()
    output = subprocess.run(["sh", "-c", fact.command(parts=parts)], capture_output=True, text=True, check=True).stdout
    return fact.process(output.split("\n")[:-1])


def test_batch_runs_each_part_alone_and_parses_each_with_its_fact():
    # A part's `exit` ends its own subshell only; a missing tool gives the default; a bad
    # parse is one part's PartError, not the host's failure.
    values = run_batch(PARTS)
    assert values["one"] == ["HI"] and values["two"] == ["THERE"] and values["tool"] == "absent"
    assert values["odd"] == PartError("Strict: not what I expected")


def test_batch_part_names_must_differ():
    with pytest.raises(ValueError, match="must differ"):
        FactBatch().command(parts=(Part("a", Echo, {"word": "x"}), Part("a", Echo, {"word": "y"})))


def test_fact_batch_logs_names_only():
    assert repr(PARTS[0]) == "Part(one: Echo)"  # pyinfra logs fact arguments: no values


def test_runtime_command_and_parser():
    assert runtime_command("my proj") == (
        f"cd / && docker compose -p 'my proj' ps --all -q | xargs -r docker inspect --format '{TEMPLATE}' 2>/dev/null || true")
    lines = ["abc|2|2026-12-02T05:00:00.1Z|127.0.0.1:8000->8000/tcp [::1]:8000->8000/tcp 127.0.0.1:8000->8000/tcp ",
             "def|0|0001-01-01T00:00:00Z|", ""]
    assert parse_runtime(lines) == {
        "abc": Runtime("abc", 2, "2026-12-02T05:00:00.1Z", ("127.0.0.1:8000->8000/tcp", "[::1]:8000->8000/tcp")),
        "def": Runtime("def", 0, "0001-01-01T00:00:00Z", ()),
    }
    with pytest.raises(ParseError):
        parse_runtime(["abc|x|y|"])


def test_record_round_trip_and_hostile_values():
    at = datetime(2026, 12, 2, 5, 30, 1, tzinfo=timezone.utc)
    text = record.record_text("c0ffee", True, "o'brien@box; rm -rf ~", at)
    assert json.loads(text) == {"at": "2026-12-02T05:30:01Z", "by": "o'brien@box; rm -rf ~", "commit": "c0ffee", "dirty": True}
    assert record.parse_record(text) == fleet.Deployed("2026-12-02T05:30:01Z", "c0ffee", True, "o'brien@box; rm -rf ~")
    for junk in (None, "", "not json", "[1, 2]"):
        assert record.parse_record(junk) is None
    command = record.write_command("/home/d d/devstack/.devstack-deploy.json", text)
    assert command == (
        "printf '%s\\n' '{\"at\": \"2026-12-02T05:30:01Z\", \"by\": \"o'\"'\"'brien@box; rm -rf ~\", \"commit\": \"c0ffee\", \"dirty\": true}' "
        "> '/home/d d/devstack/.devstack-deploy.json.tmp' && "
        "mv -f '/home/d d/devstack/.devstack-deploy.json.tmp' '/home/d d/devstack/.devstack-deploy.json'")
    assert record.path("/srv/stack/") == "/srv/stack/.devstack-deploy.json"


def test_controller_names_this_checkout(tmp_path):
    commit, dirty, by = record.controller(fleet_cli.PLAYBOOK.parent)
    assert len(commit) == 40 and "@" in by and isinstance(dirty, bool)
    assert record.controller(tmp_path)[:2] == ("", False)  # not a checkout: no commit, never an error


class Meta:
    def __init__(self, changed: bool) -> None:
        self.changed = changed

    def is_complete(self) -> bool:
        return False

    @property
    def will_change(self) -> bool:
        return self.changed


def test_deploy_record_only_when_something_changed(monkeypatch):
    fake = FakeHost({})
    monkeypatch.setattr(operations, "host", fake)
    assert list(operations.deploy_record._inner(dest="/d/.r", text="{}", after=[Meta(False), Meta(False)])) == []
    assert fake.noops == ["nothing changed: the deploy record stays as it is"] and fake.asked == []  # no remote command
    commands = list(operations.deploy_record._inner(dest="/d/.r", text="{}", after=[Meta(False), Meta(True)]))
    assert [str(c) for c in commands] == [record.write_command("/d/.r", "{}")]
    assert all(isinstance(c, StringCommand) for c in commands)


def test_free_disk_commands_and_parse():
    assert fleet_facts.FreeDisk().command(path="/home/x y/devstack") == (
        "p='/home/x y/devstack'; while [ ! -e \"$p\" ] && [ \"$p\" != / ]; do p=$(dirname \"$p\"); done; "
        "df -Pk \"$p\" 2>/dev/null | awk 'NR==2 {print $4}'")
    out = subprocess.run(["sh", "-c", fleet_facts.FreeDisk().command(path="/nonexistent/deeper/dir")],
                         capture_output=True, text=True, check=True).stdout
    assert fleet_facts.parse_kib(out.splitlines()) > 0  # the nearest existing parent: /
    assert fleet_facts.parse_kib(["", "oops"]) is None


def test_status_run_is_status_py_of_this_repository(tmp_path):
    root = str(fleet_cli.PLAYBOOK.parent)
    assert fleet_cli.is_status_run(("status.py",), root)
    assert fleet_cli.is_status_run(("./status.py",), root)
    assert not fleet_cli.is_status_run(("deploy.py",), root)
    assert not fleet_cli.is_status_run(("status.py", "deploy.py"), root)
    assert not fleet_cli.is_status_run(("status.py",), str(tmp_path))  # another project's status.py


def test_chosen_images_follow_the_target_env():
    class Decided:
        def __init__(self, image: str) -> None:
            self.env_text = f"POSTGRES_IMAGE='{image}'\n"

    stacks = {"official": Decided("postgres:17"), "local": Decided("devstack-local/postgres:17")}
    from pyinfra_compose.envdiff import env_digests

    assert fleet_look.chosen_mode("auto", env_digests(stacks["local"].env_text), stacks, False) == "local"
    assert fleet_look.chosen_mode("auto", env_digests(stacks["official"].env_text), stacks, True) == "official"
    assert fleet_look.chosen_mode("auto", None, stacks, True) == "local"
    assert fleet_look.chosen_mode("auto", None, stacks, False) == "official"
    assert fleet_look.chosen_mode("official", env_digests(stacks["local"].env_text), stacks, True) == "official"


def test_rows_of_every_host_in_the_limit(monkeypatch):
    class Host:
        def __init__(self, name: str) -> None:
            self.name = name

    class State:
        inventory = [Host("a"), Host("b"), Host("c"), Host("outside")]

        def is_host_in_limit(self, host) -> bool:
            return host.name != "outside"

    monkeypatch.setattr(fleet_cli, "_rows", {"a": fleet.HostStatus("a")})
    monkeypatch.setattr(fleet_cli, "_connect_errors", {"b": "Could not connect (timed out)"})
    rows = fleet_cli.rows_of(State())
    assert [(r.host, r.reachable, r.error) for r in rows] == [
        ("a", True, ""),
        ("b", False, "unreachable: Could not connect (timed out)"),
        ("c", False, "unreachable: connection lost while looking"),
    ]


def test_render_json_parses_and_colour_needs_a_terminal(monkeypatch):
    rows = [fleet.HostStatus("a", reachable=False, error="unreachable: refused")]
    assert json.loads(fleet_cli.render(rows, as_json=True, tty=True))["exit_status"] == 1
    assert "\x1b[" not in fleet_cli.render(rows, as_json=False, tty=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" in fleet_cli.render(rows, as_json=False, tty=True)
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in fleet_cli.render(rows, as_json=False, tty=True)
