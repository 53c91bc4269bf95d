"""devstack.facts: the command each fact runs, and what it makes of the output."""

from __future__ import annotations

import subprocess

import pytest

from devstack.facts import Target, TargetBasics


def sh(command: str, env: dict[str, str] | None = None) -> list[str]:
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True, env=env).stdout.splitlines()


def test_target_basics_without_an_image_only_reads_home():
    fact = TargetBasics()
    assert fact.command() == 'echo "home=$HOME"'
    assert fact.process(sh(fact.command(), env={"HOME": "/home/dev user"})) == Target("/home/dev user", None)


def test_target_basics_asks_the_engine_then_the_registry_with_a_timeout():
    command = TargetBasics().command(image="postgres:17; rm -rf /")
    assert command == (
        "echo \"home=$HOME\"; if docker image inspect --format '{{.Id}}' 'postgres:17; rm -rf /' >/dev/null 2>&1 || "
        "timeout 15 docker manifest inspect 'postgres:17; rm -rf /' >/dev/null 2>&1; "
        "then echo registry=yes; else echo registry=no; fi"
    )


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (["home=/root", "registry=yes"], Target("/root", True)),
        (["home=/home/dev", "registry=no"], Target("/home/dev", False)),
        (["home=/a=b"], Target("/a=b", None)),
        ([], Target("", None)),
    ],
)
def test_target_basics_output(output, expected):
    assert TargetBasics().process(output) == expected
