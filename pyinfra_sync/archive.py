"""The tar(.gz) a sync uploads, and the reading of the base64 tar a diff fetches. Pure
apart from packing the local files being uploaded (GNU tar and gzip do that)."""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from pyinfra_sync.commands import CACHE, PAYLOAD, SCRIPT
from pyinfra_sync.errors import SyncError


def _member(name: str, size: int, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, mode, 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def tar_argv(src_root: str | Path, mode: int) -> list[str]:
    """GNU tar reading NUL-separated relative paths on stdin, each stored under PAYLOAD/
    with a fixed mode and owner, following symlinks (a link syncs as its file), and its
    mtime to the nanosecond (POSIX format), which the target's quick check relies on."""
    return [
        "tar", "-c", "-f", "-", "-C", str(src_root), "--format=posix",
        "--pax-option=delete=atime,delete=ctime", "--owner=0", "--group=0", "--numeric-owner",
        f"--mode={mode:04o}", "-h", "--no-recursion", f"--transform=s,^,{PAYLOAD}/,",
        "--verbatim-files-from", "--null", "-T", "-",
    ]  # fmt: skip


def _head(script: str, cache: bytes | None) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        data = script.encode()
        tar.addfile(_member(SCRIPT, len(data), 0o644), io.BytesIO(data))
        if cache is not None:
            tar.addfile(_member(CACHE, len(cache), 0o644), io.BytesIO(cache))
    return raw.getvalue()


def write(
    out: IO[bytes],
    src_root: str | Path,
    paths: Sequence[str],
    local: Mapping[str, Any],
    script: str,
    cache: bytes | None = None,
    compress: bool = True,
) -> None:
    """Stream the upload into `out` (a real file): a tar of the apply script and the new
    manifest cache, then GNU tar's archives of the executable and the other files (mode
    755 or 644). The parts are concatenated (the target unpacks with --ignore-zeros) and
    optionally gzip -1'd as one stream. Files are read by tar in C, never held here:
    Python's tarfile cost more than the rest of a 20,000-file first sync together."""
    gzip_process = None
    sink: IO[bytes] = out
    out.flush()
    if compress:
        gzip_process = subprocess.Popen(["gzip", "-1", "-n", "-c"], stdin=subprocess.PIPE, stdout=out)
        sink = gzip_process.stdin  # type: ignore[assignment]
    try:
        sink.write(_head(script, cache))
        sink.flush()
        for mode in (0o755, 0o644):
            group = [path for path in paths if bool(local[path].executable) == (mode == 0o755)]
            if not group:
                continue
            names = b"".join(path.encode("utf-8", "surrogateescape") + b"\0" for path in group)
            tar = subprocess.run(tar_argv(src_root, mode), input=names, stdout=sink, stderr=subprocess.PIPE)
            if tar.returncode != 0:  # 1: a file changed while tar read it
                detail = tar.stderr.decode(errors="replace").strip()[-500:]
                raise SyncError(f"could not pack the changed files (tar exited {tar.returncode}): {detail}; run the sync again")
    finally:
        if gzip_process is not None:
            gzip_process.stdin.close()  # type: ignore[union-attr]
            if gzip_process.wait() != 0:
                raise SyncError("gzip failed while packing the changed files")
        out.flush()


def build(
    src_root: str | Path, paths: Sequence[str], local: Mapping[str, Any], script: str, cache: bytes | None = None
) -> bytes:
    """The same tar.gz in memory (tests, small change sets)."""
    with tempfile.TemporaryFile() as file:
        write(file, src_root, paths, local, script, cache)
        file.seek(0)
        return file.read()


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
