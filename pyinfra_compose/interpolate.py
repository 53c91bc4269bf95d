"""Compose-style variable interpolation (`${VAR}`, `${VAR:-default}`, `${VAR?err}`, `$$`).

Used to resolve the *local* copy of a compose file (build contexts, image names)
without needing docker on the machine running pyinfra.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyinfra_compose.errors import SettingsError

_START = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<plain>[A-Za-z_][A-Za-z0-9_]*)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?)"
)


def _closing_brace(value: str, start: int) -> int | None:
    """Index of the "}" closing a ${...} whose argument starts at start; nested ${...} skipped."""
    depth, i = 0, start
    while i < len(value):
        if value.startswith("$$", i):
            i += 2
            continue
        if value.startswith("${", i):
            depth, i = depth + 1, i + 2
            continue
        if value[i] == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return None


def _resolve(name: str, op: str | None, arg: str, env: Mapping[str, str]) -> str:
    present = name in env
    nonempty = bool(env.get(name))
    if op is None:
        return env.get(name, "")
    if op in (":-", "-"):
        use_default = not nonempty if op == ":-" else not present
        return interpolate(arg, env) if use_default else env[name]
    if op in (":+", "+"):
        use_alt = nonempty if op == ":+" else present
        return interpolate(arg, env) if use_alt else ""
    # ":?" / "?": required
    if (op == ":?" and not nonempty) or (op == "?" and not present):
        raise SettingsError(f"{name}: {arg or 'required variable is not set'}")
    return env[name]


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Resolve variables in one string the way compose does (defaults may nest: ${A:-${B}})."""
    out, i = [], 0
    while (match := _START.search(value, i)) is not None:
        out.append(value[i : match.start()])
        i = match.end()
        if match.group("escaped"):
            out.append("$")
        elif match.group("plain"):
            out.append(env.get(match.group("plain"), ""))
        else:
            end = _closing_brace(value, i)
            if end is None or (match.group("op") is None and end != i):
                out.append(match.group(0))  # not a variable: keep it as written
                continue
            out.append(_resolve(match.group("braced"), match.group("op"), value[i:end], env))
            i = end + 1
    return "".join(out) + value[i:]


def variable_names(value: str) -> set[str]:
    """Names of the variables a string refers to, defaults included (`$$` is no variable)."""
    return {m.group("plain") or m.group("braced") for m in _START.finditer(value) if not m.group("escaped")}


def interpolate_tree(node: object, env: Mapping[str, str]) -> object:
    """Interpolate every string in a parsed YAML tree."""
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [interpolate_tree(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    return node
