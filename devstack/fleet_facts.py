"""Facts of status.py beyond pyinfra_compose's: free disk, Docker's data root, the deploy
record. Each is one small shell line, meant to be batched (pyinfra_batch/)."""

from __future__ import annotations

from pyinfra.api import FactBase

from pyinfra_compose import commands as cmd
from pyinfra_compose.facts import NeedsDocker

from devstack.fleet import Deployed
from devstack.record import parse_record


def free_kib(path_expression: str) -> str:
    """Shell: KiB available on the filesystem of a path (its nearest existing parent when the
    path is not there yet), from POSIX `df -Pk`. path_expression is shell text, quoted."""
    return (
        f'p={path_expression}; while [ ! -e "$p" ] && [ "$p" != / ]; do p=$(dirname "$p"); done; '
        'df -Pk "$p" 2>/dev/null | awk \'NR==2 {print $4}\''
    )


def parse_kib(output: list[str]) -> int | None:
    text = "".join(output).strip()
    return int(text) * 1024 if text.isdigit() else None


class FreeDisk(FactBase["int | None"]):
    """Bytes available on the filesystem holding a path (None when df cannot tell)."""

    def command(self, path: str) -> str:
        return free_kib(cmd.shell([path]))

    def process(self, output: list[str]) -> int | None:
        return parse_kib(output)


class DockerRootFree(NeedsDocker, FactBase["int | None"]):
    """Bytes available under the engine's data root (`docker info`'s DockerRootDir)."""

    def command(self) -> str:
        root = cmd.shell(["docker", "info", "--format", "{{.DockerRootDir}}"])
        return f'd="$({root} 2>/dev/null)"; [ -n "$d" ] || exit 0; {free_kib(chr(34) + "$d" + chr(34))}'

    def process(self, output: list[str]) -> int | None:
        return parse_kib(output)


class DeployRecord(FactBase["Deployed | None"]):
    """The record the last deploy left in project_dir (devstack/record.py); None: none."""

    def command(self, path: str) -> str:
        return f"cat {cmd.shell([path])} 2>/dev/null || true"

    def process(self, output: list[str]) -> Deployed | None:
        return parse_record("\n".join(output))
