"""Every fact the deploy's plan reads, as batch queries: one round trip for a no-op.

Each query here is asked exactly as its operation asks it (same fact, same arguments);
one that drifts from its operation costs a round trip, never a wrong answer
(pyinfra_batch asks the host for anything it was not given). tests/unit/test_reads.py
holds the deploy to that.
"""

from __future__ import annotations

from pyinfra_batch import Query
from pyinfra_compose.envdiff import SALT
from pyinfra_compose.facts import (
    ComposeBuildState,
    ComposeContainers,
    ComposeDesiredConfig,
    ComposeInputs,
    DockerPresence,
    EnvFileDigests,
)
from pyinfra_compose.preflight import TargetPreflight
from pyinfra_postgres.facts import DataVersion, StoredRolePassword
from pyinfra_sync.facts import TreeListing
from pyinfra_sync.manifest import check_trees

from devstack import facts, preflight
from devstack.database import role_password_args, version_check_args
from devstack.stack import EXCLUDES, TREES, Stack


def deploy_reads(stack: Stack) -> list[Query]:
    project = stack.project
    env = f"{stack.root}/.env"
    queries = [
        Query(TargetPreflight, preflight.query(stack)),
        Query(DockerPresence),
        Query(TreeListing, {"root": stack.root, "trees": check_trees(tuple(TREES)), "excludes": tuple(EXCLUDES)}),
        Query(facts.FileStates, {"path": env}),
        Query(EnvFileDigests, {"path": env, "salt": SALT}),
        Query(ComposeInputs, {
            "compose_paths": tuple(project.path(name) for name in project.files),
            "env_paths": tuple(project.path(name) for name in project.env_files),
            "salt": SALT,
        }),
        Query(ComposeContainers, {"project_name": project.project_name}),
        Query(ComposeDesiredConfig, {"project": project}),
    ]
    password = role_password_args(stack)
    queries.append(Query(StoredRolePassword, {k: password[k] for k in ("project", "service", "superuser", "role")}))
    version = version_check_args(stack, "")
    queries.append(Query(DataVersion, {k: version[k] for k in ("project", "service", "volume", "image")}))
    if stack.stand_ins:
        queries.append(Query(facts.MissingImages, {"images": tuple(stack.stand_ins)}))
    if stack.builds:
        queries.append(Query(ComposeBuildState, {"builds": dict(stack.builds)}))
    return queries
