"""The .env the stack's compose file reads, rendered from settings and secrets.

Values are written so compose's env-file parser gives them back byte for byte:
single quotes are literal there (no escapes, no `$` interpolation), so they are
used whenever the value has no single quote, newline or backslash; otherwise
double quotes with `\\`, `"`, `$` and newlines escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyinfra_compose.errors import SettingsError

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote(value: str) -> str:
    """One env-file value, quoted so compose reads exactly `value`."""
    if "'" not in value and "\n" not in value and "\\" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("\n", "\\n")
    return f'"{escaped}"'


def render(values: Mapping[str, str], header: str = "") -> str:
    """An env file: one KEY='value' line per entry, in the given order."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    for key, value in values.items():
        if not _KEY.match(key):
            raise SettingsError(f"{key!r} is not a valid environment variable name")
        lines.append(f"{key}={quote(str(value))}")
    return "\n".join(lines) + "\n"
