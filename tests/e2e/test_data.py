"""Nothing lost, ever (issue 11), on the session's default stack: a lost or changed
POSTGRES_PASSWORD is rotated in the database (rows kept, the old password refused), a
purge leaves a verified backup first, and restore.py brings it back."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from dotenv import dotenv_values

from tests.e2e.helpers import REPO, assert_no_change, deploy_local, http_get, ps, psql, run

PROJECT = "infra"
SECRETS = REPO / "secrets.env"


def can_log_in(password: str) -> bool:
    """A password login over TCP (scram), as the api does; the password on the test's side only."""
    argv = ["docker", "compose", "-p", PROJECT, "exec", "-T", "-e", f"PGPASSWORD={password}", "postgres",
            "psql", "-h", "127.0.0.1", "-U", "app", "-d", "app", "-tAc", "SELECT 1"]
    return run(argv, check=False, cwd="/").stdout.strip() == "1"


def password() -> str:
    return dotenv_values(SECRETS)["POSTGRES_PASSWORD"]


@contextmanager
def process_lists() -> Iterator[list[str]]:
    """Every command line on this machine, sampled every 50 ms while the block runs."""
    seen: list[str] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            seen.append(subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout)
            done.wait(0.05)

    thread = threading.Thread(target=sample)
    thread.start()
    try:
        yield seen
    finally:
        done.set()
        thread.join()


def assert_healthy_with_rows() -> None:
    assert {r["Service"]: r["Health"] for r in ps(PROJECT)} == {
        "postgres": "healthy", "redis": "healthy", "api": "healthy", "web": "healthy"}
    assert http_get("http://127.0.0.1:8000/health")[0] == 200
    assert psql(PROJECT, "SELECT count(*) FROM kept_rows") == "3"


@pytest.fixture(scope="module")
def rows(default_stack) -> None:
    psql(PROJECT, "CREATE TABLE kept_rows (v text); INSERT INTO kept_rows VALUES ('a'), ('b'), ('c');")
    yield
    psql(PROJECT, "DROP TABLE IF EXISTS kept_rows")


def test_lost_secrets_file_rotates_the_password_and_keeps_every_row(rows):
    old = password()
    SECRETS.unlink()
    with process_lists() as listings:
        result = deploy_local("deploy.py", "-y", "-vvv")
    new = password()
    assert new != old
    assert "rotate POSTGRES_PASSWORD of role app" in result.stdout
    assert_healthy_with_rows()
    assert can_log_in(new) and not can_log_in(old)
    for secret in (old, new):
        assert secret not in result.stdout
        assert not any(secret in listing for listing in listings), "a password in the process list"
    assert len(listings) > 20  # the sampling ran throughout


def test_password_changed_by_hand_shows_in_the_dry_run_then_is_rotated(rows):
    old = password()
    changed = "hand-Changed-9f2c"
    SECRETS.write_text(SECRETS.read_text().replace(f"POSTGRES_PASSWORD='{old}'", f"POSTGRES_PASSWORD='{changed}'"))
    assert password() == changed
    dry = deploy_local("deploy.py", "--dry", "--diff", "--json")
    assert "rotate POSTGRES_PASSWORD of role app" in dry.stdout
    assert "~ POSTGRES_PASSWORD (value changed)" in dry.stdout
    assert can_log_in(old)  # the dry run touched nothing
    result = deploy_local("deploy.py", "-y")
    assert_healthy_with_rows()
    assert can_log_in(changed) and not can_log_in(old)
    assert changed not in dry.stdout + result.stdout and old not in dry.stdout + result.stdout
    again = deploy_local("deploy.py", "-y")
    assert_no_change(again.stdout, operations=result.stdout.count("--> Starting operation:"))
