"""Several pyinfra facts in one remote command: a status view of many hosts stays a
bounded, small number of round trips per host, whatever it asks.

Each part runs in its own subshell (a part's `exit` or `cd` ends only that part), its
output between two marker lines; each part's output is then processed by its own fact
class, so a fact means the same alone or batched. A part that needs a missing command
(`requires_command`) or prints nothing gets the fact's default; a part whose output
does not parse gets a `PartError` (the others are still answered). The batch command
always succeeds: one odd part never fails the host.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyinfra.api import FactBase

from pyinfra_compose import commands as cmd

MARK = "----pyinfra-batch----"
MISSING = "__pyinfra_batch_missing_command__"


@dataclass(frozen=True)
class Part:
    name: str  # a word: [A-Za-z0-9_-]
    fact: type[FactBase]
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # pyinfra logs fact arguments: names only
        return f"Part({self.name}: {self.fact.__name__})"


@dataclass(frozen=True)
class PartError:
    """A part whose output did not parse: the message, for the caller to show."""

    message: str


def batch_command(parts: Sequence[Part]) -> str:
    """Shell: every part's command in order, each behind its marker line."""
    chunks = []
    for part in parts:
        if not part.name or not all(ch.isalnum() or ch in "_-" for ch in part.name):
            raise ValueError(f"batch part name {part.name!r}: letters, digits, _ and - only")
        fact = part.fact()
        command = str(fact.command(**part.kwargs))
        needs = fact.requires_command(**part.kwargs)
        if needs:
            command = (
                f"if command -v {cmd.shell([needs])} >/dev/null 2>&1; then ( {command} ); "
                f"else echo {MISSING}; fi"
            )
        else:
            command = f"( {command} )"
        chunks.append(f"echo {cmd.shell([f'{MARK}{part.name}'])}; {command} 2>/dev/null")
    return "; ".join(chunks + ["true"])


def parse_batch(parts: Sequence[Part], output: Sequence[str]) -> dict[str, Any]:
    """Part name -> its fact's processed value (default, or a PartError)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output:
        if line.startswith(MARK):
            current = sections.setdefault(line[len(MARK):].strip(), [])
        elif current is not None:
            current.append(line)
    values: dict[str, Any] = {}
    for part in parts:
        fact = part.fact()
        lines = sections.get(part.name, [])
        if not any(line.strip() for line in lines) or [line.strip() for line in lines] == [MISSING]:
            values[part.name] = fact.default()
            continue
        try:
            values[part.name] = fact.process(lines)
        except Exception as error:  # noqa: BLE001 -- any parser's failure is one part's answer
            values[part.name] = PartError(f"{part.fact.__name__}: {error}")
    return values


class FactBatch(FactBase[dict]):
    """The answers of several facts, asked in one command: part name -> value.

    + parts: the facts and their arguments (`Part`), in the order they run
    """

    def command(self, parts: tuple[Part, ...]) -> str:
        self._parts = tuple(parts)
        return batch_command(parts)

    def default(self) -> dict:
        return {}

    def process(self, output: list[str]) -> dict:
        return parse_batch(self._parts, output)
