"""devstack/reads.py: the deploy's batch asks each fact as its operation will."""

from __future__ import annotations

import inspect
import runpy
from pathlib import Path

from devstack.reads import deploy_reads
from devstack.settings import validate
from devstack.stack import LOCAL_IMAGES, decide

REPO = Path(__file__).resolve().parents[2]
SECRETS = {"POSTGRES_PASSWORD": "p" * 32, "PGADMIN_DEFAULT_PASSWORD": "q" * 32}


def stack():
    module = runpy.run_path(str(REPO / "group_data" / "all.py"))
    data = {k: v for k, v in module.items() if not k.startswith("_") and k != "os"}
    settings = validate(data, lambda key: "group_data", False)
    return decide(settings, SECRETS, dict(LOCAL_IMAGES), "/home/dev/devstack")


def test_every_query_builds_its_command_with_the_arguments_its_operation_uses():
    for query in deploy_reads(stack()):
        fact = query.cls()
        signature = inspect.signature(fact.command)
        signature.bind(**query.kwargs)  # a renamed argument fails here, not as a silent extra round trip
        assert isinstance(fact.command(**query.kwargs), str), query.cls.__name__


def test_the_batch_holds_the_facts_a_no_op_deploy_plans_from():
    names = {query.cls.__name__ for query in deploy_reads(stack())}
    assert names >= {
        "TargetPreflight", "DockerPresence", "TreeListing", "FileStates", "EnvFileDigests", "ComposeInputs",
        "ComposeContainers", "ComposeDesiredConfig", "ComposeBuildState", "MissingImages", "StoredRolePassword", "DataVersion",
    }


def test_no_secret_value_is_in_any_query():
    text = " ".join(query.cls().command(**query.kwargs) for query in deploy_reads(stack()))
    assert all(value not in text for value in SECRETS.values())
