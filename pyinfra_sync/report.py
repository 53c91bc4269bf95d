"""What a user sees of a sync: pure functions from a plan (and contents) to lines.

Without --diff: one line per new, changed or deleted path (a count past a limit).
With --diff: a unified diff per text file, a one-liner per binary, secret or large one.
Contents of files that may hold secrets are never shown.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from fnmatch import fnmatchcase

from pyinfra_sync.plan import SyncPlan

SUMMARY_LIMIT = 50  # paths listed one per line before the rest becomes a count
DIFF_MAX_BYTES = 1024 * 1024  # larger files get a one-line summary instead of a diff
# Names whose contents are never printed, even when they are synced.
SECRET_PATTERNS = (
    ".env", ".env.*", "*.env", "*.pem", "*.key", "*.p12", "*.pfx", "*.keystore", "*.jks",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*secret*", "*credential*", "*password*",
    ".netrc", ".pgpass", ".npmrc", ".pypirc", "*.kdbx", "htpasswd", ".htpasswd",
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def is_secret(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return any(fnmatchcase(name, pattern) for pattern in SECRET_PATTERNS)


def visible(text: str) -> str:
    """A path or line safe to print: control characters (newline, escape...) as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text.replace("\n", "\\n"))


def headline(plan: SyncPlan, trees: int) -> str:
    return f"sync: {len(plan.new)} new, {len(plan.changed)} changed, {len(plan.deleted)} deleted (in {trees} trees)"


def summary_lines(plan: SyncPlan, limit: int = SUMMARY_LIMIT) -> list[str]:
    """One line per path: `+ new`, `~ changed`, `- deleted`; past `limit`, a count."""
    mode_only = set(plan.mode_only)
    lines = [f"+ {visible(path)}" for path in plan.new]
    lines += [f"~ {visible(path)}" + (" (executable bit only)" if path in mode_only else "") for path in plan.changed]
    lines += [f"- {visible(path)}" for path in plan.deleted]
    if len(lines) > limit:
        return lines[:limit] + [f"... and {len(lines) - limit} more (--diff lists every file)"]
    return lines


def text_of(data: bytes) -> str | None:
    """The text of a file, or None when it is binary (NUL bytes or not UTF-8)."""
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def wants_remote_content(path: str, local: bytes) -> bool:
    """Whether a changed file is diffed (so its old content is fetched from the target)."""
    return not is_secret(path) and len(local) <= DIFF_MAX_BYTES and text_of(local) is not None


def file_diff(path: str, old: bytes | None, new: bytes | None) -> list[str]:
    """Unified diff lines of one file: old None = new file, new None = deleted file."""
    shown = visible(path)
    if new is None:
        return [f"--- a/{shown}", "+++ /dev/null", "(deleted on the target)"]
    if is_secret(path):
        return [f"~ {shown}: content not shown (may hold secrets)"]
    new_text = text_of(new) if len(new) <= DIFF_MAX_BYTES else None
    old_text = "" if old is None else (text_of(old) if len(old) <= DIFF_MAX_BYTES else None)
    if new_text is None or old_text is None:
        if old is None:
            return [f"+ {shown}: new binary or large file, {len(new)} bytes"]
        return [f"~ {shown}: binary or large file, {len(old)} bytes -> {len(new)} bytes"]
    lines = list(
        difflib.unified_diff(
            old_text.splitlines(),
            new_text.splitlines(),
            fromfile="/dev/null" if old is None else f"a/{shown}",
            tofile=f"b/{shown}",
            lineterm="",
        )
    )
    if not lines:  # an empty new file, or a change of line endings only
        return [f"--- {'/dev/null' if old is None else 'a/' + shown}", f"+++ b/{shown}", "(no text lines differ)"]
    return [visible(line) for line in lines]


def diff_lines(
    plan: SyncPlan,
    local: Mapping[str, bytes],
    remote: Mapping[str, bytes],
) -> list[str]:
    """Every new, changed and deleted file, each exactly once, in path order.

    + local: current local content of each uploaded path
    + remote: target content of the changed paths that were fetched (others get a summary)
    """
    mode_only, deleted, new = set(plan.mode_only), set(plan.deleted), set(plan.new)
    lines: list[str] = []
    for path in sorted(plan.new + plan.changed + plan.deleted):
        if path in mode_only:
            lines.append(f"~ {visible(path)}: executable bit changed only")
        elif path in deleted:
            lines += file_diff(path, b"", None)
        elif path in new:
            lines += file_diff(path, None, local[path])
        elif path in remote:
            lines += file_diff(path, remote[path], local[path])
        elif is_secret(path):
            lines += file_diff(path, b"", local[path])
        elif len(local[path]) > DIFF_MAX_BYTES or text_of(local[path]) is None:
            lines.append(f"~ {visible(path)}: binary or large file changed, now {len(local[path])} bytes")
        else:  # past the number of files one diff fetches
            lines.append(f"~ {visible(path)}: changed, now {len(local[path])} bytes (too many changes to diff all)")
    return lines
