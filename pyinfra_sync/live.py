"""Pushing change sets over the connection a pyinfra run already holds (thin glue).

Used from inside an executing operation (a FunctionCommand callback): the host's
connector runs each command, with the payload on stdin. A connection that drops is
noticed (paramiko's transport is no longer active, or a command raises) and rebuilt
with the connector's own `connect()`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from pyinfra.api.exceptions import ConnectError
from pyinfra.api.command import StringCommand
from pyinfra_sync import push as p
from pyinfra_sync.errors import SyncError
from pyinfra_sync.facts import TreeManifest
from pyinfra_sync.manifest import local_manifest
from pyinfra_sync.plan import plan_sync

# What paramiko (and the socket under it) raises when the connection is gone.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, ConnectError)
try:
    from paramiko.ssh_exception import SSHException

    CONNECTION_ERRORS += (SSHException,)
except ImportError:  # pragma: no cover -- paramiko comes with pyinfra
    pass


class ConnectionLost(Exception):
    """The connection to the target dropped during (or before) a command."""


class LivePush:
    """One host's trees, kept equal to the local ones change set by change set.

    + host: the pyinfra host (connected)
    + src_root / dest_root / trees / excludes: as for `sync_trees`
    """

    def __init__(self, host, src_root: str, dest_root: str, trees: Sequence[str], excludes: Sequence[str]) -> None:
        self.host, self.src_root, self.dest_root = host, str(src_root), dest_root
        self.trees, self.excludes = tuple(trees), tuple(excludes)
        self.known: set[str] = set()  # the files the target holds, as of the last push

    # --- the connection -------------------------------------------------------------
    def is_connected(self) -> bool:
        client = getattr(self.host.connector, "client", None)
        if client is None:
            return True  # @local (and connectors without a client): nothing to lose
        transport = client.get_transport()
        return transport is not None and transport.is_active()

    def reconnect(self, attempts: int = 60, delay: float = 1.0) -> float:
        """Connect again (the connector's own connect: same keys, known_hosts, options);
        returns the seconds it took. Raises ConnectionLost after `attempts` failures."""
        started = time.monotonic()
        for _ in range(attempts):
            try:
                clear = getattr(self.host.connector.get_file_transfer_connection, "cache", None)
                if clear is not None:
                    clear.clear()
                self.host.connector.connect()
                if self.is_connected():
                    return time.monotonic() - started
            except CONNECTION_ERRORS:
                pass
            time.sleep(delay)
        raise ConnectionLost(f"could not reconnect after {attempts} attempts")

    def run(self, command: str, stdin: list[str] | None = None) -> tuple[bool, list[str]]:
        """One command on the target -> (ok, stderr lines); ConnectionLost when it drops."""
        if not self.is_connected():
            raise ConnectionLost("the connection is closed")
        try:
            ok, output = self.host.run_shell_command(StringCommand(command), _stdin=stdin, print_output=False)
        except CONNECTION_ERRORS as error:
            raise ConnectionLost(str(error) or type(error).__name__) from None
        if not ok and not self.is_connected():
            raise ConnectionLost("the connection dropped during the command")
        return ok, output.stderr_lines

    # --- syncing --------------------------------------------------------------------
    def push(self, changes: p.ChangeSet) -> None:
        """Apply one change set on the target (one command); raises SyncError when it fails."""
        script = p.script(changes, p.kept_after(self.known, changes), self.trees)
        lines = p.payload_lines(self.src_root, changes, script)
        ok, stderr = self.run(p.push_command(self.dest_root, p.token()), stdin=lines)
        if not ok:
            raise SyncError(f"push failed on the target: {' | '.join(stderr[-3:])[:300]}")
        self.known = p.kept_after(self.known, changes)

    def catch_up(self) -> p.ChangeSet:
        """Compare the whole trees with the target (one listing, the deploy's own plan) and
        push what differs: after a (re)connect, whatever changed meanwhile."""
        local = local_manifest(self.src_root, self.trees, self.excludes)
        remote = self.host.get_fact(TreeManifest, root=self.dest_root, trees=self.trees, excludes=self.excludes)
        plan = plan_sync(local, remote.files, self.trees, self.excludes)
        self.known = set(remote.files)
        changes = p.ChangeSet({path: local[path] for path in plan.to_upload}, plan.deleted)
        if not changes.is_empty:
            self.push(changes)
        self.known = set(local)
        return changes

    def changes(self, paths: set[str]) -> p.ChangeSet:
        return p.change_set(self.src_root, sorted(paths), self.trees, self.excludes, self.known)

    def cleanup(self) -> None:
        """Leave no staging dir behind (best effort: the connection may be gone)."""
        try:
            self.run(p.cleanup_command(self.dest_root))
        except ConnectionLost:
            pass
