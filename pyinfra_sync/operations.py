"""The pyinfra operation of this package: facts in, named decisions, commands out.

An operation body runs at plan time (up to its first command) and again at execution
without -y, once with -y: everything it prints is printed before its first command
and remembered, so each line shows exactly once per run either way.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from pyinfra import host, logger
from pyinfra.api import FileUploadCommand, StringCommand, operation
from pyinfra.connectors.local import LocalConnector

from pyinfra_sync import archive, quick, report
from pyinfra_sync import commands as cmd
from pyinfra_sync import listing as ls
from pyinfra_sync.errors import SyncError
from pyinfra_sync.facts import TreeContents, TreeHashes, TreeListing, TreeManifest
from pyinfra_sync.hashcache import HashCache, cache_file
from pyinfra_sync.manifest import Entry, check_trees
from pyinfra_sync.plan import SyncPlan, plan_sync
from pyinfra_sync.scan import scan

DIFF_MAX_FILES = 200  # changed files whose old content one diff fetch asks for
HASH_BY_NAME_MAX = 100 * 1024  # bytes of one hash command line (Linux takes 128 KiB per argument: sh -c)
_reported: set[tuple[str, str]] = set()


def _diff_enabled() -> bool:
    # `pyinfra --diff` sets this (pyinfra_cli/cli.py); stock files.put reads it too.
    return bool(getattr(host.state.config, "DIFF", False))


def _report(plan: SyncPlan, src_root: str, dest_root: str, trees: int, hashed_there: Sequence[str] = ()) -> None:
    """Tell the user what the sync does, once per host and operation."""
    key = (host.name, str(host.current_op_hash))
    if key in _reported:
        return
    _reported.add(key)
    lines = [report.headline(plan, trees)]
    if hashed_there:  # the target's manifest cache was missing or stale: it is rewritten
        count = f"{len(hashed_there)} file{'' if len(hashed_there) == 1 else 's'}"
        lines.append(f"sync: {count} hashed on the target (its manifest cache was missing or stale)")
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


def _hash_on_target(dest_root: str, trees: Sequence[str], excludes: Sequence[str], paths: Sequence[str]) -> dict[str, str]:
    """The second round trip, only where the quick check cannot decide: hash those files
    there (by name when the names fit one command line, else every file of the trees)."""
    if len(cmd.hashes(dest_root, paths)) <= HASH_BY_NAME_MAX:  # quoted, as it travels
        return host.get_fact(TreeHashes, root=dest_root, paths=tuple(paths))
    everything = host.get_fact(TreeManifest, root=dest_root, trees=trees, excludes=excludes).files
    return {path: everything[path].sha256 for path in paths if path in everything}


@operation()
def sync_trees(
    src_root: str, dest_root: str, trees: Sequence[str], excludes: Iterable[str] = (), checksum: bool = False,
    readings=None,
):
    """
    Make some directory trees on the target equal to local ones: upload new and changed
    files in one tar.gz, rename each into place, delete files that are gone locally.

    + src_root: local directory holding the trees
    + dest_root: absolute directory on the target holding them (created when missing)
    + trees: directories relative to both roots, e.g. ("infra", "apps/api")
    + excludes: file or directory names (fnmatch patterns, matched on every path
      component) never uploaded and never touched on the target: node_modules, .venv...
    + checksum: compare every file by a fresh sha256 on both sides, trusting no cache
      (like rsync -c); by default a quick check of sizes and mtimes decides what is read
    + readings: facts read beforehand (`pyinfra_batch.read_facts`); default: ask the host

    A no-op sync runs one command on the target and reads no file's content on either
    side (see quick.py, hashcache.py, listing.py). Files keep their executable bit and
    mtime; a file is never half-written (staged on the same filesystem, then renamed).
    With ``--diff``, prints a unified diff of every changed text file.

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
    files = scan(src_root, trees, excludes)
    hashes = HashCache.load(cache_file(src_root))
    hashed_there: tuple[str, ...] = ()
    listing = (readings or host).get_fact(TreeListing, root=dest_root, trees=trees, excludes=excludes)
    if checksum:  # every file hashed there too; the listing still gives the new cache its stamps
        everything = host.get_fact(TreeManifest, root=dest_root, trees=trees, excludes=excludes).files
        known = {path: entry.sha256 for path, entry in everything.items()}
    else:
        known, hashed_there = quick.remote_known(files, listing)
        if hashed_there:
            known = {**known, **_hash_on_target(dest_root, trees, excludes, hashed_there)}
    root_exists, remote_files = listing.root_exists, quick.remote_manifest(listing, known)
    local_sha = hashes.digest_all(src_root, files, fresh=checksum)
    hashes.forget_except(set(files))
    hashes.save()
    local = {path: Entry(local_sha[path], info.executable) for path, info in files.items()}
    plan = plan_sync(local, remote_files, trees, excludes)
    if plan.is_noop and not hashed_there:
        host.noop(f"{len(local)} files in {len(trees)} trees up to date")
        return

    _report(plan, src_root, dest_root, len(trees), hashed_there)
    token = plan.token()
    if not root_exists:
        yield StringCommand(cmd.mkdir(dest_root))  # the upload needs its directory
    kept = (set(remote_files) - set(plan.deleted)) | set(local)  # every file there after the sync
    cache_name = ls.cache_name(trees, excludes)
    entries = quick.next_cache(plan, files, local_sha, listing, known)
    # A good cache gets a chunk of the uploaded files' entries appended (a one-file change
    # does not rewrite 20,000 entries); a missing, stale or grown one is rewritten whole.
    append = not (checksum or hashed_there) and listing.cache is not None and listing.cache_lines <= 2 * len(entries) + 1000
    if append:
        entries = {path: entries[path] for path in plan.to_upload}
    script = cmd.apply_script(plan, kept, trees, cache_name, existing=remote_files, append_cache=append)
    cache = ls.render_cache(entries)
    compress = getattr(host, "connector_cls", None) is not LocalConnector  # gzip costs time where bytes are free
    payload = archive.LazyArchive(lambda out: archive.write(out, src_root, plan.to_upload, files, script, cache, compress))
    yield FileUploadCommand(payload, f"{dest_root.rstrip('/')}/{cmd.archive_name(token)}")
    yield StringCommand(cmd.apply(dest_root, token))
