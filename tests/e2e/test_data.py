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

from tests.e2e.helpers import REPO, assert_no_change, deploy_local, http_get, ps, psql, run, wait_for

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


def volumes() -> list[str]:
    return run(["docker", "volume", "ls", "-q", "--filter", f"label=com.docker.compose.project={PROJECT}"]).stdout.split()


def test_purge_whose_backup_cannot_be_taken_removes_nothing_and_says_why(rows, tmp_path):
    before = (volumes(), sorted(r["ID"] for r in ps(PROJECT)))
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    nowhere = deploy_local("down.py", "--data", "purge=true", "--data", f"backup_dir={blocked}", "-y", check=False)
    assert nowhere.returncode == 2 and f"{blocked} is not a directory: the purge needs a backup first" in nowhere.stdout
    assert "Starting operation" not in nowhere.stdout
    container = next(r["ID"] for r in ps(PROJECT) if r["Service"] == "postgres")
    run(["docker", "pause", container])  # the dump cannot be taken: the server answers nothing
    try:
        failed = deploy_local("down.py", "--data", "purge=true", "--data", f"backup_dir={tmp_path}", "-y", check=False)
    finally:
        run(["docker", "unpause", container])
    assert failed.returncode != 0 and "could not be started" in failed.stdout and "paused" in failed.stdout, failed.stdout[-2000:]
    assert (volumes(), sorted(r["ID"] for r in ps(PROJECT))) == before
    assert not list(tmp_path.glob("@local/infra/*.dump"))
    # Probes timed out while paused: healthy again at its next probe.
    wait_for(lambda: all(r["Health"] == "healthy" for r in ps(PROJECT)), 60, what="health after the unpause")
    assert_healthy_with_rows()


def test_purge_backs_up_first_and_restore_brings_every_row_back(rows, tmp_path):
    where = ["--data", f"backup_dir={tmp_path}"]
    purged = deploy_local("down.py", "--data", "purge=true", *where, "-y")
    assert volumes() == []
    (dump,) = (tmp_path / "@local" / "infra").glob("*.dump")
    assert f"backup of app: {dump}" in purged.stdout
    assert oct(dump.stat().st_mode & 0o777) == "0o600" and oct(dump.parent.stat().st_mode & 0o777) == "0o700"
    deploy_local("deploy.py", "-y")  # a fresh, empty database
    dry = deploy_local("restore.py", *where, "--dry")
    assert f"restore {dump} into database app of postgres" in dry.stdout
    assert psql(PROJECT, "SELECT to_regclass('public.kept_rows') IS NULL") == "t"  # the dry run touched nothing
    deploy_local("restore.py", *where, "-y")
    assert_healthy_with_rows()
    again = deploy_local("restore.py", "--data", f"backup={dump}", "-y", check=False)
    assert again.returncode != 0 and "database app already has 1 table(s)" in again.stdout
    psql(PROJECT, "INSERT INTO kept_rows VALUES ('after the backup')")
    deploy_local("restore.py", "--data", f"backup={dump}", "--data", "replace=true", "-y")
    assert_healthy_with_rows()  # the backup's three rows, the later one replaced


def set_pg_version(version: str) -> None:
    """Make the data volume say another major version made it (what a data volume of
    Postgres 16 says to a Postgres 17 image), with the server's container stopped or not."""
    run(["docker", "run", "--rm", "--entrypoint", "sh", "-v", f"{PROJECT}_postgres_data:/d",
         "devstack-local/postgres:17", "-c", f"echo {version} > /d/PG_VERSION"])


def test_another_major_version_stops_the_deploy_before_anything_is_touched_with_the_steps(rows):
    set_pg_version("16")
    try:
        before = sorted(r["ID"] for r in ps(PROJECT))
        refused = deploy_local("deploy.py", "-y", check=False)
        assert refused.returncode != 0
        assert "infra_postgres_data holds Postgres 16 data, and devstack-local/postgres:17 is Postgres 17" in refused.stdout
        assert "2. `pyinfra @local down.py --data purge=true`" in refused.stdout
        assert sorted(r["ID"] for r in ps(PROJECT)) == before
    finally:
        set_pg_version("17")
    deploy_local("deploy.py", "-y")
    assert_healthy_with_rows()
