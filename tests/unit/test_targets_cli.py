"""devstack/targets_cli.py: config.py's hook into the real pyinfra_cli modules (restored
after each test). A pyinfra command line is parsed by pyinfra's own click command."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyinfra.api import Inventory, State
from pyinfra.context import ctx_state
from pyinfra_cli import cli

from devstack import targets, targets_cli


@pytest.fixture
def run_cli(monkeypatch, tmp_path):
    """Run targets_cli.install() as config.py does, inside the click context of `pyinfra <argv>`,
    from an empty directory with an empty ~/.ssh; pyinfra's make_inventory is put back afterwards."""
    monkeypatch.setattr(targets_cli.pyinfra, "is_cli", True)
    monkeypatch.setattr(cli, "make_inventory", cli.make_inventory)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> None:
        with cli.cli.make_context("pyinfra", list(argv)):
            targets_cli.install()

    with ctx_state.use(State()):  # pyinfra reads inventory files within a state
        yield run


def test_a_typo_stops_with_status_2_naming_it(run_cli, caplog):
    with caplog.at_level("ERROR", logger="pyinfra"), pytest.raises(SystemExit) as exited:
        run_cli("devbox.exmple", "deploy.py", "-y")
    assert exited.value.code == 2
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "--> Stopped before touching any host:"
    assert messages[1].startswith("devbox.exmple: not a host") and messages[2] == targets.HOW_TO_NAME_A_TARGET


def test_a_good_target_installs_the_inventory_check_once(run_cli):
    original = cli.make_inventory
    run_cli("@local", "deploy.py")
    first = cli.make_inventory
    assert first is not original and first.devstack_original is original
    run_cli("@local", "deploy.py")
    assert cli.make_inventory.devstack_original is original  # never a wrapper of a wrapper


def test_the_wrapped_make_inventory_refuses_an_unmatched_limit(run_cli, caplog, tmp_path):
    Path("inventory.py").write_text('local = ["@local"]\ndevboxes = ["devbox.example"]\n')
    run_cli("inventory.py", "deploy.py", "--limit", "devbxes")
    with caplog.at_level("ERROR", logger="pyinfra"), pytest.raises(SystemExit) as exited:
        cli.make_inventory("inventory.py", override_data={}, cwd=str(tmp_path), group_data_directories=())
    assert exited.value.code == 2
    assert "--limit devbxes: no group or host of inventory.py matches it" in caplog.text


def test_the_wrapped_make_inventory_returns_pyinfras_inventory(run_cli, tmp_path):
    Path("inventory.py").write_text('local = ["@local"]\ndevboxes = ["devbox.example"]\n')
    run_cli("inventory.py", "deploy.py", "--limit", "devboxes")
    built = cli.make_inventory("inventory.py", override_data={}, cwd=str(tmp_path), group_data_directories=())
    assert sorted(host.name for host in built) == ["@local", "devbox.example"]


def test_an_alias_of_the_given_ssh_config_file_becomes_a_host(run_cli, tmp_path):
    """pyinfra alone would read this name as "no inventory" (it looks only in ~/.ssh/config)."""
    Path("boxes.ssh").write_text("Host mybox\n  HostName 10.0.0.5\n")
    run_cli("mybox", "deploy.py", "--data", "ssh_config_file=boxes.ssh")
    built = cli.make_inventory("mybox", override_data={"ssh_config_file": "boxes.ssh"}, cwd=str(tmp_path),
                               group_data_directories=())
    assert [host.name for host in built] == ["mybox"]
    assert built.get_host("mybox").data.ssh_config_file == "boxes.ssh"


def test_an_empty_inventory_is_refused(monkeypatch, caplog):
    wrapped = targets_cli.checked_make_inventory(lambda inventory, **kwargs: Inventory.empty(),
                                                 targets.Request("hosts.none"), targets.Verdict())
    with caplog.at_level("ERROR", logger="pyinfra"), pytest.raises(SystemExit):
        wrapped("hosts.none", override_data={})
    assert "hosts.none gives no hosts" in caplog.text


def test_outside_the_cli_nothing_happens(monkeypatch):
    monkeypatch.setattr(targets_cli.pyinfra, "is_cli", False)
    before = cli.make_inventory
    with cli.cli.make_context("pyinfra", ["typo-box", "deploy.py"]):
        targets_cli.install()
    assert cli.make_inventory is before


def test_without_a_click_context_nothing_happens(monkeypatch):
    monkeypatch.setattr(targets_cli.pyinfra, "is_cli", True)
    before = cli.make_inventory
    targets_cli.install()
    assert cli.make_inventory is before


def test_a_pyinfra_without_make_inventory_says_so(run_cli, monkeypatch, caplog):
    monkeypatch.delattr(cli, "make_inventory")
    with caplog.at_level("ERROR", logger="pyinfra"), pytest.raises(SystemExit):
        run_cli("@local", "deploy.py")
    assert "has no pyinfra_cli.cli.make_inventory" in caplog.text
