"""The pyinfra CLI, run for real from the repository, on targets it cannot or can use (issue 17).

A target that cannot be a host, or a --limit that matches nothing, stops the run in
config.py (exit 2) before pyinfra connects anywhere; every documented way to name a target
still gets its host. Nothing here connects to a host (the good targets are shown with
`debug-inventory`, which prints the inventory and exits), so no Docker engine is needed.
~/.ssh is a fresh one per test: the user's own config must not change the answers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.helpers import PYINFRA, REPO, run

STOPPED = "--> Stopped before touching any host:"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A HOME whose ~/.ssh/config has the README's dev box alias."""
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "config").write_text("Host devbox.example\n    HostName 203.0.113.10\n    User dev\n")
    return tmp_path


def pyinfra(home: Path, *argv: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(home)}
    return run([*PYINFRA, *argv], check=False, cwd=cwd, env=env, stderr_into_stdout=True, timeout=120,
               stdin=subprocess.DEVNULL)


def pyinfra_each(home: Path, *argvs: list[str], cwd: Path = REPO, cwds: list[Path] | None = None) -> list:
    """Several runs at once (each in its cwd): each is a second of pyinfra start-up, and they are independent."""
    with ThreadPoolExecutor(max_workers=len(argvs)) as pool:
        return list(pool.map(lambda argv, where: pyinfra(home, *argv, cwd=where), argvs, cwds or [cwd] * len(argvs)))


def assert_stopped(result: subprocess.CompletedProcess, *named: str) -> None:
    out = result.stdout
    assert result.returncode == 2, out
    assert STOPPED in out, out
    for text in named:
        assert text in out, out
    assert "Connecting to hosts" not in out and "Starting operation" not in out, out


def test_a_target_that_is_no_host_stops_naming_it(home):
    """The acceptance cases of issue 17 (lists, --exclude and the rest: tests/unit/test_targets*.py)."""
    cases = [
        (["devbox.exmple", "deploy.py", "-y"], "devbox.exmple: not a host"),
        (["typo-box", "down.py"], "typo-box: not a host"),
        (["inventory.py", "deploy.py", "--limit", "devbxes"], "--limit devbxes: no group or host of inventory.py"),
    ]
    for (argv, named), result in zip(cases, pyinfra_each(home, *(argv for argv, _ in cases))):
        assert_stopped(result, named)


def test_documented_targets_get_their_hosts(home, tmp_path):
    boxes = tmp_path / "boxes.ssh"
    boxes.write_text("Host mybox\n    HostName 10.0.0.5\n")
    cases = [
        (["@local"], ["[@local]"]),
        (["devbox.example"], ["[devbox.example]"]),  # the alias of ~/.ssh/config
        (["mybox", "--data", "ssh_hostname=127.0.0.1"], ["[mybox]"]),  # how the e2e dev boxes are named
        (["inventory.py", "--limit", "devboxes"], ["[devbox.example]"]),
        (["@local,devbox.example"], ["[@local]", "[devbox.example]"]),
        # pyinfra alone reads this as "no inventory": it looks for aliases only in ~/.ssh/config.
        (["mybox", "--data", f"ssh_config_file={boxes}"], ["[mybox]"]),
    ]
    results = pyinfra_each(home, *([argv[0], "debug-inventory", *argv[1:]] for argv, _ in cases))
    for (argv, hosts), result in zip(cases, results):
        assert result.returncode == 0, f"{argv}:\n{result.stdout}"
        for host in hosts:
            assert host in result.stdout, f"{argv}:\n{result.stdout}"


def test_a_copy_of_the_repository_and_chdir_check_the_same(home, tmp_path):
    """The e2e tests deploy from copies of the repository; users may run with --chdir."""
    copy = tmp_path / "checkout"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".git", ".venv", "node_modules", ".next", "__pycache__",
                                                              ".pytest_cache", ".work", "secrets", "tests", "bench"))
    in_copy, chdir = pyinfra_each(home, ["typo-box", "deploy.py"], ["--chdir", str(copy), "typo-box", "deploy.py"],
                                  cwds=[copy, tmp_path])
    assert_stopped(in_copy, "typo-box: not a host")
    assert_stopped(chdir, "typo-box: not a host")
