"""Read a set of facts of one host in one remote command; hand them out by `get_fact`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyinfra.api import FactBase

from pyinfra_batch.fact import FactBatch, Part, PartError


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


def read_facts(host, queries: Iterable[Query]) -> Readings:
    """Every query's fact at once (one FactBatch); a part without an answer (it failed,
    or did not parse) is left out, so its operation asks the host, where pyinfra reports it."""
    queries = list({q.key: q for q in queries}.values())
    parts = tuple(Part(f"q{index}", q.cls, q.kwargs) for index, q in enumerate(queries))
    values = host.get_fact(FactBatch, parts=parts) if parts else {}
    answers = {
        q.key: values[part.name]
        for q, part in zip(queries, parts)
        if part.name in values and not isinstance(values[part.name], PartError)
    }
    return Readings(host, answers)
