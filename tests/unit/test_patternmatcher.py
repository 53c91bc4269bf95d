"""patternmatcher.py against moby/patternmatcher's own tests (patternmatcher_test.go at
5a6d842, tables in fixtures/upstream/patternmatcher.json; ignorefile_test.go for ReadAll).

TestMatch's table is run upstream through the deprecated Matches (one parent level);
here it runs through MatchesOrParentMatches, which BuildKit uses, and every case
agrees. Windows-only variants are left out (we run on Linux)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyinfra_compose.dockerignore import read_all
from pyinfra_compose.patternmatcher import BadPattern, Pattern, PatternMatcher, go_clean, matches_or_parent_matches

TABLES = json.loads((Path(__file__).parent / "fixtures/upstream/patternmatcher.json").read_text())


def _id(case: dict) -> str:
    return f"{case['test']}:{case['patterns']}:{case.get('path', '')}"


@pytest.mark.parametrize("case", TABLES["matches"], ids=_id)
def test_upstream_match_tables(case):
    if "error" in case:
        with pytest.raises(BadPattern, match=case["error"]):
            matches_or_parent_matches(case["path"], case["patterns"])
        return
    if case["test"].startswith("TestMatches"):
        # TestMatches calls the method on the raw text (no Clean): "file/", "/" stay as written
        got = PatternMatcher(case["patterns"]).matches_or_parent_matches(case["path"])
        walked, _ = _walk_matches(PatternMatcher(case["patterns"]), case["path"])
        assert walked is case["excluded"]  # its MatchesUsingParentResults subtest
    else:
        got = matches_or_parent_matches(case["path"], case["patterns"])
    assert got is case["excluded"]


def _walk_matches(matcher: PatternMatcher, text: str) -> tuple[bool, list[bool]]:
    """TestMatches/MatchesUsingParentResults: feed each parent directory's result to the next."""
    parent = text[: text.rfind("/") + 1]
    info: list[bool] = []
    if go_clean(parent) != ".":
        dirs = go_clean(parent).split("/")
        for i in range(len(dirs)):
            _, info = matcher.matches_using_parent_results("/".join(dirs[: i + 1]), info)
    return matcher.matches_using_parent_results(text, info)


@pytest.mark.parametrize("case", TABLES["compile"], ids=lambda c: c["pattern"])
def test_upstream_compile_table(case):
    """TestCompile (slash): the match type each pattern compiles to."""
    pattern = Pattern(go_clean(case["pattern"]), False)
    pattern.match("x")
    assert pattern.kind == case["kind"]
    assert pattern.go_regexp == case["regexp"]


@pytest.mark.parametrize(
    ("test", "patterns", "path", "expected"),
    [
        ("TestWildcardMatches", ["*"], "fileutils.go", True),
        ("TestPatternMatches", ["*.go"], "fileutils.go", True),
        ("TestExclusionPatternMatchesPatternBefore", ["!fileutils.go", "*.go"], "fileutils.go", True),
        ("TestPatternMatchesFolderExclusions", ["docs", "!docs/README.md"], "docs/README.md", False),
        ("TestPatternMatchesFolderWithSlashExclusions", ["docs/", "!docs/README.md"], "docs/README.md", False),
        ("TestPatternMatchesFolderWildcardExclusions", ["docs/*", "!docs/README.md"], "docs/README.md", False),
        ("TestExclusionPatternMatchesPatternAfter", ["*.go", "!fileutils.go"], "fileutils.go", False),
        ("TestExclusionPatternMatchesWholeDirectory", ["*.go"], ".", False),
        ("TestMatchesWithNoPatterns", [], "/any/path/there", False),
    ],
)
def test_upstream_small_tests(test, patterns, path, expected):
    assert matches_or_parent_matches(path, patterns) is expected, test


@pytest.mark.parametrize(
    ("test", "patterns"),
    [
        ("TestSingleExclamationError", ["!"]),
        ("TestCleanPatternsErrorSingleException", ["!"]),
        ("TestMatchesWithMalformedPatterns", ["["]),
    ],
)
def test_upstream_errors_on_new(test, patterns):
    with pytest.raises(BadPattern):
        PatternMatcher(patterns)


def test_upstream_clean_patterns():
    """TestCleanPatterns, ...StripEmptyPatterns, ...ExceptionFlag, ...Leading/TrailingSpaceTrimmed."""
    assert len(PatternMatcher(["docs", "config"]).patterns) == 2
    assert len(PatternMatcher(["docs", "config", ""]).patterns) == 2
    assert PatternMatcher(["docs", "!docs/README.md"]).exclusions
    assert PatternMatcher(["docs", "  !docs/README.md"]).exclusions
    assert PatternMatcher(["docs", "!docs/README.md  "]).exclusions


def test_upstream_malformed_pattern_fails_on_every_match():
    """TestMatchesOrParentMatchesMalformedPatternDoesNotPanicOnRepeatedCall: New accepts it,
    each match fails with ErrBadPattern (Go's regexp rejects the range l-O)."""
    matcher = PatternMatcher(["[Local-Only]/"])
    for _ in range(2):
        with pytest.raises(BadPattern, match="syntax error in pattern"):
            matcher.matches_or_parent_matches("x")


def test_upstream_read_all():
    """ignorefile_test.go TestReadAll (also buildkit dockerignore_test.go TestReadAll)."""
    content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! \n"
    assert [p for _, p in read_all(content)] == [
        "test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path", "!", "!",
    ]
    assert read_all("") == []


@pytest.mark.parametrize(
    ("path", "cleaned"),
    [("", "."), ("//a//b/", "/a/b"), ("/../a", "/a"), ("../../a", "../../a"), ("a/../..", ".."), ("./a/./b/..", "a")],
)
def test_go_clean_is_filepath_clean(path, cleaned):
    assert go_clean(path) == cleaned
