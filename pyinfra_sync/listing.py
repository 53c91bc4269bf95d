"""The target's side of the quick check: its listing of (size, mtime) per file and the
manifest cache the last sync left next to the trees, both read by one command
(`commands.listing`), and the writing of that cache.

The cache records, per path, the (size, mtime_ns) the file had when its sha256 was last
known (uploaded by us, or hashed on the target), so the target never re-hashes a file
that has not been written since. tar restores each uploaded file's mtime to the local
one, to the nanosecond (a PAX header), so this machine knows, before the upload, the
(size, mtime) every file will have there and writes the new cache into the archive.

Wire format: records end in a newline; a newline inside a file name travels as NUL (the
listing swaps the two with tr, the cache file is written that way), and no name can
hold a NUL, so every name survives pyinfra's line-based output.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from pyinfra_sync.errors import SyncError

NO_GNU_FIND = "#pyinfra-sync:no-gnu-find"
ABSENT = "#pyinfra-sync:absent"
LISTING = "#pyinfra-sync:listing"
CACHE = "#pyinfra-sync:cache"
END = "#pyinfra-sync:end"
CACHE_HEADER = "#pyinfra-sync-manifest-cache 1"
HEX = frozenset("0123456789abcdef")


class RemoteFile(NamedTuple):  # tuples: 20,000 of each are built per run
    size: int
    mtime_ns: int
    executable: bool


class CacheEntry(NamedTuple):
    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class RemoteListing:
    root_exists: bool
    files: dict[str, RemoteFile] = field(default_factory=dict)
    cache: dict[str, CacheEntry] | None = None  # None: missing or unreadable (then hashed there)
    cache_lines: int = 0  # the cache file's lines, to know when appended chunks want a rewrite


def cache_name(trees: Sequence[str], excludes: Iterable[str]) -> str:
    """The cache file under the destination root: one per set of trees and excludes, so two
    syncs into the same root never overwrite each other's entries."""
    text = "\0".join([*trees, "\0", *excludes])
    return ".pyinfra-sync-manifest-" + hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def mtime_ns(text: str) -> int:
    """GNU find's %T@ ("1796190249.2367236050", seconds with a fraction) -> exact ns."""
    seconds, _, fraction = text.partition(".")
    if seconds.isdigit() and (fraction.isdigit() or not fraction):
        return int(seconds) * 1_000_000_000 + int((fraction + "000000000")[:9])
    try:  # before 1970, or any other spelling: exact decimal arithmetic
        return int((Decimal(text) * 1_000_000_000).to_integral_value(rounding="ROUND_FLOOR"))
    except InvalidOperation:
        raise SyncError(f"unexpected modification time from the target: {text[:40]!r}") from None


def _decode(name: str) -> str:
    return name.replace("\0", "\n")


def _encode(name: str) -> str:
    return name.replace("\n", "\0")


def parse_listing_line(line: str) -> tuple[str, RemoteFile]:
    """`<mode octal> <size> <mtime> <path>` as printed by find -printf."""
    parts = line.split(" ", 3)
    if len(parts) != 4 or not parts[3] or not parts[0].isdigit() or not parts[1].isdigit():
        raise SyncError(f"unexpected listing line from the target: {line[:200]!r}")
    mode, size, mtime, path = parts
    return _decode(path), RemoteFile(int(size), mtime_ns(mtime), bool(int(mode, 8) & 0o100))


def parse_cache(lines: Sequence[str]) -> dict[str, CacheEntry] | None:
    """The cache file's lines -> entries; anything but complete, well-formed chunks is None
    (the quick check then hashes on the target instead of trusting it). A sync that only
    changes a few files appends a chunk of their entries; a later entry wins."""
    lines = list(lines)
    while lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return None
    entries: dict[str, CacheEntry] = {}
    start = 0
    while start < len(lines):
        end = start + 1
        while end < len(lines) and not lines[end].startswith("#"):
            end += 1
        if lines[start] != CACHE_HEADER or end == len(lines) or lines[end] != f"#end {end - start - 1}":
            return None
        if not _parse_chunk(lines[start + 1 : end], entries):
            return None
        start = end + 1
    return entries


def _parse_chunk(lines: Sequence[str], entries: dict[str, CacheEntry]) -> bool:
    for line in lines:
        parts = line.split(" ", 3)
        if len(parts) != 4 or len(parts[0]) != 64 or not set(parts[0]) <= HEX or not parts[3]:
            return False
        digest, size, mtime, path = parts
        if not size.isdigit() or not mtime.lstrip("-").isdigit():
            return False
        entries[_decode(path)] = CacheEntry(int(size), int(mtime), digest)
    return True


def render_cache(entries: Mapping[str, CacheEntry]) -> bytes:
    lines = [CACHE_HEADER]
    lines += [f"{e.sha256} {e.size} {e.mtime_ns} {_encode(path)}" for path, e in sorted(entries.items())]
    lines.append(f"#end {len(entries)}")
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")


def parse_listing(lines: Sequence[str]) -> RemoteListing:
    """The output of `commands.listing` -> what is on the target."""
    if list(lines) == [NO_GNU_FIND]:
        raise SyncError(
            "the target's find has no -printf (GNU findutils is needed for the quick check): "
            "install findutils, or set sync_checksum=true to compare by hashes only"
        )
    if list(lines) == [ABSENT]:
        return RemoteListing(root_exists=False)
    if not lines or lines[0] != LISTING or lines[-1] != END or CACHE not in lines:
        raise SyncError(f"the target's file listing is incomplete: {' | '.join(lines[-3:])[:300]}")
    split = lines.index(CACHE)
    files = {}
    for line in lines[1:split]:  # the common spelling inline (20,000 lines), the rest checked
        mode, size, mtime, path = parts = line.split(" ", 3) if line.count(" ") >= 3 else ("", "", "", "")
        seconds, dot, fraction = mtime.partition(".")
        if path and size.isdigit() and mode.isdigit() and dot and seconds.isdigit() and len(fraction) >= 9 and fraction.isdigit():
            ns = int(seconds) * 1_000_000_000 + int(fraction[:9])
            files[path.replace("\0", "\n")] = RemoteFile(int(size), ns, bool(int(mode, 8) & 0o100))
        else:
            name, there = parse_listing_line(line)
            files[name] = there
    return RemoteListing(True, files, parse_cache(lines[split + 1 : -1]), len(lines) - split - 2)
