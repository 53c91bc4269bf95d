"""A real browser for the end-to-end tests: Debian's headless chromium, run once per page.

`--dump-dom` prints the DOM after the page's scripts ran; `--virtual-time-budget` lets the
page's own client-side fetch finish before that (virtual time waits for pending network
requests), so what is read is what a user would see. A fresh profile per run: nothing
cached from another run or another stack.
"""

from __future__ import annotations

import shlex
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.helpers import element_text, run, wait_for

# No sandbox (root in CI), no GPU, and no traffic but the page's own.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1000,600", "--hide-scrollbars",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / ".work" / "browser"  # git-ignored; CI keeps it


@dataclass(frozen=True)
class Page:
    dom: str
    screenshot: Path

    def health(self) -> str | None:
        """The browser-side health section's text (the page's fetch of NEXT_PUBLIC_API_BASE_URL)."""
        return element_text(self.dom, "api-health-browser")


def chromium_argv(url: str, profile: Path, screenshot: Path, budget_ms: int = 20000, resolver_rules: str = "") -> list[str]:
    """One headless run: the DOM on stdout and a screenshot, both after `budget_ms` of virtual time."""
    argv = ["chromium", *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}"]
    if resolver_rules:  # e.g. "MAP localhost:3000 127.0.0.1:40123": the page's own URLs, other local ports
        argv.append(f"--host-resolver-rules={resolver_rules}")
    return [*argv, "--dump-dom", f"--screenshot={screenshot}", url]


def open_page(url: str, name: str, resolver_rules: str = "") -> Page:
    """Load `url` in a fresh profile; the screenshot is kept as .work/browser/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / f"{name}.png"
    screenshot.unlink(missing_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="chromium-e2e-"))
    try:
        dom = run(chromium_argv(url, profile, screenshot, resolver_rules=resolver_rules), check=False, timeout=120).stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return Page(dom, screenshot)  # a page that did not load has no screenshot (and no health section)


def printed_tunnel(deploy_output: str) -> str:
    """The `ssh -N -L ...` line a remote deploy printed (devstack.operations.show_urls)."""
    marker = "from here: "
    lines = [line.split(marker, 1)[1].strip() for line in deploy_output.splitlines() if marker in line]
    assert lines, f"the deploy printed no tunnel line:\n{deploy_output[-2000:]}"
    return lines[-1]


def relocate_tunnel(line: str, local_ports: dict[int, int]) -> tuple[list[str], str]:
    """The printed tunnel as argv, each `-L P:host:P` moved to local port local_ports[P] (this
    machine's own stack may hold P), failing at once if a forward cannot listen; and the
    chromium resolver rules that send the page's own localhost:P URLs to those ports."""
    argv = shlex.split(line)
    assert argv[:2] == ["ssh", "-N"], line
    out, rules = ["ssh", "-o", "ExitOnForwardFailure=yes", "-o", "BatchMode=yes"], []
    args = iter(argv[1:])
    for arg in args:
        if arg != "-L":
            out.append(arg)
            continue
        port, rest = next(args).split(":", 1)
        moved = local_ports.get(int(port))
        if moved is None:
            out += ["-L", f"{port}:{rest}"]
            continue
        out += ["-L", f"127.0.0.1:{moved}:{rest}"]
        rules.append(f"MAP localhost:{port} 127.0.0.1:{moved}")
    return out, ", ".join(rules)


def browser_health(url: str, name: str, resolver_rules: str = "", timeout: float = 120) -> Page:
    """The page once its browser-side section shows a result (not "pending"); the page as
    last seen when it never does. Retried: the dev server compiles the page on first request."""
    seen: list[Page] = []

    def settled() -> Page | None:
        page = open_page(url, name, resolver_rules)
        seen.append(page)
        text = page.health() or ""
        return page if text and "status: pending" not in text else None

    try:
        return wait_for(settled, timeout=timeout, interval=3, what=f"{url} to render the browser-side API health")
    except AssertionError as error:
        last = seen[-1] if seen else None
        raise AssertionError(f"{error}\nscreenshot: {last and last.screenshot}\nDOM: {last and last.dom[-3000:]}")


def assert_healthy(page: Page) -> None:
    text = page.health()
    assert text and "status: ok" in text, f"{text!r} (screenshot {page.screenshot})"
    assert "postgres: ok" in text and "redis: ok" in text, f"{text!r} (screenshot {page.screenshot})"
    assert page.screenshot.is_file(), f"chromium wrote no screenshot {page.screenshot}"
