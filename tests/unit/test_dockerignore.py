"""dockerignore.py: Docker's documented examples
(docs.docker.com/build/concepts/context/#dockerignore-files), BuildKit's own
dockerignore tests, and the errors a bad file gets."""

from __future__ import annotations

import pytest

from pyinfra_compose.dockerignore import Entry, context_entries, filter_walk, is_sent, load_matcher, read_all
from pyinfra_compose.errors import SettingsError
from pyinfra_compose.goregex import GoRegexError, GoRegexUnsupported, compile_go


def listing(*paths: str):
    """A ListDir over files at paths (their parent directories implied)."""
    kinds = {}
    for path in paths:
        parts = path.split("/")
        for i in range(1, len(parts)):
            kinds["/".join(parts[:i])] = "dir"
        kinds[path] = "file"

    def listdir(relative: str):
        prefix = relative + "/" if relative else ""
        return sorted((p[len(prefix):], k) for p, k in kinds.items() if p.startswith(prefix) and "/" not in p[len(prefix):])

    return listdir


def sent(rules: str, *paths: str) -> list[str]:
    """The files of a context BuildKit sends with this .dockerignore."""
    entries = filter_walk(listing(*paths), exclude=load_matcher(rules, ".dockerignore"))
    return [e.path for e in entries if e.kind == "file"]


def ignored(rules: str, path: str) -> bool:
    return sent(rules, path) == []


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
    assert [p for _, p in read_all("# a comment\n\n   \n  *.log  \n!  keep.log\n.\n/\n")] == ["*.log", "!keep.log", ".", "/"]
    assert sent("# a comment\n\n   \n  *.log  \n!  keep.log\n.\n/\n", "a.log", "keep.log", "b.txt") == ["b.txt", "keep.log"]


def test_patterns_are_normalised():
    assert [p for _, p in read_all("/a/../b/\n./c//d\n")] == ["b", "c/d"]


def test_a_comment_needs_the_hash_first_and_a_bom_is_dropped():
    assert [p for _, p in read_all("\ufeff# c\n #x\r\n")] == ["#x"]


def test_nothing_is_ignored_without_patterns():
    assert load_matcher("", ".dockerignore") is None
    assert sent("# only a comment\n", "anything/at/all") == ["anything/at/all"]


def test_buildkit_test_dockerignore():
    """moby/buildkit dockerfile_dockerignore_test.go testDockerignore: ba*, Dockerfile, !bay, .dockerignore."""
    rules = "\nba*\nDockerfile\n!bay\n.dockerignore\n"
    assert sent(rules, "Dockerfile", "foo", "bar", "baz", "bay", ".dockerignore") == ["bay", "foo"]


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        # testDockerignoreInvalid: a lone "!" fails the build
        ("!\n", ".dockerignore:1: invalid pattern '!': illegal exclusion pattern: \"!\""),
        ("ok\n\n! \n", ".dockerignore:3: invalid pattern '!': illegal exclusion pattern"),
        ("!/\n", ".dockerignore:1: invalid pattern '!/': illegal exclusion pattern"),
        ("a\n[\n", ".dockerignore:2: invalid pattern '[': syntax error in pattern"),
        ("[a-b-c]\n", ".dockerignore:1: invalid pattern '[a-b-c]': syntax error in pattern"),
        ("x\\\n", ".dockerignore:1: invalid pattern 'x\\\\': syntax error in pattern"),
    ],
)
def test_malformed_patterns_name_file_and_line(rules, message):
    with pytest.raises(SettingsError) as error:
        load_matcher(rules, ".dockerignore")
    assert str(error.value).startswith(message)


def test_a_pattern_go_cannot_compile_fails_the_walk_naming_its_line(tmp_path):
    """filepath.Match accepts [b-a]; Go's regexp does not, so BuildKit fails on the first match."""
    from pyinfra_compose.dockerignore import context_entries

    (tmp_path / "f").write_text("")
    matcher = load_matcher("ok\n[b-a]\n", "ctx/.dockerignore")
    with pytest.raises(SettingsError, match=r"ctx/.dockerignore:2: invalid pattern '\[b-a\]': syntax error"):
        context_entries(tmp_path, matcher, "ctx/.dockerignore")


@pytest.mark.parametrize(
    ("rules", "paths", "expected"),
    [
        # character classes and escapes are Go's, not literal text
        ("[abc].txt", ("a.txt", "d.txt", "[abc].txt"), ["[abc].txt", "d.txt"]),
        ("[!a].txt", ("!.txt", "a.txt", "b.txt"), ["b.txt"]),  # "!" is no negation in a Go class
        ("[^a].txt", ("a.txt", "b.txt"), ["a.txt"]),
        ("\\[x\\]", ("[x]", "x"), ["x"]),
        ("a\\?b", ("a?b", "axb"), ["axb"]),
        ("[[:digit:]]*", ("1a", "a1"), ["a1"]),  # RE2's POSIX class (filepath.Match has none)
        ("\\d", ("1", "d"), ["d"]),
        ("[*]", ("*", "]", "[]", "a"), ["*", "a"]),  # patternmatcher's regex for "[*]" is [[^/]*]
        # an excluded directory is entered only for an exception that could match below it
        ("a/b\n!a", ("a/b/c", "a/d"), ["a/d"]),
        ("a\n!a/b/*", ("a/b/c", "a/d"), ["a/b/c"]),
        ("**/secret\n!**/secret/keep", ("x/secret/keep", "x/secret/other"), ["x/secret/keep"]),
        ("*/\n!*/keep", ("d/keep", "d/x", "top"), ["d/keep"]),  # Clean("*/") is "*"
    ],
)
def test_buildkit_semantics(rules, paths, expected):
    assert sent(rules, *paths) == sorted(expected)


@pytest.mark.parametrize(
    ("go", "text", "matches"),
    [
        ("^a$", "a\n", False),  # Go's $ is the end of the text
        (r"^\d$", "\u0663", False),  # \d is ASCII in RE2
        (r"^[[:alpha:]]$", "q", True),
        (r"^[^[:alpha:]]$", "1", True),
        (r"^\x41$", "A", True),
        (r"^\101$", "A", True),
        (r"^[\]a]$", "]", True),
    ],
)
def test_go_regex_translation(go, text, matches):
    assert (compile_go(go).search(text) is not None) is matches


@pytest.mark.parametrize("go", [r"\q", r"[b-a]", r"\1", r"[[:nope:]]", r"\é", "[a"])
def test_go_regex_errors(go):
    with pytest.raises(GoRegexError):
        compile_go(go)


def test_go_regex_unicode_classes_are_refused_loudly():
    with pytest.raises(GoRegexUnsupported):
        compile_go(r"\pL")


@pytest.mark.parametrize("ignore", ["a/b\n!a\n", "*\n!req.txt\n", "**/*.log\n!keep/*.log\n", "a\n!a/b/c\n", "[ab]/x\n"])
def test_is_sent_agrees_with_the_walk_file_by_file(tmp_path, ignore):
    # watch.py asks about one path at a time (also a deleted one): the answer must be the walk's.
    for rel in ("a/b/c", "a/b/d", "a/x", "b/x", "req.txt", "other.txt", "keep/y.log", "z.log", "deep/q/z.log"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    matcher = load_matcher(ignore, ".dockerignore")
    walked = {e.path for e in context_entries(tmp_path, matcher) if e.kind == "file"}
    for file in (p for p in tmp_path.rglob("*") if p.is_file()):
        rel = file.relative_to(tmp_path).as_posix()
        assert is_sent(matcher, rel) == (rel in walked), rel
