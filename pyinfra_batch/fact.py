"""FactBatch: several pyinfra facts answered by one remote command, run side by side.

Each part is a fact class and its arguments; its output is processed by that class, so a
fact means the same alone or batched. A part whose program is missing
(`requires_command`) or that prints nothing gets the fact's default; a part that fails
or whose output does not parse gets a `PartError` (the others are still answered). The
command itself always succeeds: one odd part never fails the host.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyinfra.api import FactBase

from pyinfra_batch.script import Part as Piece
from pyinfra_batch.script import marker, parse, script


@dataclass(frozen=True)
class Part:
    name: str
    fact: type[FactBase]
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # pyinfra logs fact arguments: names only, never values
        return f"Part({self.name}: {self.fact.__name__})"


@dataclass(frozen=True)
class PartError:
    """A part without an answer: why, for the caller to show or to ask again."""

    message: str


def piece(part: Part) -> Piece:
    fact = part.fact()
    return Piece(str(fact.command(**part.kwargs)), str(fact.requires_command(**part.kwargs) or ""))


def answers(parts: Sequence[Part], output: Sequence[str], mark: str) -> dict[str, Any]:
    """Part name -> its fact's processed value, its default, or a PartError."""
    values: dict[str, Any] = {}
    for part, result in zip(parts, parse(output, mark, len(parts))):
        fact, name = part.fact(), part.fact.__name__
        if result.missing:
            values[part.name] = fact.default()
        elif result.status == -1:
            values[part.name] = PartError(f"{name}: no answer (the batch was cut off)")
        elif result.status != 0:
            values[part.name] = PartError(f"{name}: exited {result.status}")
        elif not any(line.strip() for line in result.lines):
            values[part.name] = fact.default()  # as pyinfra: no output is the default
        else:
            try:
                values[part.name] = fact.process(list(result.lines))
            except Exception as error:  # noqa: BLE001 -- any parser's failure is one part's answer
                values[part.name] = PartError(f"{name}: {error}")
    return values


class FactBatch(FactBase[dict]):
    """The answers of several facts, asked in one command: part name -> value.

    + parts: the facts and their arguments (`Part`)
    """

    def command(self, parts: tuple[Part, ...]) -> str:
        names = [part.name for part in parts]
        if len(set(names)) != len(names):
            raise ValueError(f"batch part names must differ: {names}")
        # pyinfra processes the output with this same instance: keep what it needs.
        self._parts, self._mark = tuple(parts), marker()
        return script([piece(part) for part in parts], self._mark)

    def default(self) -> dict:
        return {}

    def process(self, output: list[str]) -> dict:
        return answers(self._parts, output, self._mark)
