"""Go `regexp` (RE2) syntax, translated to an equivalent Python regex.

moby/patternmatcher turns a .dockerignore pattern into a Go regular expression
and leaves `[...]` classes and `\\x` escapes of the pattern to Go's parser, so
`[[:alpha:]]`, `\\d` or `[*]` mean what RE2 says, not what Python's `re` says.
This parses exactly the syntax that patternmatcher can emit (literals, escapes,
classes, `.`, `*`, `?`, `(...)`, `^`, `$`) with RE2's rules and writes a Python
pattern with the same meaning: RE2's Perl classes and word boundaries are ASCII
and `$` is the end of the text. Unicode classes (`\\pL`) are refused loudly.
"""

from __future__ import annotations

import re


class GoRegexError(ValueError):
    """Go's regexp.Compile would fail (patternmatcher reports ErrBadPattern)."""


class GoRegexUnsupported(GoRegexError):
    """Valid RE2 that this translation does not cover (Unicode classes, \\Q...\\E)."""


_PERL = {"d": [(0x30, 0x39)], "s": [(9, 10), (12, 13), (32, 32)], "w": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)]}
_POSIX = {
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "ascii": [(0, 0x7F)],
    "blank": [(9, 9), (32, 32)],
    "cntrl": [(0, 0x1F), (0x7F, 0x7F)],
    "digit": [(0x30, 0x39)],
    "graph": [(0x21, 0x7E)],
    "lower": [(0x61, 0x7A)],
    "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "space": [(9, 13), (32, 32)],
    "upper": [(0x41, 0x5A)],
    "word": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
}
_SIMPLE_ESCAPES = {"a": 7, "f": 12, "t": 9, "n": 10, "r": 13, "v": 11}
_MAX_RUNE = 0x10FFFF


def _negate(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, low = [], 0
    for lo, hi in sorted(ranges):
        if lo > low:
            out.append((low, lo - 1))
        low = max(low, hi + 1)
    if low <= _MAX_RUNE:
        out.append((low, _MAX_RUNE))
    return out


def _class_text(ranges: list[tuple[int, int]]) -> str:
    if not ranges:
        return "(?!)"  # RE2 allows an empty class; it matches nothing
    parts = "".join(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)
    return f"[{parts}]"


def _escape(text: str, i: int) -> tuple[int, int]:
    """RE2's parseEscape at text[i] (just after the backslash): (rune, next index)."""
    if i >= len(text):
        raise GoRegexError("trailing backslash at end of expression")
    c = text[i]
    i += 1
    if "1" <= c <= "7" and not (i < len(text) and "0" <= text[i] <= "7"):
        raise GoRegexError(f"invalid escape sequence: \\{c}")  # a backreference
    if "0" <= c <= "7":
        value = ord(c) - 0x30
        for _ in range(2):
            if i < len(text) and "0" <= text[i] <= "7":
                value, i = value * 8 + ord(text[i]) - 0x30, i + 1
        return value, i
    if c == "x":
        if i < len(text) and text[i] == "{":
            end = text.find("}", i)
            digits = text[i + 1 : end] if end > 0 else ""
            if not digits or not re.fullmatch(r"[0-9A-Fa-f]+", digits) or int(digits, 16) > _MAX_RUNE:
                raise GoRegexError("invalid escape sequence: \\x{")
            return int(digits, 16), end + 1
        digits = text[i : i + 2]
        if not re.fullmatch(r"[0-9A-Fa-f]{2}", digits):
            raise GoRegexError("invalid escape sequence: \\x")
        return int(digits, 16), i + 2
    if c in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[c], i
    if ord(c) < 0x80 and not c.isalnum():
        return ord(c), i  # escaped punctuation is itself
    raise GoRegexError(f"invalid escape sequence: \\{c}")


def _class(text: str, i: int) -> tuple[str, int]:
    """RE2's parseClass at text[i] == "[": (Python class, index after "]")."""
    i += 1
    negated = i < len(text) and text[i] == "^"
    i += negated
    ranges: list[tuple[int, int]] = []
    first = True
    while i >= len(text) or text[i] != "]" or first:
        if i >= len(text):
            raise GoRegexError("missing closing ]")
        first = False
        if text.startswith("[:", i) and (end := text.find(":]", i + 2)) >= 0:
            name = text[i + 2 : end]
            negate_named = name.startswith("^")
            if name.lstrip("^") not in _POSIX:
                raise GoRegexError(f"invalid character class range: [:{name}:]")
            named = _POSIX[name.lstrip("^")]
            ranges += _negate(named) if negate_named else named
            i = end + 2
            continue
        if text.startswith("\\", i) and i + 1 < len(text) and text[i + 1] in "pP":
            raise GoRegexUnsupported("Unicode character classes (\\p) are not supported")
        if text.startswith("\\", i) and i + 1 < len(text) and text[i + 1].lower() in _PERL:
            perl = _PERL[text[i + 1].lower()]
            ranges += _negate(perl) if text[i + 1].isupper() else perl
            i += 2
            continue
        lo, i = _class_char(text, i)
        hi = lo
        if i + 1 < len(text) and text[i] == "-" and text[i + 1] != "]":
            hi, i = _class_char(text, i + 1)
            if hi < lo:
                raise GoRegexError("invalid character class range")
        ranges.append((lo, hi))
    return _class_text(_negate(ranges) if negated else sorted(ranges)), i + 1


def _class_char(text: str, i: int) -> tuple[int, int]:
    if i >= len(text):
        raise GoRegexError("missing closing ]")
    if text[i] == "\\":
        return _escape(text, i + 1)
    return ord(text[i]), i + 1


def translate(go_regex: str) -> str:
    """The Python regex that matches exactly what Go's regexp.MustCompile(go_regex) matches."""
    out, i = [], 0
    while i < len(go_regex):
        c = go_regex[i]
        if c == "[":
            piece, i = _class(go_regex, i)
            out.append(piece)
            continue
        if c == "\\":
            nxt = go_regex[i + 1 : i + 2]
            if nxt in ("p", "P", "Q", "C"):
                raise GoRegexUnsupported(f"\\{nxt} is not supported")
            if nxt.lower() in _PERL and nxt:
                perl = _PERL[nxt.lower()]
                out.append(_class_text(_negate(perl) if nxt.isupper() else perl))
                i += 2
                continue
            if nxt in ("A", "z", "b", "B"):
                out.append({"A": r"\A", "z": r"\Z", "b": r"\b", "B": r"\B"}[nxt])
                i += 2
                continue
            rune, i = _escape(go_regex, i + 1)
            out.append(re.escape(chr(rune)))
            continue
        if c == "$":
            out.append(r"\Z")  # RE2 without (?m): the end of the text, never before a final "\n"
        elif c in "^.*?()":
            out.append(c)
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def compile_go(go_regex: str) -> re.Pattern[str]:
    # re.ASCII: \b and \B are ASCII word boundaries in RE2
    return re.compile(translate(go_regex), re.ASCII)
