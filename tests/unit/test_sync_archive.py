"""archive.py: the uploaded tar.gz holds the script, the manifest cache and exactly the
changed files, with their exec bit and mtime, no owner, the same bytes every time; and
the diff fetch is read back."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import tarfile
import tempfile

import pytest

from pyinfra_sync import archive
from pyinfra_sync.errors import SyncError
from pyinfra_sync.listing import mtime_ns
from pyinfra_sync.manifest import local_manifest


@pytest.fixture
def src(tmp_path):
    (tmp_path / "infra" / "sub dir").mkdir(parents=True)
    (tmp_path / "infra" / "a.txt").write_text("a\n")
    (tmp_path / "infra" / "run.sh").write_text("#!/bin/sh\n")
    (tmp_path / "infra" / "run.sh").chmod(0o700)
    (tmp_path / "infra" / "sub dir" / "it's").write_bytes(b"\0binary")
    (tmp_path / "infra" / "unchanged").write_text("not in the archive")
    return tmp_path


def members(data: bytes) -> dict[str, tuple[int, int, int, str, bytes]]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz", ignore_zeros=True) as tar:  # parts, one after the other
        return {
            m.name: (m.mode, m.uid, mtime_ns(m.pax_headers.get("mtime", "0")), m.uname, tar.extractfile(m).read())  # type: ignore[union-attr]
            for m in tar
        }


def test_archive_holds_the_script_and_only_the_given_files(src):
    local = local_manifest(src, ("infra",), ())
    data = archive.build(src, ["infra/a.txt", "infra/run.sh", "infra/sub dir/it's"], local, "set -e\n", b"cache\n")
    mtime = {path: (src / path).stat().st_mtime_ns for path in ("infra/a.txt", "infra/run.sh", "infra/sub dir/it's")}
    assert members(data) == {
        "apply.sh": (0o644, 0, 0, "", b"set -e\n"),
        "manifest-cache": (0o644, 0, 0, "", b"cache\n"),
        "f/infra/a.txt": (0o644, 0, mtime["infra/a.txt"], "", b"a\n"),
        "f/infra/run.sh": (0o755, 0, mtime["infra/run.sh"], "", b"#!/bin/sh\n"),
        "f/infra/sub dir/it's": (0o644, 0, mtime["infra/sub dir/it's"], "", b"\0binary"),
    }


def test_archive_bytes_are_reproducible(src):
    local = local_manifest(src, ("infra",), ())
    first = archive.build(src, ["infra/a.txt"], local, "s")
    assert first == archive.build(src, ["infra/a.txt"], local, "s")
    assert first[:2] == b"\x1f\x8b"


def test_gnu_tar_unpacks_it_with_modes_names_and_nanosecond_mtimes(src, tmp_path_factory):
    os.utime(src / "infra" / "run.sh", ns=(0, 1_600_000_000_123_456_789))
    local = local_manifest(src, ("infra",), ())
    for compress in (True, False):
        with tempfile.TemporaryFile() as file:
            archive.write(file, src, ["infra/run.sh", "infra/sub dir/it's", "infra/a.txt"], local, "s", None, compress)
            file.seek(0)
            data = file.read()
        assert data[:2] == b"\x1f\x8b" if compress else data[:2] != b"\x1f\x8b"
        out = tmp_path_factory.mktemp("out")
        (out / "upload").write_bytes(data)  # from a file, as on the target: tar sees the gzip itself
        subprocess.run(["tar", "-x", "-i", "-f", str(out / "upload"), "-C", str(out), "--no-same-owner", "-p"], check=True)
        assert (out / "f" / "infra" / "run.sh").stat().st_mode & 0o777 == 0o755
        assert (out / "f" / "infra" / "run.sh").stat().st_mtime_ns == 1_600_000_000_123_456_789
        assert (out / "f" / "infra" / "a.txt").stat().st_mode & 0o777 == 0o644
        assert (out / "f" / "infra" / "sub dir" / "it's").read_bytes() == b"\0binary"
        assert (out / "apply.sh").read_text() == "s"


def test_a_file_vanishing_while_packed_stops_the_sync(src):
    local = local_manifest(src, ("infra",), ())
    (src / "infra" / "a.txt").unlink()
    with pytest.raises(SyncError, match="tar exited 2"):
        archive.build(src, ["infra/a.txt"], local, "s")


def tar_base64(files: dict[str, bytes]) -> list[str]:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    text = base64.encodebytes(raw.getvalue()).decode()
    return text.splitlines()


def test_parse_contents_strips_the_dot_slash():
    lines = tar_base64({"./infra/a": b"old\n", "./infra/new\nline": b"x"})
    assert archive.parse_contents(lines) == {"infra/a": b"old\n", "infra/new\nline": b"x"}


def test_parse_contents_of_nothing():
    assert archive.parse_contents([]) == {}
    assert archive.parse_contents([""]) == {}


def test_parse_contents_refuses_garbage():
    with pytest.raises(SyncError, match="diff"):
        archive.parse_contents(["not base64 !!"])


def test_parse_contents_reads_what_gnu_tar_wrote(tmp_path):
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "x; rm -rf ~").write_text("hostile\n")
    out = subprocess.run(
        ["sh", "-c", "tar -cf - -- './infra/x; rm -rf ~' ./infra/missing 2>/dev/null; true"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
    ).stdout
    lines = base64.encodebytes(out).decode().splitlines()
    assert archive.parse_contents(lines) == {"infra/x; rm -rf ~": b"hostile\n"}


def test_lazy_archive_is_built_on_first_read_and_read_in_chunks_as_sftp_does(src):
    local = local_manifest(src, ("infra",), ())
    built = []

    def build_into(out):
        built.append(True)
        archive.write(out, src, ["infra/a.txt", "infra/run.sh"], local, "s", b"c", True)

    lazy = archive.LazyArchive(build_into)
    assert built == []  # an operation body also runs at plan time: nothing packed then
    lazy.seek(0)  # pyinfra's get_file_io, then paramiko's putfo
    chunks = []
    while chunk := lazy.read(32768):
        chunks.append(chunk)
    assert built == [True] and b"".join(chunks) == lazy.getvalue()
    lazy.seek(0)  # a retried upload starts over, from the same file
    assert lazy.read() == b"".join(chunks) and built == [True]
    assert tarfile.open(fileobj=io.BytesIO(b"".join(chunks)), mode="r:gz", ignore_zeros=True).getnames() == [
        "apply.sh", "manifest-cache", "f/infra/run.sh", "f/infra/a.txt"
    ]
