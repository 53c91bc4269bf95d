"""`.dockerignore` exactly as BuildKit applies it to a build context.

Three upstream pieces, ported: moby/patternmatcher's ignorefile.ReadAll (how the
file becomes patterns), moby/patternmatcher (how a pattern matches a path, see
patternmatcher.py) and tonistiigi/fsutil's filter walk (which paths of the
context are sent). The walk is what decides, not a per-path "is it ignored":
an excluded directory is not even entered unless an exception pattern could
re-include something below it, and a pattern that matched a directory keeps
matching inside it. So `a/b` then `!a` leaves `a/b/c` out, though
MatchesOrParentMatches alone would say it is in; BuildKit leaves it out.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyinfra_compose.errors import SettingsError
from pyinfra_compose.patternmatcher import GO_SPACE, BadPattern, PatternMatcher, go_clean

_BOM = "\ufeff"
_MAX_LINE = 64 * 1024  # bufio.Scanner's default token limit
_PATTERN_CHARS = "*[]?^\\"  # fsutil: a pattern with none of these is a plain prefix


def read_all(text: str) -> list[tuple[int, str]]:
    """ignorefile.ReadAll, with the 1-based line number of every pattern kept for errors."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # bufio.ScanLines yields no empty token after a final newline
    patterns = []
    for number, line in enumerate(lines, 1):
        if len(line.encode("utf-8", "surrogateescape")) + 1 > _MAX_LINE:
            raise BadPattern(f"line {number}: bufio.Scanner: token too long")
        line = line.removesuffix("\r")
        if number == 1:
            line = line.removeprefix(_BOM)
        if line.startswith("#"):  # a comment only when "#" is the very first character
            continue
        pattern = line.strip(GO_SPACE)
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:].strip(GO_SPACE)
        if pattern:
            pattern = go_clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        patterns.append((number, "!" + pattern if invert else pattern))
    return patterns


def load_matcher(text: str, source: str) -> PatternMatcher | None:
    """The exclude matcher BuildKit builds from an ignore file; errors name file and line."""
    try:
        lines = read_all(text)
    except BadPattern as error:
        raise SettingsError(f"{source}: {error}") from None
    for number, pattern in lines:
        try:
            PatternMatcher([pattern])
        except BadPattern as error:
            raise SettingsError(f"{source}:{number}: invalid pattern {pattern!r}: {error}") from None
    if not lines:
        return None
    matcher = PatternMatcher([pattern for _, pattern in lines])
    matcher.line_numbers = [number for number, _ in lines]  # type: ignore[attr-defined]
    return matcher


@dataclass(frozen=True)
class Entry:
    path: str  # relative to the context root, "/"-separated
    kind: str  # "dir", "file" or "symlink"


def _without_trailing_glob(pattern: str) -> str:
    return pattern.removesuffix("/**").removesuffix("/*")


def _only_plain(matcher: PatternMatcher, exclusions: bool) -> bool:
    return not any(
        p.exclusion == exclusions and any(c in _without_trailing_glob(p.cleaned) for c in _PATTERN_CHARS)
        for p in matcher.patterns
    )


def _prefix_could_match(matcher: PatternMatcher, path: str, exclusions: bool) -> bool:
    dir_slash = path + "/"
    return any(
        (_without_trailing_glob(p.cleaned) + "/").startswith(dir_slash)
        for p in matcher.patterns
        if p.exclusion == exclusions
    )


ListDir = Callable[[str], list[tuple[str, str]]]  # relative dir ("" is the root) -> sorted (name, kind)


