"""devstack/targets.py: a pyinfra command line in, a verdict on its target out (issue 17).

The machine's answers are a table (`World`); the real ones (resolver, SSH config reader,
module import) have tests of their own at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from devstack import targets
from devstack.targets import DEFAULT_SSH_CONFIG, Request, check_inventory, check_target, request_from_argv

REPO = Path(__file__).resolve().parents[2]


@dataclass
class World:
    """What this machine answers: files, modules, names that resolve, SSH configs (file -> {name: HostName})."""

    files: set[str] = field(default_factory=lambda: {"inventory.py", "deploy.py"})
    modules: set[str] = field(default_factory=set)
    resolving: set[str] = field(default_factory=lambda: {"localhost", "127.0.0.1", "box.corp.example"})
    ssh: dict[str, dict[str, str]] = field(default_factory=lambda: {DEFAULT_SSH_CONFIG: {"devbox.example": "203.0.113.10"}})
    asked: list[tuple] = field(default_factory=list)

    def lookups(self) -> targets.Lookups:
        def ssh_hostname(name: str, config: str) -> str | None:
            self.asked.append(("ssh", name, config))
            return self.ssh.get(config, {}).get(name, name) if config in self.ssh else None

        def resolves(name: str) -> bool:
            self.asked.append(("resolve", name))
            return name in self.resolving

        return targets.Lookups(exists=lambda path: path in self.files, is_module=lambda name: name in self.modules,
                               resolves=resolves, ssh_hostname=ssh_hostname)


def verdict(*argv: str, world: World | None = None) -> targets.Verdict:
    return check_target(request_from_argv(argv), (world or World()).lookups())


# The command line, parsed by pyinfra's own click command.


def test_argv_gives_the_target_the_limits_and_the_parsed_data():
    request = request_from_argv(["-y", "--data", "ssh_port=2222", "inventory.py", "deploy.py", "--limit", "devboxes",
                                 "--limit=local", "--exclude", "devbox.example", "--data", "ssh_hostname=10.0.0.5"])
    assert request == Request("inventory.py", ("devboxes", "local"), ("devbox.example",),
                              {"ssh_port": 2222, "ssh_hostname": "10.0.0.5"})


def test_a_data_item_without_equals_is_left_to_pyinfra():
    assert request_from_argv(["box", "deploy.py", "--data", "oops"]).data == {}


def test_ssh_config_file_comes_from_data():
    assert request_from_argv(["box", "deploy.py", "--data", "ssh_config_file=/tmp/cfg"]).ssh_config_file == "/tmp/cfg"
    assert request_from_argv(["box", "deploy.py"]).ssh_config_file is None


# Targets that cannot be a host: each problem names the name.


@pytest.mark.parametrize("name", ["devbox.exmple", "typo-box", "10.0.0.999"])
def test_a_single_name_that_is_nothing_is_refused(name):
    result = verdict(name, "deploy.py", "-y")
    assert not result.ok
    [problem] = result.problems
    assert problem.startswith(f"{name}: not a host: no inventory file or Python module of that name, it does not resolve")
    assert f"no Host entry of {DEFAULT_SSH_CONFIG} gives it a HostName" in problem


def test_down_py_is_checked_the_same_way():
    assert verdict("typo-box", "down.py").problems[0].startswith("typo-box: not a host")


def test_every_bad_name_of_a_list_is_named_and_only_those():
    result = verdict("devbox.example,typo-box,@local,other-typo", "deploy.py")
    assert [p.split(":")[0] for p in result.problems] == ["typo-box", "other-typo"]
    assert "inventory file" not in result.problems[0]  # pyinfra reads a list as hosts, never as files


def test_a_stray_comma_is_an_empty_host_name():
    assert verdict("devbox.example,", "deploy.py").problems == ("an empty host name in the list (a stray comma?)",)


def test_user_at_host_gets_a_hint():
    [problem] = verdict("dev@devbox.example", "deploy.py").problems
    assert problem.startswith("dev@devbox.example: not a host")
    assert "pyinfra takes no user@host" in problem and "--data ssh_user=dev" in problem


def test_an_empty_target_is_refused():
    assert verdict("", "deploy.py").problems == ("the target is empty",)


def test_a_host_entry_without_hostname_is_no_alias():
    """`Host typo-box` with only `User dev`: paramiko answers the name itself, which does not resolve."""
    world = World(ssh={DEFAULT_SSH_CONFIG: {"typo-box": "typo-box"}})
    assert not verdict("typo-box", "deploy.py", world=world).ok


def test_a_missing_ssh_config_file_is_refused_even_with_ssh_hostname():
    result = verdict("mybox", "deploy.py", "--data", "ssh_hostname=10.0.0.5", "--data", "ssh_config_file=/nope/cfg")
    assert result.problems == ("--data ssh_config_file=/nope/cfg: no such file",)
    tilde = verdict("mybox", "deploy.py", "--data", "ssh_hostname=10.0.0.5", "--data", "ssh_config_file=~/cfg")
    assert "pyinfra does not expand ~ here" in tilde.problems[0]


def test_an_alias_only_of_the_user_config_is_no_host_when_another_config_is_given():
    """pyinfra's SSH connector reads only --data ssh_config_file then, not ~/.ssh/config."""
    world = World(files={"deploy.py", "/tmp/cfg"}, ssh={DEFAULT_SSH_CONFIG: {"mybox": "10.0.0.5"}, "/tmp/cfg": {}})
    [problem] = verdict("mybox", "deploy.py", "--data", "ssh_config_file=/tmp/cfg", world=world).problems
    assert "no Host entry of /tmp/cfg (--data ssh_config_file) gives it a HostName" in problem


