"""The batch's shell script and the parsing of its output: pure, unit tested."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

# What pyinfra's own guard prints for a fact whose required command is absent.
MISSING = "##PYINFRA_NOCMD##"


@dataclass(frozen=True)
class Part:
    command: str  # the fact's command, a shell string
    requires: str = ""  # the program it needs ("" for none): absent means the fact's default


@dataclass(frozen=True)
class Result:
    status: int  # the command's exit status; -1 when the script never reported it
    lines: tuple[str, ...]
    missing: bool = False  # the required program is absent


def marker() -> str:
    """A line no fact prints: a random token, so no output can fake a boundary."""
    return f"@@pyinfra-batch-{secrets.token_hex(8)}@@"


def guarded(part: Part) -> str:
    if not part.requires:
        return part.command
    req = part.requires.replace("'", "'\\''")
    return f"if command -v '{req}' >/dev/null 2>&1; then ( {part.command}\n); else echo '{MISSING}'; fi"


def script(parts: Sequence[Part], mark: str) -> str:
    """Run every part in its own subshell, in the background, each into its own file in a
    private temporary directory; then print them in order, each after a marker line that
    carries its exit status. stderr is dropped from the batch: a part that fails is read
    again on its own, where pyinfra shows its error."""
    # No temporary directory (a full /tmp): no part is answered, each is asked on its own.
    # A cut connection (the deploy killed, SSH dropped) hangs the shell up: remove the
    # directory then too (an EXIT trap alone does not run when a signal ends sh).
    lines = ['_b="$(mktemp -d)" || exit 0', "trap 'rm -rf \"$_b\"' EXIT", "trap 'rm -rf \"$_b\"; exit 129' HUP INT TERM"]
    for index, part in enumerate(parts):
        lines.append(
            f'{{ ( {guarded(part)}\n) >"$_b/{index}" 2>/dev/null </dev/null; echo $? >"$_b/{index}.rc"; }} &'
        )
    lines.append("wait")
    for index in range(len(parts)):
        lines.append(f'printf "%s %s\\n" \'{mark}\' "$(cat "$_b/{index}.rc" 2>/dev/null || echo -1)"')
        lines.append(f'awk 1 "$_b/{index}"')  # a last line without its newline gets one
    lines.append("exit 0")
    return "\n".join(lines)


def parse(lines: Sequence[str], mark: str, count: int) -> list[Result]:
    """Split the script's output into one result per part; a part the output does not
    reach (the script was cut off) has status -1."""
    results: list[Result] = []
    status, body = None, []

    def close() -> None:
        if status is not None:
            missing = body == [MISSING]
            results.append(Result(status, tuple(body), missing))

    for line in lines:
        if line.startswith(mark + " "):
            close()
            word = line[len(mark) + 1 :].strip()
            status, body = (int(word) if word.lstrip("-").isdigit() else -1), []
        elif status is not None:
            body.append(line)
    close()
    results += [Result(-1, ())] * (count - len(results))
    return results[:count]
