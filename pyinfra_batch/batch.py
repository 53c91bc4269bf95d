"""Read a set of facts of one host in one remote command; hand them out by `get_fact`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyinfra import logger
from pyinfra.api import FactBase, StringCommand

from pyinfra_batch.script import Part, marker, parse, script


@dataclass(frozen=True)
class Query:
    """One fact to read, with the keyword arguments the operation will ask it with."""

    cls: type[FactBase]
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[type, str]:
        return key(self.cls, self.kwargs)


def key(cls: type, kwargs: dict[str, Any]) -> tuple[type, str]:
    # Arguments are dataclasses, tuples and dicts: their repr is their identity here. A
    # mismatch only costs a round trip (the fact is asked for again), never a wrong answer.
    return cls, repr(sorted(kwargs.items()))


class Readings:
    """Facts read before planning, answered by `get_fact` like a pyinfra host.

    Valid for what the target was when they were read: while pyinfra plans (no
    operation has run yet), and, as it executes (with -y pyinfra runs each operation's
    body just before its commands), until an operation on this host has changed
    something. From then on every question goes to the host itself.
    """

    def __init__(self, host, answers: dict[tuple[type, str], Any]) -> None:
        self.host = host
        self.answers = answers
        self.asked_again: list[str] = []  # facts not in the batch (for tests and -v)

    def get_fact(self, cls: type[FactBase], *args, **kwargs):
        k = key(cls, kwargs)
        if not args and k in self.answers and self.still_true():
            return self.answers[k]
        self.asked_again.append(cls.__name__)
        return self.host.get_fact(cls, *args, **kwargs)


    def still_true(self) -> bool:
        """No operation on this host has changed anything yet (pyinfra's own records)."""
        state = self.host.state
        if not state.is_executing:
            return True
        for op_hash in self.host.op_hash_order:
            try:
                meta = state.get_op_data_for_host(self.host, op_hash).operation_meta
            except KeyError:
                continue
            if meta.is_complete() and meta.did_change():
                return False
        return True


def _part(query: Query) -> Part | None:
    fact = query.cls()
    try:
        command = fact.command(**query.kwargs)
        requires = fact.requires_command(**query.kwargs) if hasattr(fact, "requires_command") else None
    except Exception:  # noqa: BLE001 -- a fact that cannot build its command is asked on its own
        return None
    if not isinstance(command, str) or (requires is not None and not isinstance(requires, str)):
        return None  # StringCommand with masked parts: leave those to pyinfra
    return Part(command, requires or "")


def read_facts(host, queries: Iterable[Query]) -> Readings:
    """Run every query's command at once on the host; parse each as pyinfra would."""
    queries = list({q.key: q for q in queries}.values())
    parts = [(q, _part(q)) for q in queries]
    batched = [(q, p) for q, p in parts if p is not None]
    answers: dict[tuple[type, str], Any] = {}
    if not batched:
        return Readings(host, answers)
    mark = marker()
    text = script([p for _, p in batched], mark)
    if not host.connected:
        host.connect(reason="to read the deploy's facts", raise_exceptions=True)
    ok, output = host.run_shell_command(StringCommand(text), print_output=False, print_input=False)
    results = parse(output.stdout_lines, mark, len(batched)) if ok else []
    for (query, _), result in zip(batched, results):
        fact = query.cls()
        if result.missing:
            answers[query.key] = fact.default()
        elif result.status == 0:
            try:
                answers[query.key] = fact.process(list(result.lines)) if result.lines else fact.default()
            except Exception:  # noqa: BLE001 -- asked again on its own, where pyinfra reports it
                logger.debug(f"batch: {query.cls.__name__} did not parse; asking again")
    return Readings(host, answers)
