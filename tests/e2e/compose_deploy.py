"""A minimal deploy of a compose project with pyinfra_compose, driven by environment
variables, for the e2e tests: `pyinfra @local tests/e2e/compose_deploy.py -y`."""

import os
from pathlib import Path

from pyinfra_compose import ComposeProject
from pyinfra_compose import operations as compose
from pyinfra_compose.buildinputs import local_builds

project_dir = os.environ["TEST_PROJECT_DIR"]
project = ComposeProject(project_dir, os.environ["TEST_PROJECT_NAME"], files=("compose.yml",))
builds = local_builds(Path(project_dir, "compose.yml"), {}, project.project_name)

up = compose.up(name="Compose up", project=project, builds=builds)
compose.wait_healthy(
    name="Wait for health", project=project, timeout=float(os.environ.get("TEST_TIMEOUT", "60")), after=up,
    grace=float(os.environ.get("TEST_GRACE", "2")),  # short: the never-healthy case runs 10 times
)
