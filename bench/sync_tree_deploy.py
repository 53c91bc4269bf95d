"""The deploy bench/sync_tree.py times: our sync_trees or pyinfra's stock files.sync per
tree, chosen by BENCH_TOOL; nothing at all with "none"."""

import os

from pyinfra.operations import files

from devstack.stack import EXCLUDES
from pyinfra_sync.operations import sync_trees

src, dest, tool = os.environ["BENCH_SRC"], os.environ["BENCH_DEST"], os.environ["BENCH_TOOL"]
trees = tuple(os.environ["BENCH_TREES"].split(","))

if tool == "ours":
    sync_trees(name="Sync trees", src_root=src, dest_root=dest, trees=trees, excludes=EXCLUDES)
elif tool == "stock":
    # files.sync fnmatches `exclude` against the whole local path and `exclude_dir` against
    # the directory path relative to src, so a name must be given at any depth to skip the
    # same files as ours (the `exclude=EXCLUDES` of the old deploy.py skipped *.pyc only).
    anywhere = [pattern for name in EXCLUDES for pattern in (name, f"*/{name}")]
    for tree in trees:
        files.sync(
            name=f"Upload {tree}/", src=f"{src}/{tree}", dest=f"{dest}/{tree}", exclude=anywhere, exclude_dir=anywhere
        )
