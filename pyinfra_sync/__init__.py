"""A fast, safe sync of a few local directory trees onto a pyinfra target.

Three layers, as in pyinfra_compose:
- ``manifest`` / ``plan`` / ``archive`` / ``report``: pure functions (the local
  manifest, the remote manifest's parser, what to upload and delete, the tar.gz of
  changed files, the lines a user sees);
- ``commands``: pure builders of every remote command, quoting in one place;
- ``facts`` / ``operations``: thin pyinfra glue (one fact command for a no-op sync).
"""

from pyinfra_sync.errors import SyncError

__all__ = ["SyncError"]
