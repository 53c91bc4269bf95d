"""Which keys of an env file a deploy adds, changes or removes, without ever seeing a value.

Both sides are reduced to `KEY -> sha256(salt + line)`: locally from the text about to
be uploaded, on the target by a shell loop (`commands.env_digests`) whose output is
digests only, so even `pyinfra -vvv` (which echoes every fact's output) shows no value.
The salt is random per run: a digest cannot be looked up in a table of known hashes
nor compared across runs. Lines that are not `KEY=...` (comments aside) are counted,
never named: a hand-edited multi-line value must not have its text printed as a "key".
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

SALT = secrets.token_hex(16)  # one per pyinfra run; facts and local digests share it
_KEY_LINE = re.compile(r"^(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=")
OTHER = "?"  # prefix of the digest keys of lines that are not KEY=...
_SPACE = " \t\n\r\x0b\x0c"  # the shell's [:space:] in the C locale, not Python's wider set


def line_key(line: str) -> str | None:
    """The variable a line sets, "" for a blank or comment line, None for anything else."""
    stripped = line.strip(_SPACE)
    if not stripped or stripped.startswith("#"):
        return ""
    match = _KEY_LINE.match(line)
    return match.group(1) if match else None


def digest(line: str, salt: str = SALT) -> str:
    return hashlib.sha256((salt + line).encode()).hexdigest()


def env_digests(text: str, salt: str = SALT) -> dict[str, str]:
    """KEY -> salted digest of its whole line; other lines as "?<n>" -> digest.

    Mirrors `commands.env_digests` line for line (a later line of the same key wins,
    as in compose)."""
    digests: dict[str, str] = {}
    others = 0
    for line in text.split("\n"):
        key = line_key(line)
        if key == "":
            continue
        if key is None:
            others += 1
            key = f"{OTHER}{others}"
        digests[key] = digest(line, salt)
    return digests


@dataclass(frozen=True)
class EnvDiff:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    other_lines: int = 0  # lines that are not KEY=... and differ: counted, never shown

    @property
    def keys(self) -> frozenset[str]:
        """Every variable whose value may differ after the upload."""
        return frozenset(self.added + self.changed + self.removed)

    @property
    def is_empty(self) -> bool:
        return not self.keys and not self.other_lines

    def lines(self) -> list[str]:
        """One line per key, values never shown."""
        lines = [f"+ {key} (added)" for key in self.added]
        lines += [f"~ {key} (value changed)" for key in self.changed]
        lines += [f"- {key} (removed)" for key in self.removed]
        if self.other_lines:
            lines.append(f"~ {self.other_lines} line(s) that set no KEY=value differ (not shown)")
        return lines

    def to_dict(self) -> dict:
        return {
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
            "other_lines": self.other_lines,
        }


def diff_env(before: Mapping[str, str] | None, after: Mapping[str, str]) -> EnvDiff:
    """Compare two digest maps; before None (no file on the target) adds every key."""
    before = before or {}
    named = lambda keys: tuple(sorted(k for k in keys if not k.startswith(OTHER)))  # noqa: E731
    others = {k for k in set(before) ^ set(after) if k.startswith(OTHER)}
    others |= {k for k in set(before) & set(after) if k.startswith(OTHER) and before[k] != after[k]}
    return EnvDiff(
        added=named(set(after) - set(before)),
        changed=named(k for k in set(after) & set(before) if after[k] != before[k]),
        removed=named(set(before) - set(after)),
        other_lines=len(others),
    )
