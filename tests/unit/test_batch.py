"""pyinfra_batch: the script really runs its parts side by side and splits their outputs."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from types import SimpleNamespace

from pyinfra.api import FactBase

from pyinfra_batch import FactBatch, Query, Readings
from pyinfra_batch import batch as batch_module
from pyinfra_batch.script import MISSING, Part, Result, marker, parse, script


def run(parts: list[Part]) -> list[Result]:
    mark = marker()
    out = subprocess.run(["sh", "-c", script(parts, mark)], capture_output=True, text=True, check=True)
    return parse(out.stdout.split("\n")[:-1], mark, len(parts))


def test_outputs_come_back_in_order_with_their_status():
    results = run([Part("echo one; echo two"), Part("printf 'no newline'"), Part("echo err >&2; exit 3"), Part("true")])
    assert results == [
        Result(0, ("one", "two")),
        Result(0, ("no newline",)),
        Result(3, ()),
        Result(0, ()),
    ]


def test_parts_run_in_parallel():
    # The first part sees the second's file only if both run at once (one after the other,
    # it would give up after 5 s without it).
    waits = 'for i in $(seq 50); do [ -e "$_b/flag" ] && break; sleep 0.1; done; [ -e "$_b/flag" ] && echo saw'
    results = run([Part(waits), Part('touch "$_b/flag"; echo set')])
    assert results == [Result(0, ("saw",)), Result(0, ("set",))]


def test_a_missing_program_reads_as_missing_not_as_output():
    results = run([Part("echo hi", requires="no-such-program-xyz"), Part("echo hi", requires="sh")])
    assert results[0].missing and results[0].lines == (MISSING,)
    assert results[1] == Result(0, ("hi",))


def test_hostile_text_in_a_command_and_its_output():
    results = run([Part("printf '%s\\n' \"it's\" '@@pyinfra-batch-0@@ 0' '$(reboot)'", requires="it's")])
    assert results[0].missing  # the required name is quoted, not executed
    results = run([Part("printf '%s\\n' \"it's\" '@@pyinfra-batch-0@@ 0' '$(reboot)'")])
    assert results[0].lines == ("it's", "@@pyinfra-batch-0@@ 0", "$(reboot)")


def test_parts_do_not_read_stdin():
    mark = marker()
    out = subprocess.run(["sh", "-c", script([Part("cat")], mark)], input="secret\n", capture_output=True, text=True)
    assert parse(out.stdout.splitlines(), mark, 1) == [Result(0, ())]


def test_a_cut_off_output_leaves_the_rest_unanswered():
    mark = "@@m@@"
    assert parse([f"{mark} 0", "a", f"{mark} 1"], mark, 3) == [Result(0, ("a",)), Result(1, ()), Result(-1, ())]
    assert parse(["noise before any marker"], mark, 1) == [Result(-1, ())]


def test_the_temporary_directory_is_removed():
    mark = marker()
    text = script([Part('echo "$_b"')], mark)
    out = subprocess.run(["sh", "-c", text], capture_output=True, text=True, check=True)
    (directory,) = parse(out.stdout.splitlines(), mark, 1)[0].lines
    assert directory.startswith("/") and subprocess.run(["test", "-e", directory]).returncode == 1


class Echo(FactBase):
    def command(self, word: str) -> str:
        return f"echo {word}"

    def process(self, output):
        return output[0]


class Absent(FactBase):
    def requires_command(self, word: str) -> str:
        return "no-such-program-xyz"

    def command(self, word: str) -> str:
        return "echo never"

    def default(self):
        return "absent"


class FakeMeta:
    def __init__(self, complete: bool, changed: bool) -> None:
        self.complete, self.changed = complete, changed

    def is_complete(self) -> bool:
        return self.complete

    def did_change(self) -> bool:
        return self.changed


class FakeHost:
    """Runs commands with sh, as pyinfra's local connector would; counts them."""

    def __init__(self, executing: bool = False) -> None:
        self.connected = True
        self.op_hash_order: list[str] = []
        self.metas: dict[str, FakeMeta] = {}
        self.state = SimpleNamespace(
            is_executing=executing,
            get_op_data_for_host=lambda host, op_hash: SimpleNamespace(operation_meta=self.metas[op_hash]),
        )
        self.commands = 0
        self.asked: list[tuple] = []

    def run_shell_command(self, command, **_):
        self.commands += 1
        out = subprocess.run(["sh", "-c", str(command)], capture_output=True, text=True)
        return out.returncode == 0, SimpleNamespace(stdout_lines=out.stdout.split("\n")[:-1])

    def get_fact(self, cls, *args, **kwargs):
        if cls is FactBatch:  # the batch itself, run as pyinfra would: one command
            fact = cls()
            ok, output = self.run_shell_command(fact.command(**kwargs))
            return fact.process(output.stdout_lines) if ok else fact.default()
        self.asked.append((cls.__name__, kwargs))
        return f"asked {kwargs}"


def test_read_facts_answers_every_query_from_one_command():
    host = FakeHost()
    readings = batch_module.read_facts(host, [Query(Echo, {"word": "a"}), Query(Echo, {"word": "b"}), Query(Absent, {"word": "x"})])
    assert host.commands == 1
    assert readings.get_fact(Echo, word="a") == "a"
    assert readings.get_fact(Echo, word="b") == "b"
    assert readings.get_fact(Absent, word="x") == "absent"
    assert host.asked == []


def test_a_query_not_batched_goes_to_the_host():
    host = FakeHost()
    readings = batch_module.read_facts(host, [Query(Echo, {"word": "a"})])
    assert readings.get_fact(Echo, word="other") == "asked {'word': 'other'}"
    assert readings.asked_again == ["Echo"]


def test_while_executing_readings_hold_until_an_operation_changed_the_host():
    host = FakeHost()
    readings = batch_module.read_facts(host, [Query(Echo, {"word": "a"})])
    host.state.is_executing = True  # pyinfra -y: each body runs just before its commands
    host.op_hash_order = ["op1", "op2", "op3"]
    host.metas = {"op1": FakeMeta(True, False), "op2": FakeMeta(False, False)}  # op3: not started
    assert readings.get_fact(Echo, word="a") == "a"
    host.metas["op2"] = FakeMeta(True, True)  # op2 ran and changed something
    assert readings.get_fact(Echo, word="a") == "asked {'word': 'a'}"


def test_a_failed_or_unparsable_part_is_asked_again():
    class Fails(Echo):
        def command(self, word: str) -> str:
            return "exit 4"

    class Garbled(Echo):
        def process(self, output):
            raise ValueError("bad output")

    host = FakeHost()
    readings = batch_module.read_facts(host, [Query(Fails, {"word": "a"}), Query(Garbled, {"word": "b"})])
    assert readings.get_fact(Fails, word="a").startswith("asked")
    assert readings.get_fact(Garbled, word="b").startswith("asked")


def test_readings_are_a_host_for_the_operations():
    assert isinstance(Readings(FakeHost(), {}).get_fact(Echo, word="z"), str)


def test_a_hung_up_batch_removes_its_temporary_directory(tmp_path):
    mark = marker()
    text = script([Part('echo "$_b" > ' + str(tmp_path / "dir") + "; sleep 30")], mark)
    proc = subprocess.Popen(["sh", "-c", text])
    for _ in range(100):
        if (tmp_path / "dir").exists() and (tmp_path / "dir").read_text().strip():
            break
        time.sleep(0.05)
    directory = (tmp_path / "dir").read_text().strip()
    proc.send_signal(signal.SIGHUP)
    assert proc.wait(timeout=10) == 129
    assert directory.startswith("/") and not os.path.exists(directory)
