"""The reference apps' own test suites, run in the images the stack built (so they run
against exactly the dependencies the stack runs with, and need no local Poetry or pnpm)."""

from __future__ import annotations

import re

from tests.e2e.helpers import REPO, run


def in_image(image: str, app: str, *command: str):
    """Run a command in a throwaway container of `image` with apps/<app> mounted read-only."""
    return run(
        ["docker", "run", "--rm", "-e", "PYTHONDONTWRITEBYTECODE=1", "-v", f"{REPO / 'apps' / app}:/app:ro",
         "-w", "/app", image, *command],
        check=False,
        stderr_into_stdout=True,
        timeout=600,
    )


def test_api_test_suite_passes_in_the_api_image(default_stack):
    result = in_image("infra-api:latest", "api", "python", "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-4000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and int(passed.group(1)) >= 10, result.stdout[-2000:]


def test_web_test_suite_passes_in_the_web_image(default_stack):
    result = in_image("infra-web:latest", "web", "node", "--test")
    assert result.returncode == 0, result.stdout[-4000:]
    assert re.search(r"^# fail 0$", result.stdout, re.M), result.stdout[-2000:]
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.M)
    assert passed and int(passed.group(1)) >= 10, result.stdout[-2000:]
