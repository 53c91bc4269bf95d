"""A stand-in for pyinfra's Host in operation tests: fact answers in, what was asked out."""

from __future__ import annotations

from typing import Any


class FakeHost:
    """get_fact answers from a dict keyed by fact class (each question recorded in `asked`),
    noop messages collected in `noops`, and the attributes our operations print with."""

    def __init__(self, answers: dict[type, Any], name: str = "@local", op_hash: str = "op-1") -> None:
        self.answers = answers
        self.name = name
        self.print_prefix = f"[{name}] "
        self.current_op_hash = op_hash
        self.noops: list[str] = []
        self.asked: list[tuple[str, dict]] = []

    def get_fact(self, fact: type, **kwargs: Any) -> Any:
        self.asked.append((fact.__name__, kwargs))
        assert fact in self.answers, f"the operation asked for {fact.__name__}, which this test does not expect"
        return self.answers[fact]

    def noop(self, message: str) -> None:
        self.noops.append(message)
