"""The Debian-package stand-in images of images/ behave like the images they replace.

Small and fast: single containers named e2e-images-<random>, removed afterwards.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid

import pytest

from tests.e2e.helpers import REPO, extra_ca_dir, run, wait_for

PREFIX = "devstack-local/"


@pytest.fixture
def names(docker_engine):
    """Unique e2e-images-* names; every container and volume made from them is removed."""
    suffix = uuid.uuid4().hex[:10]
    made = {"containers": [], "volumes": []}

    def name(kind: str, role: str) -> str:
        value = f"e2e-images-{role}-{suffix}"
        made[kind].append(value)
        return value

    yield name
    for container in made["containers"]:
        run(["docker", "rm", "-f", "-v", container], check=False)
    for volume in made["volumes"]:
        run(["docker", "volume", "rm", "-f", volume], check=False)


def published_port(container: str, port: str) -> int:
    out = run(["docker", "port", container, port]).stdout.split()
    host, _, number = out[0].rpartition(":")
    assert host == "127.0.0.1", out
    return int(number)


# ----------------------------------------------------------------- postgres


def pg_client(image: str, port: int, password: str, user: str, db: str, sql: str):
    """psql over TCP through the published port (a throwaway client container on the host network)."""
    return run(
        [
            "docker", "run", "--rm", "--network", "host", "-e", f"PGPASSWORD={password}",
            "-e", "PGCONNECT_TIMEOUT=5", image,
            "psql", "-h", "127.0.0.1", "-p", str(port), "-U", user, "-d", db, "-w", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql,
        ],
        check=False,
        timeout=60,
    )


def start_postgres(image: str, container: str, volume: str, env: dict[str, str]) -> int:
    argv = ["docker", "run", "-d", "--name", container, "-v", f"{volume}:/var/lib/postgresql/data", "-p", "127.0.0.1::5432"]
    for key, value in env.items():
        argv += ["-e", f"{key}={value}"]
    run(argv + [image])
    wait_pg_ready(container)
    return published_port(container, "5432/tcp")


def wait_pg_ready(container: str) -> None:
    # -h 127.0.0.1: the real server (TCP), not the socket-only server of first-start init.
    wait_for(
        lambda: run(["docker", "exec", container, "pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode == 0,
        timeout=90,
        interval=1,
        what=f"{container} to accept TCP connections",
    )


def test_postgres_honours_user_password_db_and_keeps_data(offline_images, names):
    image = offline_images["POSTGRES_IMAGE"]
    volume = names("volumes", "pgdata")
    container = names("containers", "pg")
    user, password, db = "alice", "s3cret-Pw 1", "wonderland"
    port = start_postgres(image, container, volume, {"POSTGRES_USER": user, "POSTGRES_PASSWORD": password, "POSTGRES_DB": db})

    who = pg_client(image, port, password, user, db, "SELECT current_user || '/' || current_database()")
    assert who.returncode == 0, who.stderr
    assert who.stdout.strip() == f"{user}/{db}"
    superuser = pg_client(image, port, password, user, db, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    assert superuser.stdout.strip() == "t"

    wrong = pg_client(image, port, "not-the-password", user, db, "SELECT 1")
    assert wrong.returncode != 0
    assert "password authentication failed" in wrong.stderr, wrong.stderr
    # No password at all must not get in either (no trust over TCP).
    nopass = run(
        ["docker", "run", "--rm", "--network", "host", image, "psql", "-h", "127.0.0.1", "-p", str(port),
         "-U", user, "-d", db, "-w", "-c", "SELECT 1"],
        check=False,
        timeout=60,
    )
    assert nopass.returncode != 0

    token = uuid.uuid4().hex
    created = pg_client(image, port, password, user, db, f"CREATE TABLE keep (v text); INSERT INTO keep VALUES ('{token}')")
    assert created.returncode == 0, created.stderr

    run(["docker", "restart", container], timeout=120)
    wait_pg_ready(container)
    port = published_port(container, "5432/tcp")
    after_restart = pg_client(image, port, password, user, db, "SELECT v FROM keep")
    assert after_restart.stdout.strip() == token, after_restart.stderr

    # A new container on the same volume finds the cluster: no second initdb, same password.
    run(["docker", "rm", "-f", container])
    container2 = names("containers", "pg2")
    port = start_postgres(image, container2, volume, {"POSTGRES_PASSWORD": "ignored-on-existing-data"})
    logs = run(["docker", "logs", container2]).stdout
    assert "skipping initialization" in logs, logs
    again = pg_client(image, port, password, user, db, "SELECT v FROM keep")
    assert again.stdout.strip() == token, again.stderr


# ----------------------------------------------------------------- redis


def test_redis_answers_ping(offline_images, names):
    image = offline_images["REDIS_IMAGE"]
    container = names("containers", "redis")
    run(["docker", "run", "-d", "--name", container, image])

    def pong():
        return run(["docker", "exec", container, "redis-cli", "-h", "127.0.0.1", "ping"], check=False).stdout.strip() == "PONG"

    wait_for(pong, timeout=30, what="redis to answer PING")
    # Listens on every interface with protected mode off, as the official image
    # (compose services reach it by name, i.e. not over loopback).
    address = run(["docker", "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container]).stdout.strip()
    assert address
    remote = run(["docker", "exec", container, "redis-cli", "-h", address, "ping"], check=False)
    assert remote.stdout.strip() == "PONG", remote.stdout + remote.stderr
    user = run(["docker", "exec", container, "stat", "-c", "%U", "/proc/1"]).stdout.strip()
    assert user == "redis"


# ----------------------------------------------------------------- names and build.sh


def declared_images() -> dict[str, str]:
    """service -> image of images/compose.yml, and name -> image of build.sh."""
    model = json.loads(
        run(["docker", "compose", "-f", str(REPO / "images" / "compose.yml"), "config", "--format", "json"], cwd=REPO).stdout
    )
    declared = {f"compose:{name}": service["image"] for name, service in model["services"].items()}
    script = (REPO / "images" / "build.sh").read_text()
    block = re.search(r"declare -A IMAGE_OF=\((.*?)\n\)", script, re.S)
    assert block, "build.sh: IMAGE_OF not found"
    base = re.search(r'^BASE_IMAGE="([^"]+)"', script, re.M).group(1)
    declared["build.sh:BASE_IMAGE"] = base
    for key, value in re.findall(r'\[(\w+)\]="([^"]+)"', block.group(1)):
        declared[f"build.sh:{key}"] = value.replace("$BASE_IMAGE", base)
    return declared


def test_stand_in_images_are_never_named_like_official_ones(offline_images):
    declared = declared_images()
    assert len(declared) >= 11, declared
    for where, image in {**declared, **{f"helpers:{k}": v for k, v in offline_images.items()}}.items():
        assert image.startswith(PREFIX), f"{where}: {image} is not a {PREFIX} name"
    # The built images carry no other tag (e.g. postgres:17) that could pass for the official one.
    for image in offline_images.values():
        if image.startswith(PREFIX + "pgadmin4"):
            continue  # not built by the offline_images fixture
        tags = json.loads(run(["docker", "image", "inspect", "--format", "{{json .RepoTags}}", image]).stdout)
        # The rollback (pyinfra_compose/rollback.py) keeps the images of a healthy stack by a
        # pyinfra-rollback/ tag: never an official name either.
        assert tags and all(tag.startswith((PREFIX, "pyinfra-rollback/")) for tag in tags), f"{image}: {tags}"


def test_build_script_is_idempotent(offline_images):
    env = dict(os.environ)
    if extra_ca_dir():
        env["EXTRA_CA_CERTS_DIR"] = str(extra_ca_dir())
    started = time.monotonic()
    result = run(["bash", str(REPO / "images" / "build.sh"), "debian", "postgres", "redis", "python", "node"], env=env, timeout=300)
    took = time.monotonic() - started
    out = result.stdout
    for name in ("debian:trixie", "postgres:17", "redis:8", "python:3.13", "node:20"):
        assert f"skip  {PREFIX}{name}" in out, out
    assert "==> build " not in out and "==> built " not in out, out
    assert took < 30, f"second run took {took:.1f}s"
