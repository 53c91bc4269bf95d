"""dockerignore.filter_walk against tonistiigi/fsutil's filter_test.go (at 6d9dc2e).

Trees are built in memory from fsutil's own "ADD path kind" change streams; the
expected listings are fsutil's bufWalk output. Not ported: FollowPaths, Map and a
walk callback returning SkipDir (BuildKit's .dockerignore handling uses none of
them) and TestFSWalkNested's filter-of-a-filter cases."""

from __future__ import annotations

import pytest

from pyinfra_compose.dockerignore import filter_walk
from pyinfra_compose.patternmatcher import BadPattern, PatternMatcher, matches_or_parent_matches


def tree(*changes: str, unreadable: tuple[str, ...] = ()):
    """A ListDir from fsutil's changeStream lines ("ADD foo/bar file")."""
    kinds = {}
    for change in changes:
        _, path, kind = change.split()[:3]
        kinds[path] = kind

    def listdir(relative: str):
        if relative in unreadable:
            raise PermissionError(13, "permission denied", relative)
        prefix = relative + "/" if relative else ""
        names = {p[len(prefix):]: k for p, k in kinds.items() if p.startswith(prefix) and "/" not in p[len(prefix):]}
        return sorted(names.items())

    return listdir


def walk(listdir, include=None, exclude=None) -> str:
    entries = filter_walk(
        listdir,
        exclude=PatternMatcher(exclude) if exclude else None,
        include=PatternMatcher(include) if include else None,
    )
    return "".join(f"{e.kind} {e.path}\n" for e in entries)


def lines(text: str) -> str:
    """fsutil's trimEqual: one entry a line, indentation ignored."""
    return "".join(line.strip() + "\n" for line in text.splitlines() if line.strip())


def test_walker_simple():
    """TestWalkerSimple"""
    assert walk(tree("ADD foo file", "ADD foo2 file")) == "file foo\nfile foo2\n"


def test_invalid_exclude_patterns():
    """TestInvalidExcludePatterns"""
    with pytest.raises(BadPattern):
        walk(tree("ADD foo file data1"), exclude=["!"])


WALKER_INCLUDE = tree("ADD bar dir", "ADD bar/foo file", "ADD foo2 file")


@pytest.mark.parametrize(
    ("include", "expected"),
    [
        ("bar", "dir bar\nfile bar/foo\n"),
        ("bar/foo", "dir bar\nfile bar/foo\n"),
        ("b*", "dir bar\nfile bar/foo\n"),
        ("bar/f*", "dir bar\nfile bar/foo\n"),
        ("bar/g*", ""),
        ("f*", "file foo2\n"),
        ("b*/f*", "dir bar\nfile bar/foo\n"),
        ("b*/foo", "dir bar\nfile bar/foo\n"),
        ("b*/", "dir bar\nfile bar/foo\n"),
    ],
)
def test_walker_include(include, expected):
    """TestWalkerInclude"""
    assert walk(WALKER_INCLUDE, include=[include]) == expected


def test_walker_exclude():
    """TestWalkerExclude: an excluded directory is still entered for an exception below it."""
    listdir = tree("ADD bar file", "ADD foo dir", "ADD foo2 file", "ADD foo/bar2 file")
    assert walk(listdir, exclude=["foo*", "!foo/bar2"]) == "file bar\ndir foo\nfile foo/bar2\n"


PERMISSION = tree("ADD foo dir", "ADD foo/bar dir", unreadable=("foo/bar",))


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        (None, None, PermissionError),
        (None, ["**/bar"], "dir foo\n"),
        (None, ["**/bar", "!foo/bar/baz"], "dir foo\n"),
        (None, ["**/bar", "!foo/bar"], PermissionError),
        (["foo", "!**/bar"], None, "dir foo\n"),
    ],
)
def test_walker_permission_denied(include, exclude, expected):
    """TestWalkerPermissionDenied: an unreadable directory fails the walk unless it is filtered out."""
    if expected is PermissionError:
        with pytest.raises(PermissionError):
            walk(PERMISSION, include=include, exclude=exclude)
    else:
        assert walk(PERMISSION, include=include, exclude=exclude) == expected


