"""Small helpers shared by the end-to-end tests (real Docker engine, real SSH)."""

from __future__ import annotations

import json
import re
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from devstack import stack

REPO = Path(__file__).resolve().parents[2]
PYINFRA = [str(Path(os.sys.executable).with_name("pyinfra"))]

# The Debian-package stand-ins of images/ (no registry is reachable in CI).
LOCAL_IMAGES = dict(stack.LOCAL_IMAGES)


def run(
    argv: list[str], check: bool = True, timeout: float = 900, stderr_into_stdout: bool = False, **kwargs
) -> subprocess.CompletedProcess:
    """Run a command, capturing text output; on failure show it all in the assertion."""
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT if stderr_into_stdout else subprocess.PIPE}
    result = subprocess.run(argv, text=True, timeout=timeout, **streams, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(
            f"command failed ({result.returncode}): {' '.join(argv)}\n"
            f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{(result.stderr or '')[-4000:]}"
        )
    return result


def deploy_local(*args: str, cwd: Path = REPO, check: bool = True) -> subprocess.CompletedProcess:
    """`pyinfra @local <args>` from a checkout (the repository, or a copy of it)."""
    return run([*PYINFRA, "@local", *args], check=check, cwd=cwd, stderr_into_stdout=True, timeout=1800)


def extra_ca_dir() -> Path | None:
    """Extra CA certificates of this machine (TLS-intercepting proxy), if any."""
    directory = Path(os.environ.get("EXTRA_CA_CERTS_DIR", "/usr/local/share/ca-certificates"))
    return directory if any(directory.glob("*.crt")) else None


def extra_ca_pem() -> str:
    directory = extra_ca_dir()
    if directory is None:
        return ""
    return "\n".join(p.read_text().strip() for p in sorted(directory.glob("*.crt")))


def ps(project: str) -> list[dict]:
    """`docker compose ps --all` records of a project (any compose JSON format)."""
    out = run(["docker", "compose", "-p", project, "ps", "--all", "--no-trunc", "--format", "json"], cwd="/").stdout
    out = out.strip()
    if not out:
        return []
    return json.loads(out) if out.startswith("[") else [json.loads(line) for line in out.splitlines()]


def container_ids(project: str) -> dict[str, tuple[str, str]]:
    """service -> (container id, start time): what must not move on a no-op deploy."""
    result = {}
    for record in ps(project):
        started = run(["docker", "inspect", "--format", "{{.State.StartedAt}}", record["ID"]]).stdout.strip()
        result[record["Service"]] = (record["ID"], started)
    return result


def http_get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for(predicate, timeout: float, interval: float = 1, what: str = "condition"):
    """Poll a predicate (bounded in time); return its first truthy value or fail naming `what`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (OSError, ValueError) as error:
            last = error
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def psql(project: str, sql: str, user: str = "app", db: str = "app") -> str:
    """Run SQL inside the project's postgres container."""
    return run(
        ["docker", "compose", "-p", project, "exec", "-T", "postgres", "psql", "-U", user, "-d", db, "-tAc", sql],
        cwd="/",
    ).stdout.strip()


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a simple env file (comments and blank lines skipped), in order."""
    values: dict[str, str] = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip()
    return values


def write_env_file(path: Path, values: dict[str, str]) -> Path:
    """Write KEY=VALUE lines. Multi-line values become double-quoted with literal \\n
    between lines (compose's env-file parser turns \\n back into newlines there)."""
    lines = []
    for key, value in values.items():
        if "\n" in value:
            escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            value = f'"{escaped}"'
        lines.append(f"{key}={value}")
    Path(path).write_text("\n".join(lines) + "\n")
    return Path(path)


_VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def element_text(html: str, testid: str) -> str | None:
    """Text content of the first element with data-testid=`testid` (None if absent)."""
    from html.parser import HTMLParser

    class _Finder(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.depth = 0  # > 0 while inside the element
            self.done = False
            self.parts: list[str] = []
            self.found = False

        def handle_starttag(self, tag, attrs):
            if self.done:
                return
            if self.depth and tag in _VOID_ELEMENTS:
                return
            if self.depth:
                self.depth += 1
            elif dict(attrs).get("data-testid") == testid:
                self.found = True
                self.depth = 1

        def handle_endtag(self, tag):
            if self.depth and tag not in _VOID_ELEMENTS:
                self.depth -= 1
                if not self.depth:
                    self.done = True

        def handle_data(self, data):
            if self.depth and not self.done:
                self.parts.append(data)

    finder = _Finder()
    finder.feed(html)
    return " ".join(" ".join(finder.parts).split()) if finder.found else None


def assert_no_change(pyinfra_output: str, operations: int) -> None:
    """pyinfra's results table: every operation ran on the host and none changed anything."""
    summary = re.search(r"Grand total\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)", pyinfra_output)
    assert summary, f"no pyinfra results table in:\n{pyinfra_output[-3000:]}"
    assert summary.groups() == (str(operations), "-", "-", str(operations)), (
        f"expected {operations} operations with no change, got {summary.group(0)!r}:\n{pyinfra_output[-3000:]}"
    )
