"""dryrun.py: the drift verdict and exit status from pyinfra's own change flags, and the
plan details added to --json output. A fake State carries just what dryrun reads."""

from __future__ import annotations

import pytest
from pyinfra.api.state import StateStage
from pyinfra.context import ctx_state
from pyinfra_cli import cli, prints

from pyinfra_compose import dryrun, report
from pyinfra_compose.errors import SettingsError


class _Host:
    def __init__(self, name: str) -> None:
        self.name = name
        self.current_op_hash = ""


class _Meta:
    def __init__(self, change: bool | None) -> None:
        self._maybe_is_change = change


class _OpData:
    def __init__(self, change: bool | None) -> None:
        self.operation_meta = _Meta(change)


class _OpMeta:
    def __init__(self, name: str) -> None:
        self.names = {name}


class _Inventory:
    def __init__(self, hosts: list[_Host]) -> None:
        self.hosts = hosts

    def iter_activated_hosts(self):
        return iter(self.hosts)


class FakeState:
    """ops: operation name -> host name -> whether it would change (in order)."""

    def __init__(self, ops: dict[str, dict[str, bool]], checked=True, stage=StateStage.Prepare, failed=()) -> None:
        names = sorted({host for per_host in ops.values() for host in per_host})
        self.hosts = {name: _Host(name) for name in names}
        self.inventory = _Inventory(list(self.hosts.values()))
        self.op_meta = {f"op{i}": _OpMeta(name) for i, name in enumerate(ops)}
        self.ops = {host: {} for host in self.hosts.values()}
        for i, per_host in enumerate(ops.values()):
            for host_name, change in per_host.items():
                self.ops[self.hosts[host_name]][f"op{i}"] = _OpData(change if checked else None)
        self.check_for_changes = checked
        self.current_stage = stage
        self.failed_hosts = {self.hosts[name] for name in failed}

    def get_op_order(self):
        return list(self.op_meta)


UP_TO_DATE = {"Upload": {"@local": False}, "Render .env": {"@local": False}, "Compose up": {"@local": False}}
DRIFTED = {"Upload": {"@local": True, "box": False}, "Render .env": {"@local": True, "box": False},
           "Compose up": {"@local": True, "box": True}}


def test_no_drift():
    drift = dryrun.drift_of(FakeState(UP_TO_DATE))
    assert not drift.found and drift.checked
    assert drift.line() == "Dry run: no drift: nothing would change on 1 host(s)"
    assert drift.line(exit_status=True) == "Dry run: no drift: nothing would change on 1 host(s) (exit status 0)"
    assert dryrun.exit_status(drift, failed=False) is None


def test_drift_names_hosts_and_operations():
    drift = dryrun.drift_of(FakeState(DRIFTED))
    assert drift.changes == {"@local": ("Upload", "Render .env", "Compose up"), "box": ("Compose up",)}
    assert drift.line(exit_status=True) == (
        "Dry run: drift: would change @local: 3 operation(s) (Upload, Render .env, Compose up); "
        "box: 1 operation(s) (Compose up) (exit status 3)"
    )
    assert dryrun.exit_status(drift, failed=False) == 3


def test_a_failed_run_keeps_pyinfras_status():
    assert dryrun.exit_status(dryrun.drift_of(FakeState(DRIFTED)), failed=True) is None


def test_without_change_detection_drift_is_unknown_never_none():
    drift = dryrun.drift_of(FakeState(DRIFTED, checked=False))
    assert not drift.checked
    assert "drift unknown" in drift.line()
    assert dryrun.exit_status(drift, failed=False) == 1


@pytest.fixture
def cli_state(monkeypatch):
    """Install dryrun's wrappers into the real pyinfra_cli modules (restored afterwards)."""
    calls = []
    monkeypatch.setattr(cli, "_exit", lambda: calls.append("pyinfra _exit"))
    monkeypatch.setattr(prints, "build_plan_json", lambda state: [{"op_hash": "op2", "name": "Compose up"}])
    monkeypatch.setattr(prints, "build_results_json", lambda state: {"operations": [{"op_hash": "op2"}], "totals": {}})
    monkeypatch.setattr(dryrun.pyinfra, "is_cli", True)
    monkeypatch.setitem(dryrun._enabled, "exit_status", False)

    def use(state):
        ctx_state.set(state)
        return calls

    yield use
    ctx_state.reset()


@pytest.mark.parametrize(
    ("ops", "enabled", "failed", "status"),
    [
        (DRIFTED, True, (), 3),
        (UP_TO_DATE, True, (), None),
        (DRIFTED, False, (), None),
        (DRIFTED, True, ("box",), None),
    ],
    ids=["drift", "no-drift", "not-enabled", "failed-host"],
)
def test_exit_wrapper(cli_state, caplog, ops, enabled, failed, status):
    calls = cli_state(FakeState(ops, failed=failed))
    dryrun.install(drift_exit_code=enabled)
    with caplog.at_level("INFO", logger="pyinfra"):
        if status is None:
            cli._exit()
            assert calls == ["pyinfra _exit"]
        else:
            with pytest.raises(SystemExit) as exited:
                cli._exit()
            assert exited.value.code == status and calls == []
    [verdict] = [r.getMessage() for r in caplog.records if "Dry run" in r.getMessage()]
    assert verdict.startswith("--> Dry run: ")


def test_after_execution_the_wrapper_stays_out(cli_state, caplog):
    calls = cli_state(FakeState(DRIFTED, stage=StateStage.Disconnect))
    dryrun.install(drift_exit_code=True)
    with caplog.at_level("INFO", logger="pyinfra"):
        cli._exit()
    assert calls == ["pyinfra _exit"] and not caplog.records


def test_install_wraps_once(cli_state):
    cli_state(FakeState(UP_TO_DATE))
    dryrun.install()
    first = cli._exit
    dryrun.install(drift_exit_code=True)
    assert cli._exit is first and dryrun._enabled["exit_status"] is True


def test_json_carries_each_operations_details(cli_state):
    cli_state(FakeState(DRIFTED))
    dryrun.install()
    report.reset()
    host = _Host("@local")
    host.current_op_hash = "op2"
    report.record(host, {"project": "app", "up_to_date": False, "changes": [{"kind": "create", "service": "db"}]})
    assert prints.build_plan_json(None) == [
        {"op_hash": "op2", "name": "Compose up",
         "details": {"@local": {"project": "app", "up_to_date": False, "changes": [{"kind": "create", "service": "db"}]}}}
    ]
    assert prints.build_results_json(None)["operations"][0]["details"]["@local"]["project"] == "app"
    report.reset()


def test_install_outside_the_cli_does_nothing(monkeypatch):
    monkeypatch.setattr(dryrun.pyinfra, "is_cli", False)
    before = cli._exit
    dryrun.install(drift_exit_code=True)
    assert cli._exit is before


def test_install_on_a_pyinfra_without_the_hooks(monkeypatch, caplog):
    monkeypatch.setattr(dryrun.pyinfra, "is_cli", True)
    monkeypatch.delattr(cli, "_exit")
    with pytest.raises(SettingsError, match="drift_exit_code: pyinfra .* has no pyinfra_cli.cli._exit"):
        dryrun.install(drift_exit_code=True)
    with caplog.at_level("WARNING", logger="pyinfra"):
        dryrun.install(drift_exit_code=False)
    assert "no drift verdict" in caplog.text
