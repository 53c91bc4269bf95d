"""Compose-style variable interpolation (`${VAR}`, `${VAR:-default}`, `${VAR?err}`, `$$`).

Used to resolve the *local* copy of a compose file (build contexts, image names)
without needing docker on the machine running pyinfra.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyinfra_compose.errors import SettingsError

_TOKEN = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<plain>[A-Za-z_][A-Za-z0-9_]*)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\})"
)


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Resolve variables in one string the way compose does."""

    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("plain") or match.group("braced")
        op, arg = match.group("op"), match.group("arg") or ""
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

    return _TOKEN.sub(replace, value)


def interpolate_tree(node: object, env: Mapping[str, str]) -> object:
    """Interpolate every string in a parsed YAML tree."""
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [interpolate_tree(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    return node
