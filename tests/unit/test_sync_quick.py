"""The quick check: what each side's cache vouches for, what must be hashed, and what a
wrong, foreign or corrupt cache does (it is re-hashed, never trusted)."""

from __future__ import annotations

import hashlib
import json

import pytest

from pyinfra_sync import listing as ls
from pyinfra_sync import quick
from pyinfra_sync.errors import SyncError
from pyinfra_sync.hashcache import RACY_NS, HashCache, cache_dir, cache_file
from pyinfra_sync.listing import CacheEntry, RemoteFile, RemoteListing
from pyinfra_sync.manifest import Entry
from pyinfra_sync.plan import plan_sync
from pyinfra_sync.scan import LocalFile, scan

T = 1_700_000_000_000_000_000  # a file's mtime/ctime, ns
SHA_A, SHA_B = hashlib.sha256(b"aaaa").hexdigest(), hashlib.sha256(b"bbbb").hexdigest()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def local_file(size: int = 4, mtime: int = T, inode: int = 7, ctime: int = T, executable: bool = False) -> LocalFile:
    return LocalFile(size, mtime, inode, ctime, executable)


# -- the local hash cache ---------------------------------------------------------------


def test_same_size_rewrite_in_the_same_tick_is_never_served_from_the_cache(tmp_path):
    """Hashed within RACY_NS of its stamps, a file is not cached: a rewrite with the same
    size, mtime, inode and ctime (one kernel tick) is read again, not missed."""
    path = tmp_path / "f"
    path.write_bytes(b"aaaa")
    cache = HashCache(tmp_path / "cache.json")
    stamps = local_file()  # identical before and after the rewrite
    assert cache.digest("f", str(path), stamps, clock=lambda: T + 1_000_000) == SHA_A
    assert cache.lookup("f", stamps) is None
    path.write_bytes(b"bbbb")  # same size, same tick
    assert cache.digest("f", str(path), stamps, clock=lambda: T + 2_000_000) == SHA_B


def test_an_old_enough_file_is_cached_and_not_read_again(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"aaaa")
    cache = HashCache(tmp_path / "cache.json")
    assert cache.digest("f", str(path), local_file(), clock=lambda: T + RACY_NS + 1) == SHA_A
    path.unlink()  # a cache hit does not open the file
    assert cache.digest("f", str(path), local_file()) == SHA_A
    cache.save()
    assert HashCache.load(tmp_path / "cache.json").lookup("f", local_file()) == SHA_A


@pytest.mark.parametrize(
    "other",
    [
        local_file(inode=8),  # another machine, a restored backup, an editor's atomic save
        local_file(ctime=T + 5),  # replaced or chmod'ed, mtime put back (cp -p, tar, touch -d)
        local_file(mtime=T + 5),
        local_file(size=5),
    ],
    ids=["inode", "ctime", "mtime", "size"],
)
def test_an_entry_of_another_file_identity_is_re_read(tmp_path, other):
    path = tmp_path / "f"
    path.write_bytes(b"bbbb")
    cache = HashCache(tmp_path / "cache.json", {"f": ((4, T, 7, T), SHA_A)})
    assert cache.lookup("f", local_file()) == SHA_A
    assert cache.lookup("f", other) is None
    assert cache.digest("f", str(path), other, clock=lambda: T + 10 * RACY_NS) == SHA_B
    assert cache.digest("f", str(path), local_file(), fresh=True) == SHA_B  # checksum mode reads anyway


@pytest.mark.parametrize(
    "content",
    ["", "{", "not json", "[]", '{"version": 2, "files": {}}', '{"version": 1}', '{"version": 1, "files": {"f": [4]}}',
     '{"version": 1, "files": {"f": [4, 1, 7, 1, "short"]}}', '{"version": 1, "files": {"f": ["4", 1, 7, 1, "' + "a" * 64 + '"]}}'],
)  # fmt: skip
def test_a_corrupt_local_cache_file_is_an_empty_cache(tmp_path, content):
    (tmp_path / "cache.json").write_text(content)
    cache = HashCache.load(tmp_path / "cache.json")
    assert cache.lookup("f", local_file()) is None
    (tmp_path / "f").write_bytes(b"aaaa")
    assert cache.digest("f", str(tmp_path / "f"), local_file(), clock=lambda: T + 10 * RACY_NS) == SHA_A
    cache.save()  # and is replaced by a good one
    assert json.loads((tmp_path / "cache.json").read_text())["files"]["f"] == [4, T, 7, T, SHA_A]