DOUBLESTAR = tree(
    "ADD a dir", "ADD a/b dir", "ADD a/b/baz dir", "ADD a/b/bar dir ", "ADD a/b/bar/foo file",
    "ADD a/b/bar/fop file", "ADD bar dir", "ADD bar/foo file", "ADD baz dir", "ADD foo2 file",
    "ADD foo dir", "ADD foo/bar dir", "ADD foo/bar/bee file",
)
ALL_BAR = "dir a\ndir a/b\ndir a/b/bar\nfile a/b/bar/foo\nfile a/b/bar/fop\n"


@pytest.mark.parametrize(
    ("include", "expected"),
    [
        ("**", ALL_BAR + "dir a/b/baz\ndir bar\nfile bar/foo\ndir baz\ndir foo\ndir foo/bar\nfile foo/bar/bee\nfile foo2\n"),
        ("**/bar", ALL_BAR + "dir bar\nfile bar/foo\ndir foo\ndir foo/bar\nfile foo/bar/bee\n"),
        ("**/bar/foo", "dir a\ndir a/b\ndir a/b/bar\nfile a/b/bar/foo\ndir bar\nfile bar/foo\n"),
        ("**/b*", ALL_BAR + "dir a/b/baz\ndir bar\nfile bar/foo\ndir baz\ndir foo\ndir foo/bar\nfile foo/bar/bee\n"),
        ("**/bar/f*", ALL_BAR + "dir bar\nfile bar/foo\n"),
        ("**/bar/g*", ""),
        ("**/f*", ALL_BAR + "dir bar\nfile bar/foo\ndir foo\ndir foo/bar\nfile foo/bar/bee\nfile foo2\n"),
        ("**/b*/f*", ALL_BAR + "dir bar\nfile bar/foo\n"),
        ("**/b*/foo", "dir a\ndir a/b\ndir a/b/bar\nfile a/b/bar/foo\ndir bar\nfile bar/foo\n"),
        ("**/foo/**", "dir foo\ndir foo/bar\nfile foo/bar/bee\n"),
        ("**/baz", "dir a\ndir a/b\ndir a/b/baz\ndir baz\n"),
    ],
)
def test_walker_doublestar_include(include, expected):
    """TestWalkerDoublestarInclude"""
    assert walk(DOUBLESTAR, include=[include]) == lines(expected)


def test_fs_walk():
    """TestFSWalk (unfiltered, from the root)"""
    listdir = tree("ADD foo file", "ADD bar dir", "ADD bar/foo2 file")
    assert walk(listdir) == "dir bar\nfile bar/foo2\nfile foo\n"


def test_fs_walk_nested_single_filter():
    """TestFSWalkNested, first case: exclude foo, except foo/bar."""
    listdir = tree("ADD foo dir", "ADD foo/bar file")
    assert walk(listdir, exclude=["foo", "!foo/bar"]) == "dir foo\nfile foo/bar\n"


def test_filtered_open():
    """TestFilteredOpen: the walk leaves bar out; Open(bar) is refused (MatchesOrParentMatches)."""
    assert walk(tree("ADD foo file", "ADD bar file"), exclude=["bar"]) == "file foo\n"
    assert matches_or_parent_matches("bar", ["bar"]) and not matches_or_parent_matches("foo", ["bar"])


def test_filtered_open_wildcard():
    """TestFilteredOpenWildcard: include bar* opens bar2 and bar/foo, not baz."""
    include = PatternMatcher(["bar*"])
    assert not include.matches_or_parent_matches("baz")
    assert include.matches_or_parent_matches("bar2") and include.matches_or_parent_matches("bar/foo")


def test_filtered_open_invert():
    """TestFilteredOpenInvert, and the same through the walk."""
    exclude = ["foo", "!foo/bar", "foo/bar/baz", "!foo/bar/baz/x"]
    assert not matches_or_parent_matches("foo/bar/baz/x", exclude)
    assert matches_or_parent_matches("foo/bar/baz/y", exclude)
    listdir = tree("ADD foo dir", "ADD foo/bar dir", "ADD foo/bar/baz dir", "ADD foo/bar/baz/x file", "ADD foo/bar/baz/y file")
    assert walk(listdir, exclude=exclude) == "dir foo\ndir foo/bar\ndir foo/bar/baz\nfile foo/bar/baz/x\n"
