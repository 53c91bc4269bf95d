"""pyinfra facts of a sync: one remote command each, a missing directory is empty."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pyinfra.api import FactBase

from pyinfra_sync import commands as cmd
from pyinfra_sync.archive import parse_contents
from pyinfra_sync.listing import RemoteListing, parse_listing
from pyinfra_sync.manifest import RemoteTrees, parse_remote_manifest, parse_sha256sum_line


class TreeManifest(FactBase[RemoteTrees]):
    """Every file of some trees under a root on the target: relative path -> sha256 and
    executable bit, excluded names pruned. One command for all trees; a missing root or
    tree is an empty answer. Needs only sh, find and coreutils' sha256sum on the target.

    + root: absolute directory on the target
    + trees: directories relative to root
    + excludes: names (fnmatch patterns) never listed nor descended into
    """

    def command(self, root: str, trees: Sequence[str], excludes: Iterable[str] = ()) -> str:
        return cmd.manifest(root, trees, excludes)

    def default(self) -> RemoteTrees:
        return RemoteTrees(root_exists=False)

    def process(self, output: list[str]) -> RemoteTrees:
        return parse_remote_manifest(output)


class TreeContents(FactBase[dict[str, bytes]]):
    """The current content of some files under root (relative path -> bytes), fetched in
    one command for diffs; a missing file is simply absent from the answer."""

    def command(self, root: str, paths: Sequence[str]) -> str:
        return cmd.contents(root, paths)

    def default(self) -> dict[str, bytes]:
        return {}

    def process(self, output: list[str]) -> dict[str, bytes]:
        return parse_contents(output)


class TreeListing(FactBase[RemoteListing]):
    """The quick check's view of some trees on the target: per file its size, mtime and
    executable bit (nothing read), plus the manifest cache the last sync left there. One
    command; a missing root is an empty answer. Needs sh, GNU find and tr.

    + root: absolute directory on the target
    + trees: directories relative to root
    + excludes: names (fnmatch patterns) never listed nor descended into
    """

    def command(self, root: str, trees: Sequence[str], excludes: Iterable[str] = ()) -> str:
        return cmd.listing(root, trees, excludes)

    def default(self) -> RemoteListing:
        return RemoteListing(root_exists=False)

    def process(self, output: list[str]) -> RemoteListing:
        return parse_listing(output)


class TreeHashes(FactBase[dict[str, str]]):
    """sha256 of some files under root (relative path -> hex), where the quick check
    cannot decide; a file that vanished is simply absent from the answer."""

    def command(self, root: str, paths: Sequence[str]) -> str:
        return cmd.hashes(root, paths)

    def default(self) -> dict[str, str]:
        return {}

    def process(self, output: list[str]) -> dict[str, str]:
        found = dict(parse_sha256sum_line(line) for line in output if line)
        return {path.removeprefix("./"): digest for path, digest in found.items()}
