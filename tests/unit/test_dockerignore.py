"""dockerignore.py against Docker's documented examples
(docs.docker.com/build/concepts/context/#dockerignore-files)."""

from __future__ import annotations

import pytest

from pyinfra_compose.dockerignore import Pattern, is_ignored, parse_dockerignore


def ignored(rules: str, path: str) -> bool:
    return is_ignored(path, parse_dockerignore(rules))


@pytest.mark.parametrize(
    ("rules", "path", "expected"),
    [
        # `*/temp*`: files and directories starting with temp in any immediate subdirectory
        ("*/temp*", "somedir/temporary.txt", True),
        ("*/temp*", "somedir/temp", True),
        ("*/temp*", "somedir/temp/inside.txt", True),
        ("*/temp*", "temporary.txt", False),
        ("*/temp*", "a/b/temporary.txt", False),
        # `*/*/temp*`: two levels below the root
        ("*/*/temp*", "somedir/subdir/temporary.txt", True),
        ("*/*/temp*", "somedir/temporary.txt", False),
        # `temp?`: one character after temp, in the root only
        ("temp?", "tempa", True),
        ("temp?", "tempb", True),
        ("temp?", "temp", False),
        ("temp?", "tempab", False),
        ("temp?", "sub/tempa", False),
        # `**/*.go`: in every directory, the root included
        ("**/*.go", "main.go", True),
        ("**/*.go", "cmd/app/main.go", True),
        ("**/*.go", "main.go.txt", False),
        # `*` and `?` never cross "/"
        ("*.md", "docs/a.md", False),
        ("*.md", "a.md", True),
        # trailing `**`
        ("build/**", "build/a/b.o", True),
        # exceptions: `!README.md` after `*.md` keeps the README only
        ("*.md\n!README.md", "README.md", False),
        ("*.md\n!README.md", "CHANGES.md", True),
        # order matters: the last matching line wins
        ("!README.md\n*.md", "README.md", True),
        ("*.md\n!README*.md\nREADME-secret.md", "README-secret.md", True),
        ("*.md\n!README*.md\nREADME-secret.md", "README-public.md", False),
        # leading "/" and "./" are the context root
        ("/secret.txt", "secret.txt", True),
        ("./secret.txt", "secret.txt", True),
        ("/secret.txt", "sub/secret.txt", False),
        # a directory pattern excludes everything below it, with or without a trailing "/"
        ("node_modules", "node_modules/lib/index.js", True),
        ("node_modules/", "node_modules/lib/index.js", True),
        ("node_modules", "src/node_modules/lib/index.js", False),
        ("**/node_modules", "src/node_modules/lib/index.js", True),
        ("docs\n!docs/keep.md", "docs/keep.md", False),
        ("docs\n!docs/keep.md", "docs/other.md", True),
        # `*` then `!pyproject.toml`: everything out except that file at the root
        ("*\n!pyproject.toml", "pyproject.toml", False),
        ("*\n!pyproject.toml", "src/app.py", True),
        ("*\n!pyproject.toml", "Dockerfile", True),
        ("*\n!pyproject.toml\n!src", "src/app.py", False),
        # regex characters are literal
        ("a+b.txt", "a+b.txt", True),
        ("a+b.txt", "aab.txt", False),
        ("a.txt", "abtxt", False),
    ],
)
def test_documented_examples(rules, path, expected):
    assert ignored(rules, path) is expected


def test_comments_blank_lines_and_whitespace_are_skipped():
    assert parse_dockerignore("# a comment\n\n   \n  *.log  \n!  keep.log\n.\n/\n") == [
        Pattern("*.log", False),
        Pattern("keep.log", True),
    ]


def test_patterns_are_normalised():
    assert [p.text for p in parse_dockerignore("/a/../b/\n./c//d\n")] == ["b", "c/d"]


def test_nothing_is_ignored_without_patterns():
    assert not is_ignored("anything/at/all", [])
