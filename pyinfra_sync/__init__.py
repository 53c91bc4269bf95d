"""A fast, safe sync of a few local directory trees onto a pyinfra target.

Three layers, as in pyinfra_compose:
- ``scan`` / ``hashcache`` / ``listing`` / ``quick`` / ``manifest`` / ``plan`` /
  ``archive`` / ``report``: pure functions or plain data (the local trees stat()ed, the
  local cache of hashes, the target's listing and manifest cache, the quick check's
  decisions, what to upload and delete, the archive of changed files, the lines a user
  sees);
- ``commands``: pure builders of every remote command, quoting in one place;
- ``facts`` / ``operations``: thin pyinfra glue (one fact command for a no-op sync,
  reading no file's content on either side);
- ``push`` (pure: a watch's change set, its stdin payload and command), ``watch``
  (watchfiles in an OS thread, debounced) and ``live`` (pushing over a held connection,
  reconnecting): the pieces of a watch loop.
"""

from pyinfra_sync.errors import SyncError

__all__ = ["SyncError"]
