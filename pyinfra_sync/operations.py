"""The pyinfra operation of this package: facts in, named decisions, commands out.

An operation body runs at plan time (up to its first command) and again at execution
without -y, once with -y: everything it prints is printed before its first command
and remembered, so each line shows exactly once per run either way.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from io import BytesIO
from pathlib import Path

from pyinfra import host, logger
from pyinfra.api import FileUploadCommand, StringCommand, operation

from pyinfra_sync import archive, report
from pyinfra_sync import commands as cmd
from pyinfra_sync.errors import SyncError
from pyinfra_sync.facts import TreeContents, TreeManifest
from pyinfra_sync.manifest import check_trees, local_manifest
from pyinfra_sync.plan import SyncPlan, plan_sync

DIFF_MAX_FILES = 200  # changed files whose old content one diff fetch asks for
_reported: set[tuple[str, str]] = set()


def _diff_enabled() -> bool:
    # `pyinfra --diff` sets this (pyinfra_cli/cli.py); stock files.put reads it too.
    return bool(getattr(host.state.config, "DIFF", False))


def _report(plan: SyncPlan, src_root: str, dest_root: str, trees: int) -> None:
    """Tell the user what the sync does, once per host and operation."""
    key = (host.name, str(host.current_op_hash))
    if key in _reported:
        return
    _reported.add(key)
    lines = [report.headline(plan, trees)]
    if _diff_enabled():
        local = {path: Path(src_root, path).read_bytes() for path in plan.to_upload}
        wanted = [p for p in plan.changed if p not in plan.mode_only and report.wants_remote_content(p, local[p])]
        wanted = wanted[:DIFF_MAX_FILES]
        remote = host.get_fact(TreeContents, root=dest_root, paths=tuple(wanted)) if wanted else {}
        lines += report.diff_lines(plan, local, remote)
    else:
        lines += report.summary_lines(plan)
    for line in lines:
        logger.info(f"{host.print_prefix}{line}")


@operation()
def sync_trees(src_root: str, dest_root: str, trees: Sequence[str], excludes: Iterable[str] = (), readings=None):
    """
    Make some directory trees on the target equal to local ones: upload new and changed
    files in one tar.gz, rename each into place, delete files that are gone locally.

    + src_root: local directory holding the trees
    + dest_root: absolute directory on the target holding them (created when missing)
    + trees: directories relative to both roots, e.g. ("infra", "apps/api")
    + excludes: file or directory names (fnmatch patterns, matched on every path
      component) never uploaded and never touched on the target: node_modules, .venv...
    + readings: facts read beforehand (`pyinfra_batch.read_facts`); default: ask the host

    A no-op sync runs one command on the target. Files keep their executable bit; a
    file is never half-written (staged on the same filesystem, then renamed). With
    ``--diff``, prints a unified diff of every changed text file.

    **Example:**

    .. code:: python

        sync_trees(
            name="Upload the stack",
            src_root="/home/me/repo", dest_root="/srv/devstack",
            trees=("infra", "apps/api"), excludes=("node_modules", ".venv", ".env"),
        )
    """
    trees = check_trees(tuple(trees))
    excludes = tuple(excludes)
    if not os.path.isabs(dest_root):
        raise SyncError(f"dest_root: {dest_root!r} must be an absolute path on the target")
    local = local_manifest(src_root, trees, excludes)
    remote = (readings or host).get_fact(TreeManifest, root=dest_root, trees=trees, excludes=excludes)
    plan = plan_sync(local, remote.files, trees, excludes)
    if plan.is_noop:
        host.noop(f"{len(local)} files in {len(trees)} trees up to date")
        return

    _report(plan, src_root, dest_root, len(trees))
    token = plan.token()
    if not remote.root_exists:
        yield StringCommand(cmd.mkdir(dest_root))  # the upload needs its directory
    kept = (set(remote.files) - set(plan.deleted)) | set(local)  # every file there after the sync
    script = cmd.apply_script(plan, kept, trees)
    payload = archive.build(src_root, plan.to_upload, local, script)
    yield FileUploadCommand(BytesIO(payload), f"{dest_root.rstrip('/')}/{cmd.archive_name(token)}")
    yield StringCommand(cmd.apply(dest_root, token))
