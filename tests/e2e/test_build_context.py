"""The build digest covers exactly what the engine puts in a build context.

For a few tricky .dockerignore files (exceptions inside excluded directories,
Go character classes and escapes, `**` forms, a BOM and CRLF line ends), one
`docker compose build` builds an image per case whose Dockerfile copies the
context and lists it (`COPY . /ctx` + `find`); each listing must equal the entries
dockerignore.context_entries walks, which are what tree_digest hashes. A case
where our walk and BuildKit's disagree fails here. One build of small images,
then one `docker run` per case: tens of seconds.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from pyinfra_compose.dockerignore import context_entries, load_matcher
from tests.e2e.helpers import REPO, run

BASE = "devstack-local/debian:trixie"
DOCKERFILE = f"FROM {BASE}\nCOPY . /ctx\nRUN cd /ctx && find . -mindepth 1 | cut -c3- | LC_ALL=C sort > /listing\n"

# case -> (.dockerignore bytes, files of the context; a name ending in "/" is an empty directory)
CASES: dict[str, tuple[bytes, list[str]]] = {
    # fsutil keeps a/b out although MatchesOrParentMatches("a/b/c") alone says "in"
    "exception_of_parent": (b"a/b\n!a\n", ["a/b/c", "a/b/e/f", "a/d", "top"]),
    # an excluded directory is entered for an exception below it, and only then
    "excluded_dir_exceptions": (
        b"node_modules\n!node_modules/keep/**\n**/*.log\n!important.log\nbuild/\n!build/out\n",
        ["node_modules/x/i.js", "node_modules/keep/k.js", "a.log", "sub/b.log", "important.log",
         "build/out", "build/tmp/t", "build/empty/"],
    ),
    # classes, escapes and POSIX classes are Go regexp syntax, not literal text
    "classes_and_escapes": (
        b"[abc].txt\n\\[x\\]\n[[:digit:]]*\n[!q]z\n[*]\n",
        ["a.txt", "d.txt", "[x]", "x", "1a", "a1", "!z", "qz", "yz", "*", "]", "m"],
    ),
    # ** forms, and everything-but patterns
    "doublestar": (
        b"**\n!src\nsrc/**/*.tmp\n!**/keep.tmp\n",
        ["src/a.py", "src/deep/x.tmp", "src/deep/keep.tmp", "docs/r.md", "Dockerfile", "src/empty/"],
    ),
    # a UTF-8 BOM, CRLF line ends, a " #" that is a pattern, leading "/" and "./"
    "file_syntax": (
        b"\xef\xbb\xbf# comment\r\n/secret.txt\r\n  ./cache  \r\n #odd\r\n!cache/keep\r\n",
        ["secret.txt", "sub/secret.txt", "cache/c", "cache/keep", " #odd", "#odd"],
    ),
}


def _make_context(root: Path, ignore: bytes, files: list[str]) -> None:
    root.mkdir(parents=True)
    for name in files:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{name}\n")
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / ".dockerignore").write_bytes(ignore)


@pytest.fixture(scope="module")
def built(docker_engine, tmp_path_factory) -> dict[str, list[str]]:
    """case -> the context listing the engine produced; the images are removed afterwards."""
    run(["bash", str(REPO / "images" / "build.sh"), "debian"], timeout=1800)
    root = tmp_path_factory.mktemp("build-context")
    project = f"e2e-ctx-{uuid.uuid4().hex[:8]}"
    services = []
    for case, (ignore, files) in CASES.items():
        _make_context(root / case, ignore, files)
        services.append(f"  {case.replace('_', '-')}:\n    build: ./{case}\n")
    (root / "compose.yml").write_text("services:\n" + "".join(services))
    images = [f"{project}-{case.replace('_', '-')}" for case in CASES]
    env = {**os.environ, "COMPOSE_BAKE": "false"}
    try:
        run(["docker", "compose", "-p", project, "-f", str(root / "compose.yml"), "build", "--quiet"], env=env, timeout=600)
        yield {
            case: run(["docker", "run", "--rm", image, "cat", "/listing"]).stdout.splitlines()
            for case, image in zip(CASES, images)
        }
    finally:
        run(["docker", "image", "rm", "-f", *images], check=False)



@pytest.mark.parametrize("case", list(CASES))
def test_digest_covers_what_the_engine_copies(built, tmp_path_factory, case):
    context = next(p for p in tmp_path_factory.getbasetemp().glob("build-context*/" + case))
    ignore = context / ".dockerignore"
    matcher = load_matcher(ignore.read_bytes().decode("utf-8", "surrogateescape"), str(ignore))
    ours = sorted((e.path for e in context_entries(context, matcher, str(ignore))), key=lambda p: p.encode())
    assert ours == built[case]
