"""moby/patternmatcher, the matcher BuildKit applies to .dockerignore patterns, ported.

Kept line for line close to patternmatcher.go (the same match types, the same
`**` rules, the same "skip a pattern that cannot change the answer" loop) so a
difference can be found by reading both side by side. Linux only: the path
separator is "/" and a backslash escapes the next character.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyinfra_compose.goregex import GoRegexError, compile_go

# Go's unicode.IsSpace, which strings.TrimSpace uses (Python's str.strip also strips \x1c-\x1f).
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_ESCAPED = set(".+()|{}$")


class BadPattern(ValueError):
    """filepath.ErrBadPattern, or patternmatcher's illegal exclusion."""

    def __init__(self, message: str, pattern: Pattern | None = None) -> None:
        super().__init__(message)
        self.pattern = pattern  # set when the error shows only on matching (a regex Go cannot compile)


def go_clean(path: str) -> str:
    """Go's path/filepath.Clean on Linux (posixpath.normpath keeps a leading "//")."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    return ("/" + cleaned) if rooted else (cleaned or ".")


def _scan_chunk(pattern: str) -> tuple[str, str]:
    """filepath.scanChunk: drop leading stars, return (chunk, rest)."""
    pattern = pattern.lstrip("*")
    in_range, i = False, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 1 if i + 1 < len(pattern) else 0
        elif c == "[":
            in_range = True
        elif c == "]":
            in_range = False
        elif c == "*" and not in_range:
            break
        i += 1
    return pattern[:i], pattern[i:]


def _check_chunk(chunk: str) -> None:
    """The syntax checks of filepath.matchChunk (they do not depend on the name)."""
    i = 0

    def get_esc(i: int) -> int:
        if i >= len(chunk) or chunk[i] in "-]":
            raise BadPattern("syntax error in pattern")
        if chunk[i] == "\\":
            i += 1
            if i >= len(chunk):
                raise BadPattern("syntax error in pattern")
        if i + 1 >= len(chunk):
            raise BadPattern("syntax error in pattern")
        return i + 1

    while i < len(chunk):
        c = chunk[i]
        if c == "[":
            i += 1
            if i < len(chunk) and chunk[i] == "^":
                i += 1
            ranges = 0
            while True:
                if i < len(chunk) and chunk[i] == "]" and ranges > 0:
                    i += 1
                    break
                i = get_esc(i)
                if chunk[i] == "-":
                    i = get_esc(i + 1)
                ranges += 1
        elif c == "\\":
            if i + 1 >= len(chunk):
                raise BadPattern("syntax error in pattern")
            i += 2
        else:
            i += 1


def check_glob(pattern: str) -> None:
    """What `filepath.Match(pattern, ".")` rejects (ErrBadPattern); Go checks every chunk."""
    while pattern:
        chunk, pattern = _scan_chunk(pattern)
        _check_chunk(chunk)


@dataclass
class Pattern:
    cleaned: str
    exclusion: bool
    kind: str = ""  # "exact", "prefix", "suffix" or "regexp" once compiled
    regexp: object = field(default=None, repr=False)
    go_regexp: str = ""  # the expression Go compiles, kept to compare with upstream's TestCompile

    def _compile(self) -> None:
        # patternmatcher.compile: build the Go regex and decide the cheapest match type.
        reg, kind, text, i, n = "^", "exact", self.cleaned, 0, 0
        while i < len(text):
            ch = text[i]
            i += 1
            if ch == "*":
                if i < len(text) and text[i] == "*":
                    i += 1
                    if i < len(text) and text[i] == "/":
                        i += 1  # treat "**/" as "**"
                    if i >= len(text):
                        if kind == "exact":
                            kind = "prefix"
                        else:
                            reg, kind = reg + ".*", "regexp"
                    else:
                        reg, kind = reg + "(.*/)?", "regexp"
                    if n == 0:
                        kind = "suffix"
                else:
                    reg, kind = reg + "[^/]*", "regexp"
            elif ch == "?":
                reg, kind = reg + "[^/]", "regexp"
            elif ch in _ESCAPED:
                reg += "\\" + ch
            elif ch == "\\":
                if i < len(text):
                    reg, kind, i = reg + "\\" + text[i], "regexp", i + 1
                else:
                    reg += "\\"
            elif ch in "[]":
                reg, kind = reg + ch, "regexp"
            else:
                reg += ch
            n += 1
        if kind == "regexp":
            self.go_regexp = reg + "$"
            try:
                self.regexp = compile_go(reg + "$")
            except GoRegexError as error:
                # Go leaves the pattern uncompiled: every later match fails the same way
                raise BadPattern(f"syntax error in pattern ({error})", self) from None
        self.kind = kind

    def match(self, path: str) -> bool:
        if not self.kind:
            self._compile()
        if self.kind == "exact":
            return path == self.cleaned
        if self.kind == "prefix":
            return path.startswith(self.cleaned[:-2])
        if self.kind == "suffix":
            suffix = self.cleaned[2:]
            return path.endswith(suffix) or (suffix[:1] == "/" and path == suffix[1:])
        return self.regexp.search(path) is not None  # type: ignore[attr-defined]


class PatternMatcher:
    def __init__(self, patterns: list[str]) -> None:
        self.patterns: list[Pattern] = []
        self.exclusions = False
        for raw in patterns:
            p = raw.strip(GO_SPACE)
            if not p:
                continue
            p = go_clean(p)
            exclusion = p.startswith("!")
            if exclusion:
                if len(p) == 1:
                    raise BadPattern('illegal exclusion pattern: "!"')
                p = p[1:]
                self.exclusions = True
            check_glob(p)
            self.patterns.append(Pattern(p, exclusion))

    def matches_or_parent_matches(self, file: str) -> bool:
        matched = False
        parent = go_dir(file)
        parent_dirs = parent.split("/")
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue  # cannot change the answer
            match = pattern.match(file)
            if not match and parent != ".":
                match = any(pattern.match("/".join(parent_dirs[: i + 1])) for i in range(len(parent_dirs)))
            if match:
                matched = not pattern.exclusion
        return matched

    def matches_using_parent_results(self, file: str, parent_matched: list[bool]) -> tuple[bool, list[bool]]:
        """The walker's matcher: a pattern that matched the parent directory matches here too."""
        if parent_matched and len(parent_matched) != len(self.patterns):
            raise ValueError("wrong number of values in parentMatched")
        matched, info = False, [False] * len(self.patterns)
        for index, pattern in enumerate(self.patterns):
            match = parent_matched[index] if parent_matched else False
            if not match:
                if pattern.exclusion != matched:
                    continue
                match = pattern.match(file)
                if not match and not parent_matched and (parent := go_dir(file)) != ".":
                    dirs = parent.split("/")
                    match = any(pattern.match("/".join(dirs[: i + 1])) for i in range(len(dirs)))
            info[index] = match
            if match:
                matched = not pattern.exclusion
        return matched, info


def go_dir(path: str) -> str:
    """filepath.Dir: everything before the last "/", cleaned ("." when there is none)."""
    head = path[: path.rfind("/") + 1]
    return go_clean(head)


def matches_or_parent_matches(file: str, patterns: list[str]) -> bool:
    """patternmatcher.MatchesOrParentMatches (the package-level function)."""
    matcher = PatternMatcher(patterns)
    file = go_clean(file)
    if file == ".":
        return False  # "Don't let them exclude everything, kind of silly."
    return matcher.matches_or_parent_matches(file)
