"""A fast, safe sync of a few local directory trees onto a pyinfra target.

Three layers, as in pyinfra_compose:
- ``manifest`` / ``plan`` / ``archive`` / ``report``: pure functions (the local
  manifest, the remote manifest's parser, what to upload and delete, the tar.gz of
  changed files, the lines a user sees);
- ``commands``: pure builders of every remote command, quoting in one place;
- ``facts`` / ``operations``: thin pyinfra glue (one fact command for a no-op sync);
- ``push`` (pure: a watch's change set, its stdin payload and command), ``watch``
  (watchfiles in an OS thread, debounced) and ``live`` (pushing over a held connection,
  reconnecting): the pieces of a watch loop.
"""

from pyinfra_sync.errors import SyncError

__all__ = ["SyncError"]
