"""The quick check's decisions, pure: which of the target's hashes are known without
reading a byte there, which only a hash on the target can tell, and the manifest cache
the target keeps after this sync.

On the target a file's sha256 is known from the manifest cache when its (size, mtime)
are still those the cache recorded; locally from hashcache.py, keyed by (size, mtime,
inode, ctime). Content is compared by sha256 as before, so the quick check changes what
is read, never what is decided. Where the two sides' sizes differ the file changed, and
the target's content is not needed; only a same-size file without a valid cache entry
is hashed on the target.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyinfra_sync.listing import CacheEntry, RemoteListing
from pyinfra_sync.manifest import Entry, Manifest
from pyinfra_sync.plan import SyncPlan
from pyinfra_sync.scan import LocalFile


def remote_known(local: Mapping[str, LocalFile], listing: RemoteListing) -> tuple[dict[str, str], tuple[str, ...]]:
    """(path -> sha256 the cache vouches for, paths only a hash on the target can decide)."""
    cache = listing.cache or {}
    known: dict[str, str] = {}
    unknown: list[str] = []
    for path, there in listing.files.items():
        entry = cache.get(path)
        if entry is not None and (entry.size, entry.mtime_ns) == (there.size, there.mtime_ns):
            known[path] = entry.sha256
        elif path in local and local[path].size == there.size:
            unknown.append(path)
    return known, tuple(sorted(unknown))


def unknown_digest(size: int) -> str:
    """Stands for content that is not known: it equals no sha256 (64 hex digits)."""
    return f"unknown, {size} bytes"


def remote_manifest(listing: RemoteListing, known: Mapping[str, str]) -> Manifest:
    """The target's files for plan_sync: a known sha256, or one that equals no local file
    (those differ in size from the local file, or have no local file at all)."""
    return {
        path: Entry(known.get(path, unknown_digest(there.size)), there.executable)
        for path, there in listing.files.items()
    }


def next_cache(
    plan: SyncPlan,
    local: Mapping[str, LocalFile],
    local_sha: Mapping[str, str],
    listing: RemoteListing,
    known: Mapping[str, str],
) -> dict[str, CacheEntry]:
    """The manifest cache once this sync is applied: each uploaded file with the size and
    mtime tar gives it there (the local ones), each kept file whose hash is known with
    its current size and mtime there. Files without a known hash are left out (hashed
    next time they matter)."""
    uploaded = set(plan.to_upload)
    gone = set(plan.deleted)
    entries = {
        path: CacheEntry(there.size, there.mtime_ns, known[path])
        for path, there in listing.files.items()
        if path in known and path not in uploaded and path not in gone
    }
    for path in uploaded:
        entries[path] = CacheEntry(local[path].size, local[path].mtime_ns, local_sha[path])
    return entries
