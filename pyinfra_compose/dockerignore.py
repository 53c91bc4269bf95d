"""`.dockerignore` matching, the way Docker's patternmatcher does it.

Rules (docs.docker.com/build/concepts/context/#dockerignore-files): patterns are
relative to the context root, a leading "/" is dropped, `*` and `?` never cross
"/", `**` matches any number of directories, a pattern that matches a directory
excludes everything below it, and a later `!pattern` re-includes. Last match wins.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Pattern:
    text: str
    exclusion: bool  # True for a "!" line: re-include what matches

    @cached_property
    def regex(self) -> re.Pattern[str]:
        out, i, text = "", 0, self.text
        while i < len(text):
            char = text[i]
            if text.startswith("**", i):
                # "**/" matches zero or more directories; a trailing "**" matches anything.
                if text.startswith("**/", i):
                    out += "(?:.*/)?"
                    i += 3
                else:
                    out += ".*"
                    i += 2
                continue
            out += {"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char))
            i += 1
        return re.compile(f"^{out}$")

    def matches(self, path: str) -> bool:
        """True when the pattern matches the path or one of its parent directories."""
        parts = path.split("/")
        return any(self.regex.match("/".join(parts[:n])) for n in range(1, len(parts) + 1))


def parse_dockerignore(text: str) -> list[Pattern]:
    patterns = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        line = line[1:].strip() if exclusion else line
        line = posixpath.normpath(line).lstrip("/")
        if line and line != ".":
            patterns.append(Pattern(line, exclusion))
    return patterns


def is_ignored(path: str, patterns: list[Pattern]) -> bool:
    """Whether a context-relative path is left out of the build context."""
    ignored = False
    for pattern in patterns:
        if pattern.matches(path):
            ignored = not pattern.exclusion
    return ignored