def filter_walk(
    listdir: ListDir, exclude: PatternMatcher | None = None, include: PatternMatcher | None = None
) -> Iterator[Entry]:
    """fsutil's filterFS.Walk: the entries a context transfer sends, in walk order.

    A directory is sent when it is not filtered out itself, or lazily, just before
    the first entry below it that is sent. Errors of a pattern (BadPattern) surface
    when that pattern is first evaluated, as in fsutil.
    """
    only_prefix_includes = include is None or _only_plain(include, exclusions=False)
    only_prefix_exceptions = exclude is None or _only_plain(exclude, exclusions=True)
    parents: list[dict] = []  # the visitedDir stack: open directories above the current path

    def visit(path: str, kind: str) -> Iterator[Entry]:
        is_dir = kind == "dir"
        while parents and not path.startswith(parents[-1]["with_sep"]):
            parents.pop()
        here = {"entry": Entry(path, kind), "with_sep": path + "/", "inc": [], "exc": [], "called": False}
        skip = False
        if include is not None:
            matched, here["inc"] = include.matches_using_parent_results(path, parents[-1]["inc"] if parents else [])
            if not matched:
                if is_dir and only_prefix_includes and not _prefix_could_match(include, path, exclusions=False):
                    return  # SkipDir
                skip = True
        if exclude is not None:
            matched, here["exc"] = exclude.matches_using_parent_results(path, parents[-1]["exc"] if parents else [])
            if matched:
                if is_dir and only_prefix_exceptions:
                    if not exclude.exclusions or not _prefix_could_match(exclude, path, exclusions=True):
                        return  # SkipDir
                skip = True
        if not skip:
            here["called"] = True
            for parent in parents:
                if not parent["called"]:
                    parent["called"] = True
                    yield parent["entry"]
            yield here["entry"]
        if is_dir:
            try:
                children = listdir(path)
            except PermissionError:
                if skip:
                    return  # fsutil ignores an unreadable directory it filters out anyway
                raise
            parents.append(here)
            for name, child_kind in children:
                yield from visit(f"{path}/{name}" if path else name, child_kind)

    for name, kind in listdir(""):
        yield from visit(name, kind)


def disk_listdir(root: Path) -> ListDir:
    """A ListDir over a real directory; symlinks are entries, never followed (as fsutil)."""

    def listdir(relative: str) -> list[tuple[str, str]]:
        entries = []
        with os.scandir(root / relative if relative else root) as scan:
            for item in scan:
                kind = "symlink" if item.is_symlink() else "dir" if item.is_dir(follow_symlinks=False) else "file"
                entries.append((item.name, kind))
        # WalkDir's lexical order is by bytes
        return sorted(entries, key=lambda e: e[0].encode("utf-8", "surrogateescape"))

    return listdir


def context_entries(root: Path, matcher: PatternMatcher | None, source: str = ".dockerignore") -> list[Entry]:
    """What BuildKit sends of the context at root; a bad pattern is a SettingsError naming the file."""
    try:
        return list(filter_walk(disk_listdir(root), exclude=matcher))
    except BadPattern as error:
        where = source
        index = next((i for i, p in enumerate(matcher.patterns if matcher else []) if p is error.pattern), None)
        if index is not None:
            number = getattr(matcher, "line_numbers", [])[index]
            where = f"{source}:{number}: invalid pattern {error.pattern.cleaned!r}"  # type: ignore[union-attr]
        raise SettingsError(f"{where}: {error}") from None
    except PermissionError as error:
        raise SettingsError(f"build context {root}: cannot read {error.filename}: permission denied") from None


def is_sent(matcher: PatternMatcher | None, path: str) -> bool:
    """Whether a build sends this file of the context (path relative to the context).

    The walk's verdict on a path depends only on the patterns and on its ancestors'
    verdicts, never on siblings, so a walk over just that path's chain of directories
    gives the real walk's answer, also for a file that is not on disk (just deleted)."""
    if matcher is None:
        return True
    parts = path.split("/")

    def listdir(relative: str) -> list[tuple[str, str]]:
        depth = relative.count("/") + 1 if relative else 0
        return [(parts[depth], "file" if depth == len(parts) - 1 else "dir")] if depth < len(parts) else []

    return any(entry.path == path for entry in filter_walk(listdir, exclude=matcher))
