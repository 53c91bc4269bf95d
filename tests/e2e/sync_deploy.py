"""A deploy of nothing but pyinfra_sync.sync_trees, driven by environment variables, for
the e2e tests and the bench: `pyinfra @local tests/e2e/sync_deploy.py -y`."""

import os

from pyinfra import host

from pyinfra_sync.operations import sync_trees

from devstack.stack import EXCLUDES

sync_trees(
    name="Sync trees",
    src_root=os.environ["SYNC_SRC"],
    dest_root=os.environ["SYNC_DEST"],
    trees=tuple(os.environ["SYNC_TREES"].split(",")),
    excludes=EXCLUDES,
    checksum=str(host.data.get("sync_checksum", False)).lower() == "true",  # --data sync_checksum=true
)
