"""plan.py: manifests in, uploads and deletes out; a delete never reaches an excluded
path or leaves the synced trees, whatever the target's listing says."""

from __future__ import annotations

import pytest

from pyinfra_sync.errors import SyncError
from pyinfra_sync.manifest import Entry
from pyinfra_sync.plan import SyncPlan, dirs_to_prune, plan_sync

TREES = ("infra", "apps/api")
EXCLUDES = ("node_modules", ".venv", "*.pyc", ".env")
A, B = Entry("a" * 64, False), Entry("b" * 64, False)
A_EXEC = Entry("a" * 64, True)

# name: (local, remote, expected new, changed, mode_only, deleted)
CASES = {
    "nothing anywhere": ({}, {}, (), (), (), ()),
    "same everywhere": ({"infra/x": A}, {"infra/x": A}, (), (), (), ()),
    "first sync": ({"infra/x": A, "apps/api/y": B}, {}, ("apps/api/y", "infra/x"), (), (), ()),
    "content changed": ({"infra/x": B}, {"infra/x": A}, (), ("infra/x",), (), ()),
    "exec bit set": ({"infra/x": A_EXEC}, {"infra/x": A}, (), ("infra/x",), ("infra/x",), ()),
    "exec bit cleared": ({"infra/x": A}, {"infra/x": A_EXEC}, (), ("infra/x",), ("infra/x",), ()),
    "deleted locally": ({"infra/x": A}, {"infra/x": A, "infra/old": B}, (), (), (), ("infra/old",)),
    "name with newline deleted": ({}, {"infra/new\nline": A}, (), (), (), ("infra/new\nline",)),
    "hostile name deleted": ({}, {"infra/x; rm -rf ~": A}, (), (), (), ("infra/x; rm -rf ~",)),
    "a path ending in / is no file": ({}, {"infra/x; rm -rf /": A}, (), (), (), ()),
}


@pytest.mark.parametrize(
    ("local", "remote", "new", "changed", "mode_only", "deleted"), CASES.values(), ids=CASES.keys()
)
def test_plan_sync(local, remote, new, changed, mode_only, deleted):
    plan = plan_sync(local, remote, TREES, EXCLUDES)
    assert (plan.new, plan.changed, plan.mode_only, plan.deleted) == (new, changed, mode_only, deleted)
    assert plan.is_noop is not (new or changed or deleted)


@pytest.mark.parametrize(
    "remote_path",
    [
        "apps/api/node_modules/react/index.js",
        "apps/api/.venv/bin/python",
        "apps/api/app/main.pyc",
        "infra/.env",
        "infra/sub/node_modules",
        "etc/passwd",  # outside the trees
        "infrastructure/x",
        "infra/../etc/passwd",
        "infra/./x",
        "/infra/x",
        "infra//x",
        "infra",
    ],
)
def test_deletes_never_touch_excluded_or_outside_paths(remote_path):
    plan = plan_sync({}, {remote_path: A}, TREES, EXCLUDES)
    assert plan.deleted == () and plan.is_noop


@pytest.mark.parametrize("local_path", ["etc/passwd", "infra/node_modules/x", "infra/../x"])
def test_a_local_file_outside_the_trees_is_refused(local_path):
    with pytest.raises(SyncError, match="refusing"):
        plan_sync({local_path: A}, {}, TREES, EXCLUDES)


def test_to_upload_is_new_and_changed_in_path_order():
    plan = plan_sync({"infra/b": A, "infra/a": A, "infra/c": B}, {"infra/c": A}, TREES, EXCLUDES)
    assert plan.to_upload == ("infra/a", "infra/b", "infra/c")


def test_token_names_the_change_set():
    one = SyncPlan(new=("infra/a",), changed=(), mode_only=(), deleted=())
    assert one.token() == SyncPlan(new=("infra/a",), changed=(), mode_only=(), deleted=()).token()
    assert one.token() != SyncPlan(new=(), changed=(), mode_only=(), deleted=("infra/a",)).token()
    assert len(one.token()) == 16 and set(one.token()) <= set("0123456789abcdef")


@pytest.mark.parametrize(
    ("deleted", "kept", "expected"),
    [
        (["infra/a/b/c.txt"], [], ("infra/a/b", "infra/a")),
        (["infra/a/b/c.txt"], ["infra/a/keep.txt"], ("infra/a/b",)),
        (["infra/a/b/c.txt"], ["infra/a/b/d/e.txt"], ()),
        (["infra/top.txt"], [], ()),  # the tree's own top stays
        (["infra/x y/z", "apps/api/q/r"], [], ("apps/api/q", "infra/x y")),
        (["infra/a/b/c", "infra/a/d"], [], ("infra/a/b", "infra/a")),
    ],
)
def test_dirs_to_prune_deepest_first_never_a_tree_or_a_kept_dir(deleted, kept, expected):
    assert dirs_to_prune(deleted, kept, TREES) == expected
