"""The tar.gz a sync uploads, and the reading of the base64 tar a diff fetches. Pure
apart from reading the local files being uploaded."""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import os
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from pyinfra_sync.commands import PAYLOAD, SCRIPT
from pyinfra_sync.errors import SyncError
from pyinfra_sync.manifest import Entry


def _member(name: str, size: int, mode: int) -> tarfile.TarInfo:
    # Fixed owner and time: the target's user owns what it unpacks (--no-same-owner),
    # and the same change set gives the same bytes, at plan and at execution time.
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, mode, 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def build(src_root: str | Path, paths: Sequence[str], local: Mapping[str, Entry], script: str) -> bytes:
    """A tar.gz holding the apply script and, under PAYLOAD/, each path's current
    content with mode 755 (executable) or 644."""
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=6) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            data = script.encode()
            tar.addfile(_member(SCRIPT, len(data), 0o644), io.BytesIO(data))
            for path in paths:
                with open(os.path.join(src_root, path), "rb") as handle:
                    content = handle.read()
                mode = 0o755 if local[path].executable else 0o644
                tar.addfile(_member(f"{PAYLOAD}/{path}", len(content), mode), io.BytesIO(content))
    return raw.getvalue()


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