def test_cache_location_and_one_file_per_checkout(tmp_path):
    assert cache_dir({"XDG_CACHE_HOME": "/x"}) == cache_dir({"XDG_CACHE_HOME": "/x"})
    assert str(cache_dir({"XDG_CACHE_HOME": "/x"})) == "/x/devstack/sync-hashes"
    assert str(cache_dir({"HOME": "/h"})).endswith("/.cache/devstack/sync-hashes")
    assert cache_file(tmp_path / "a", tmp_path) != cache_file(tmp_path / "b", tmp_path)


def test_gone_files_leave_the_cache(tmp_path):
    cache = HashCache(tmp_path / "c.json", {"a": ((4, T, 7, T), SHA_A), "b": ((4, T, 8, T), SHA_B)})
    cache.forget_except({"a"})
    assert list(cache.entries) == ["a"] and cache.dirty


def test_scan_reads_stamps_and_prunes_excludes(tmp_path):
    (tmp_path / "infra" / "node_modules").mkdir(parents=True)
    (tmp_path / "infra" / "a").write_text("a")
    (tmp_path / "infra" / "node_modules" / "x").write_text("x")
    found = scan(tmp_path, ("infra",), ("node_modules",))
    info = (tmp_path / "infra" / "a").stat()
    assert found == {"infra/a": LocalFile(1, info.st_mtime_ns, info.st_ino, info.st_ctime_ns, False)}


# -- the target's side ------------------------------------------------------------------


def listing(files: dict[str, RemoteFile], cache: dict[str, CacheEntry] | None) -> RemoteListing:
    return RemoteListing(True, files, cache)


def test_the_manifest_cache_vouches_only_for_unchanged_size_and_mtime():
    local = {"same": local_file(), "touched": local_file(), "grown": local_file(size=9), "uncached": local_file()}
    there = {path: RemoteFile(4, T, False) for path in local} | {"touched": RemoteFile(4, T + 1, False)}
    cache = {path: CacheEntry(4, T, SHA_A) for path in ("same", "touched", "grown")}
    known, unknown = quick.remote_known(local, listing(there, cache))
    assert known == {"same": SHA_A, "grown": SHA_A}
    assert unknown == ("touched", "uncached")  # same size as here, nothing vouches: hash there


def test_a_missing_or_corrupt_manifest_cache_hashes_every_same_size_file_there():
    local = {"a": local_file(), "b": local_file(size=9)}
    there = {"a": RemoteFile(4, T, False), "b": RemoteFile(4, T, False), "gone": RemoteFile(4, T, False)}
    assert quick.remote_known(local, listing(there, None)) == ({}, ("a",))  # b differs in size: changed


def test_unknown_content_is_changed_or_deleted_never_equal():
    local = {"t/b": Entry(SHA_A, True)}
    remote = quick.remote_manifest(listing({"t/b": RemoteFile(5, T, True), "t/gone": RemoteFile(1, T, False)}, None), {})
    assert all(len(entry.sha256) != 64 for entry in remote.values())
    plan = plan_sync(local, remote, ("t",), ())
    assert (plan.changed, plan.mode_only, plan.deleted) == (("t/b",), (), ("t/gone",))


def test_next_cache_records_uploads_as_tar_stamps_them_and_keeps_known_files():
    local = {"t/new": local_file(size=1, mtime=T + 9), "t/same": local_file()}
    there = {"t/same": RemoteFile(4, T + 3, False), "t/old": RemoteFile(2, T, False), "t/unknown": RemoteFile(2, T, False)}
    entries = {"t/new": Entry(SHA_B, False), "t/same": Entry(SHA_A, False), "t/unknown": Entry(SHA_A, False)}
    known = {"t/same": SHA_A, "t/old": SHA_B}
    plan = plan_sync(entries, quick.remote_manifest(listing(there, None), known), ("t",), ())
    cache = quick.next_cache(plan, local | {"t/unknown": local_file(size=3)}, {"t/new": SHA_B, "t/unknown": SHA_A}, listing(there, None), known)
    assert cache == {
        "t/new": CacheEntry(1, T + 9, SHA_B),  # the local stamps: tar restores them there
        "t/same": CacheEntry(4, T + 3, SHA_A),  # as it is there
        "t/unknown": CacheEntry(3, T, SHA_A),  # uploaded (it differed in size)
    }  # t/old: deleted


