"""devstack.tools and tests/run.py: what is missing in, what gets installed out."""

from __future__ import annotations

import pytest
from pyinfra.api import OperationError
from pyinfra.facts.server import LinuxDistribution, Which

from devstack import facts, tools
from tests import run as bootstrap
from tests.unit.fakes import FakeHost

DEBIAN = {"name": "Debian", "release_meta": {"ID": "debian"}}
WANTED = {"ssh": "openssh-client", "ssh-keygen": "openssh-client", "chromium": "chromium"}


def test_missing_packages_once_each_sorted():
    found = {"ssh": False, "ssh-keygen": False, "chromium": False}
    assert tools.missing_packages(WANTED, found) == ["chromium", "openssh-client"]
    assert tools.missing_packages(WANTED, {"ssh": True, "ssh-keygen": False, "chromium": True}) == ["openssh-client"]
    assert tools.missing_packages(WANTED, dict.fromkeys(WANTED, True)) == []


def test_apt_install_updates_first_and_quotes_names():
    assert tools.apt_install(["npm", "a b;rm -rf /"]) == (
        "export DEBIAN_FRONTEND=noninteractive && apt-get update -qq && "
        "apt-get install -y -qq --no-install-recommends npm 'a b;rm -rf /'"
    )


class WhichHost(FakeHost):
    """Which answers per command (the other facts by class, as FakeHost does)."""

    def __init__(self, on_path: set[str], answers: dict, **kwargs) -> None:
        super().__init__(answers, **kwargs)
        self.on_path = on_path

    def get_fact(self, fact, **kwargs):
        if fact is Which:
            self.asked.append(("Which", kwargs))
            return f"/usr/bin/{kwargs['command']}" if kwargs["command"] in self.on_path else None
        return super().get_fact(fact, **kwargs)


def plan(monkeypatch, on_path: set[str], user: str = "root", distribution=DEBIAN) -> list[str]:
    fake = WhichHost(on_path, {LinuxDistribution: distribution, facts.LoginUser: user})
    monkeypatch.setattr(tools, "host", fake)
    monkeypatch.setattr("devstack.operations.host", fake)
    return [str(command) for command in tools.commands_present._inner(commands=WANTED)]


def test_everything_present_is_a_noop_asking_only_the_path(monkeypatch):
    assert plan(monkeypatch, set(WANTED)) == []
    assert tools.host.noops == ["present: ssh, ssh-keygen, chromium"]
    assert {name for name, _ in tools.host.asked} == {"Which"}


def test_root_installs_only_the_missing_packages(monkeypatch):
    assert plan(monkeypatch, {"ssh", "ssh-keygen"}) == [tools.apt_install(["chromium"])]


def test_a_user_installs_through_sudo_that_never_prompts(monkeypatch):
    (line,) = plan(monkeypatch, set(), user="dev")
    assert line.startswith("{ sudo -n true 2>/dev/null || { echo ") and "installing chromium, openssh-client" in line
    assert "&& sudo -n sh -c 'export DEBIAN_FRONTEND=noninteractive" in line


def test_not_debian_names_what_to_install(monkeypatch):
    with pytest.raises(OperationError, match="not Debian/Ubuntu: install chromium yourself"):
        plan(monkeypatch, {"ssh", "ssh-keygen"}, distribution={"name": "Fedora", "release_meta": {"ID": "fedora"}})


@pytest.mark.parametrize(
    ("exists", "installed", "steps"),
    [
        (False, None, ["create", "install"]),
        (True, None, ["install"]),  # a venv made by hand (the README's first command): installed once more
        (True, "old", ["install"]),  # requirements.txt changed since
        (True, "now", []),
        (False, "now", ["create", "install"]),  # a stamp without a venv cannot be
    ],
)
def test_venv_steps(exists, installed, steps):
    assert bootstrap.venv_steps(exists, installed, "now") == steps