# Every documented way to name a target passes.


@pytest.mark.parametrize(
    "argv",
    [
        ["@local", "deploy.py"],
        ["@local", "down.py", "--data", "purge=true"],
        ["@docker/debian:trixie", "deploy.py"],
        ["@local,@docker/debian:trixie", "deploy.py"],
        ["@ssh/devbox.example", "deploy.py"],  # pyinfra checks connector names itself ("Invalid connector")
        ["inventory.py", "deploy.py", "--limit", "devboxes"],
        ["localhost", "deploy.py"],
        ["127.0.0.1", "deploy.py"],
        ["box.corp.example,devbox.example", "deploy.py"],
        ["devbox.example", "deploy.py"],
        ["mybox", "deploy.py", "--data", "ssh_hostname=10.0.0.5", "--data", "ssh_user=dev"],
        ["mybox,otherbox", "deploy.py", "--data", "ssh_hostname=10.0.0.5"],
        ["inventories.prod", "deploy.py"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_documented_targets_pass(argv):
    world = World(modules={"inventories.prod"})
    assert verdict(*argv, world=world).problems == ()


def test_ssh_hostname_needs_no_lookup_at_all():
    """The e2e dev boxes: a name that resolves nowhere, made a host by --data ssh_hostname."""
    world = World()
    assert verdict("e2e-devbox-1a2b3c-warm", "deploy.py", "--data", "ssh_hostname=127.0.0.1", world=world).ok
    assert world.asked == []


def test_an_alias_of_the_user_config_is_a_host_reached_through_it():
    result = verdict("devbox.example", "deploy.py")
    assert result.ok and result.via_ssh_alias


def test_a_name_that_resolves_is_not_taken_as_an_alias():
    result = verdict("localhost", "deploy.py")
    assert result.ok and not result.via_ssh_alias


def test_an_alias_of_the_given_ssh_config_file_is_a_host():
    world = World(files={"deploy.py", "/tmp/cfg"}, ssh={"/tmp/cfg": {"mybox": "10.0.0.5"}})
    result = verdict("mybox", "deploy.py", "--data", "ssh_config_file=/tmp/cfg", world=world)
    assert result.ok and result.via_ssh_alias
    assert ("ssh", "mybox", "/tmp/cfg") in world.asked and all(a[-1] != DEFAULT_SSH_CONFIG for a in world.asked)


def test_an_inventory_file_is_not_looked_up_as_a_host():
    world = World()
    assert verdict("inventory.py", "deploy.py", world=world).ok and world.asked == []


def test_a_module_comes_before_a_host_name_as_in_pyinfra():
    world = World(modules={"devbox.example"})
    result = verdict("devbox.example", "deploy.py", world=world)
    assert result.ok and not result.via_ssh_alias and world.asked == []


# The inventory pyinfra built, against --limit and --exclude.

GROUPS = {"local": ["@local"], "devboxes": ["devbox.example"], "inventory": ["@local", "devbox.example"],
          "@local": ["@local"]}
HOSTS = ["@local", "devbox.example"]


def inventory_problems(*argv: str, groups=GROUPS, hosts=HOSTS) -> tuple[str, ...]:
    return check_inventory(request_from_argv(["inventory.py", "deploy.py", *argv]), groups, hosts)


def test_a_limit_that_matches_nothing_is_named_with_what_exists():
    assert inventory_problems("--limit", "devbxes") == (
        "--limit devbxes: no group or host of inventory.py matches it "
        "(groups: @local, devboxes, inventory, local; hosts: @local, devbox.example)",
    )


@pytest.mark.parametrize("limit", ["devboxes", "local", "devbox.example", "devbox*", "@local", "inventory"])
def test_a_limit_naming_a_group_a_host_or_a_glob_passes(limit):
    assert inventory_problems("--limit", limit) == ()


def test_each_unmatched_pattern_is_named():
    problems = inventory_problems("--limit", "devboxes", "--limit", "typo", "--exclude", "nope*")
    assert [p.split(":")[0] for p in problems] == ["--limit typo", "--exclude nope*"]


def test_a_group_wins_over_a_glob_of_the_same_name():
    """pyinfra's rule: a group of that name selects its hosts; only else is it a glob."""
    groups = {"box*": ["@local"]}
    assert targets.matching_hosts("box*", groups, ["@local", "box1"]) == ["@local"]
    assert targets.matching_hosts("box*", {}, ["@local", "box1"]) == ["box1"]


def test_a_group_data_file_without_hosts_matches_nothing():
    """group_data/empty.py alone makes no group of the Inventory (pyinfra keeps only groups with hosts)."""
    assert inventory_problems("--limit", "empty")[0].startswith("--limit empty: no group or host")


def test_limit_and_exclude_that_leave_nothing_are_refused():
    assert inventory_problems("--limit", "local", "--exclude", "@local")[0].startswith(
        "--limit/--exclude leave no host of inventory.py to run on")
    assert inventory_problems("--exclude", "*")[0].startswith("--limit/--exclude leave no host")
    assert inventory_problems("--limit", "inventory", "--exclude", "devboxes") == ()


def test_an_inventory_without_hosts_is_refused():
    assert check_inventory(Request("inventories.empty"), {}, []) == ("inventories.empty gives no hosts",)


def test_a_long_listing_is_cut():
    hosts = [f"box{i:02}" for i in range(20)]
    [problem] = check_inventory(Request("fleet.py", limit=("typo",)), {}, hosts)
    assert "box11, ... (8 more)" in problem and "box12" not in problem


# config.py: the pinned pyinfra version is requirements.txt's.


def test_config_pins_the_pyinfra_version_of_requirements_txt():
    import pyinfra

    pinned = re.search(r'REQUIRE_PYINFRA_VERSION = "==([^"]+)"', (REPO / "config.py").read_text()).group(1)
    assert f"pyinfra=={pinned}\n" in (REPO / "requirements.txt").read_text()
    assert pyinfra.__version__ == pinned