def test_listing_and_cache_round_trip_awkward_names_and_exact_mtimes():
    name = "t/new\nline ü\\x"
    rendered = ls.render_cache({name: CacheEntry(3, -5, SHA_A), "t/a b": CacheEntry(0, T, SHA_B)})
    lines = rendered.decode().split("\n")
    assert len(lines) == 5 and lines[0] == ls.CACHE_HEADER and lines[-2:] == ["#end 2", ""]  # a line per entry
    output = [ls.LISTING, "644 3 1796190249.2367236050 t/new\0line ü\\x", "755 0 -1.5000000000 t/a b", ls.CACHE, *lines, ls.END]
    parsed = ls.parse_listing(output)
    assert parsed.files == {name: RemoteFile(3, 1_796_190_249_236_723_605, False), "t/a b": RemoteFile(0, -1_500_000_000, True)}
    assert parsed.cache == {name: CacheEntry(3, -5, SHA_A), "t/a b": CacheEntry(0, T, SHA_B)}


@pytest.mark.parametrize(
    "cache_lines",
    [
        [],
        ["garbage"],
        [ls.CACHE_HEADER],  # truncated: no end line
        [ls.CACHE_HEADER, f"{SHA_A} 4 {T} t/a", "#end 2"],  # truncated: count differs
        [ls.CACHE_HEADER, f"{SHA_A[:-1]} 4 {T} t/a", "#end 1"],
        [ls.CACHE_HEADER, f"{SHA_A} four {T} t/a", "#end 1"],
        [ls.CACHE_HEADER, f"{SHA_A} 4 {T}", "#end 1"],
        ["#pyinfra-sync-manifest-cache 0", f"{SHA_A} 4 {T} t/a", "#end 1"],
    ],
)
def test_a_corrupt_manifest_cache_on_the_target_is_no_cache(cache_lines):
    parsed = ls.parse_listing([ls.LISTING, f"644 4 1.5 t/a", ls.CACHE, *cache_lines, "", ls.END])
    assert parsed.root_exists and parsed.cache is None
    assert quick.remote_known({"t/a": local_file()}, parsed) == ({}, ("t/a",))


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ([ls.NO_GNU_FIND], "GNU findutils"),
        ([ls.LISTING, "644 4 1.5 t/a"], "incomplete"),
        ([ls.LISTING, "644 4 1.5", ls.CACHE, ls.END], "unexpected listing line"),
        ([ls.LISTING, "644 4 yesterday t/a", ls.CACHE, ls.END], "modification time"),
    ],
)
def test_a_bad_listing_stops_the_sync(output, message):
    with pytest.raises(SyncError, match=message):
        ls.parse_listing(output)


def test_absent_root_and_cache_names():
    assert ls.parse_listing([ls.ABSENT]) == RemoteListing(root_exists=False)
    assert ls.cache_name(("a", "b"), ("x",)) != ls.cache_name(("a",), ("b", "x"))
    assert ls.cache_name(("a",), ()).startswith(".pyinfra-sync-manifest-")


def test_scan_follows_links_to_files_not_to_directories(tmp_path):
    (tmp_path / "t" / "d").mkdir(parents=True)
    (tmp_path / "t" / "d" / "f").write_text("f")
    (tmp_path / "t" / "link-to-f").symlink_to(tmp_path / "t" / "d" / "f")
    (tmp_path / "t" / "loop").symlink_to(tmp_path / "t")
    (tmp_path / "t" / "dangling").symlink_to(tmp_path / "nowhere")
    assert sorted(scan(tmp_path, ("t",), ())) == ["t/d/f", "t/link-to-f"]


def test_digest_all_answers_for_every_file(tmp_path):
    (tmp_path / "t").mkdir()
    for index in range(300):
        (tmp_path / "t" / f"f{index}").write_text(f"content {index}")
    files = scan(tmp_path, ("t",), ())
    cache = HashCache(tmp_path / "cache.json")
    digests = cache.digest_all(str(tmp_path), files)
    assert digests == {rel: sha((tmp_path / rel).read_bytes()) for rel in files}
    assert cache.digest_all(str(tmp_path), files, fresh=True) == digests


def test_appended_chunks_override_earlier_entries_and_a_torn_chunk_voids_the_cache():
    first = ls.render_cache({"t/a": CacheEntry(4, T, SHA_A), "t/b": CacheEntry(4, T, SHA_A)}).decode().split("\n")
    chunk = ls.render_cache({"t/a": CacheEntry(4, T + 1, SHA_B)}).decode().split("\n")
    both = first[:-1] + chunk
    assert ls.parse_cache(both) == {"t/a": CacheEntry(4, T + 1, SHA_B), "t/b": CacheEntry(4, T, SHA_A)}
    assert ls.parse_cache(first[:-1] + chunk[:2]) is None  # a sync killed while appending
    assert ls.parse_cache(first[:-1] + ["garbage"] + chunk) is None
