"""The tar.gz a sync uploads, and the reading of the base64 tar a diff fetches. Pure
apart from reading the local files being uploaded."""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import os
import tarfile
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from pyinfra_sync.commands import CACHE, PAYLOAD, SCRIPT
from pyinfra_sync.errors import SyncError

# gzip's fastest level: the payload is mostly source text (3-4x smaller even so), and at
# level 6 compressing cost more than the whole rest of a 20,000-file first sync.
COMPRESSLEVEL = 1


def _member(name: str, size: int, mode: int, mtime_ns: int = 0) -> tarfile.TarInfo:
    # Fixed owner: the target's user owns what it unpacks (--no-same-owner). The mtime is
    # the local file's to the nanosecond (a PAX header; GNU tar restores it exactly), so
    # the target's quick check sees what this machine recorded in the manifest cache.
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, mode, mtime_ns // 1_000_000_000
    if mtime_ns % 1_000_000_000:
        seconds, nanos = divmod(mtime_ns, 1_000_000_000)
        info.pax_headers = {"mtime": f"{seconds}.{nanos:09d}"}
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def write(
    out: IO[bytes],
    src_root: str | Path,
    paths: Sequence[str],
    local: Mapping[str, Any],
    script: str,
    cache: bytes | None = None,
) -> None:
    """Stream a tar.gz into `out`: the apply script, the new manifest cache (if any) and,
    under PAYLOAD/, each path's current content with mode 755 (executable) or 644 and,
    when `local` has them (scan.LocalFile), its mtime. Files are copied in chunks, never
    whole in memory. A file that changed since it was scanned stops the sync: the cache
    would record the wrong size and mtime for it."""
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=COMPRESSLEVEL) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            data = script.encode()
            tar.addfile(_member(SCRIPT, len(data), 0o644), io.BytesIO(data))
            if cache is not None:
                tar.addfile(_member(CACHE, len(cache), 0o644), io.BytesIO(cache))
            for path in paths:
                info = local[path]
                with open(os.path.join(src_root, path), "rb") as handle:
                    now = os.fstat(handle.fileno())
                    mtime = getattr(info, "mtime_ns", None)
                    if mtime is not None and (now.st_size, now.st_mtime_ns) != (info.size, mtime):
                        raise SyncError(f"{path!r} changed while it was being synced: run the sync again")
                    mode = 0o755 if info.executable else 0o644
                    tar.addfile(_member(f"{PAYLOAD}/{path}", now.st_size, mode, mtime or 0), handle)


def build(src_root: str | Path, paths: Sequence[str], local: Mapping[str, Any], script: str, cache: bytes | None = None) -> bytes:
    """The same tar.gz in memory (tests, small change sets)."""
    raw = io.BytesIO()
    write(raw, src_root, paths, local, script, cache)
    return raw.getvalue()


class LazyArchive(io.RawIOBase):
    """A readable upload source whose tar.gz is written to a temporary file on the first
    read: built at execution only (an operation body also runs at plan time), streamed
    from disk (pyinfra's SSH upload reads it in chunks)."""

    def __init__(self, build_into: Callable[[IO[bytes]], None]):
        super().__init__()
        self._build_into = build_into
        self._file: IO[bytes] | None = None

    def readable(self) -> bool:
        return True

    def _ensure(self) -> IO[bytes]:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="pyinfra-sync-")
            self._build_into(self._file)
            self._file.seek(0)
        return self._file

    def read(self, size: int | None = -1) -> bytes:
        return self._ensure().read(-1 if size is None else size)

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._ensure().seek(offset, whence)

    def tell(self) -> int:
        return self._ensure().tell()

    def seekable(self) -> bool:
        return True

    def getvalue(self) -> bytes:
        """The whole archive (tests)."""
        file = self._ensure()
        position = file.tell()
        file.seek(0)
        data = file.read()
        file.seek(position)
        return data

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def parse_contents(lines: Sequence[str]) -> dict[str, bytes]:
    """The base64 tar printed by `commands.contents` -> relative path -> bytes."""
    text = "".join(line.strip() for line in lines)
    if not text:
        return {}
    try:
        data = base64.b64decode(text, validate=True)
        found: dict[str, bytes] = {}
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for member in tar:
                handle = tar.extractfile(member) if member.isfile() else None
                if handle is not None:  # read into memory only, never extracted to disk
                    name = member.name[2:] if member.name.startswith("./") else member.name
                    found[name] = handle.read()
        return found
    except (binascii.Error, tarfile.TarError) as error:
        raise SyncError(f"could not read the target's file contents for the diff: {error}") from None
