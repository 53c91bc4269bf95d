"""Session-wide fixtures of the end-to-end suite: built once, shared by every test.

Nothing here skips: without a Docker engine the e2e tests fail, loudly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.e2e.devbox import DevBoxes, Preload, warm_preload
from tests.e2e.helpers import LOCAL_IMAGES, REPO, deploy_local, extra_ca_dir, run


def pytest_collection_modifyitems(items):
    for item in items:
        if "/tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def docker_engine() -> None:
    """A Docker engine with compose v2 answers (installed and started by tests/run.py, the README's test command)."""
    info = run(["docker", "info", "--format", "{{.ServerVersion}}"], check=False)
    assert info.returncode == 0, f"no Docker engine answers: {info.stderr.strip()} (python3 tests/run.py installs and starts it)"
    version = run(["docker", "compose", "version", "--short"], check=False).stdout.strip()
    assert version.lstrip("v").startswith("2."), f"compose v2 is needed, found {version!r}"


@pytest.fixture(scope="session")
def offline_images(docker_engine) -> dict[str, str]:
    """The devstack-local/* stand-in images, built once (images/build.sh skips what exists)."""
    env = dict(os.environ)
    if extra_ca_dir():
        env["EXTRA_CA_CERTS_DIR"] = str(extra_ca_dir())
    run(["bash", str(REPO / "images" / "build.sh"), "debian", "postgres", "redis", "python", "node"], env=env, timeout=1800)
    return dict(LOCAL_IMAGES)


@pytest.fixture(scope="session")
def busybox_image(docker_engine) -> str:
    """A 2 MB image made from Debian's busybox-static: the small stack of the compose tests."""
    name = "pyinfra-compose-test/busybox:1"
    if run(["docker", "image", "inspect", name], check=False).returncode != 0:
        run(["bash", str(REPO / "tests" / "e2e" / "make_busybox_image.sh"), name])
    return name


@pytest.fixture(scope="session")
def default_stack(offline_images):
    """The stack deployed with no argument at all (project `infra`, default ports), from a
    machine with no project containers or volumes (a volume initialised with another
    password would keep it). Shared by every module that needs the full stack; purged
    when the session ends."""
    scratch = ("--data", "purge=true", "--data", "purge_without_backup=true")  # test data: no backup wanted
    deploy_local("down.py", *scratch, "-y")
    yield deploy_local("deploy.py", "-y")
    deploy_local("down.py", *scratch, "-y", check=False)


@pytest.fixture(scope="session")
def devboxes(offline_images) -> Iterator[DevBoxes]:
    """SSH dev boxes (tests/e2e/devbox.py), started on demand; at session end every box, its
    volume, the throwaway key and the secrets files the deploys wrote are gone."""
    env = dict(os.environ)
    if extra_ca_dir():
        env["EXTRA_CA_CERTS_DIR"] = str(extra_ca_dir())
    run(["bash", str(REPO / "images" / "build.sh"), "devbox", "devbox-bare"], env=env, timeout=1800)
    boxes = DevBoxes()
    yield boxes
    boxes.close()


@pytest.fixture(scope="session")
def warm_images(devboxes) -> Preload:
    """What a warm box gets preloaded: the stand-ins and the api/web images, from this engine.

    A pre-warmed dev box, as a team's box image would be: the remote tests are about SSH,
    sudo, secrets and idempotency, and building the images (tested on @local, and once
    from nothing on the bare box) again in every box would cost minutes of CI each."""
    return warm_preload(devboxes.workdir)
