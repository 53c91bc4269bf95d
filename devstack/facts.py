"""Facts this deploy needs beyond pyinfra's and pyinfra_compose's own."""

from __future__ import annotations

from dataclasses import dataclass

from pyinfra.api import FactBase

from pyinfra_compose import commands as cmd


class MissingImages(FactBase[list[str]]):
    """Which of the given images are not in the target's engine."""

    def command(self, images: tuple[str, ...]) -> str:
        checks = [f"{cmd.shell(cmd.image_id(image))} >/dev/null 2>&1 || echo {cmd.shell([image])}" for image in images]
        return "; ".join(checks) or "true"

    def default(self) -> list[str]:
        return []  # no output: nothing missing

    def process(self, output: list[str]) -> list[str]:
        return [line.strip() for line in output if line.strip()]


class LoginUser(FactBase[str]):
    """The user the target's commands run as (`id -un`: $USER is unset in some containers)."""

    def command(self) -> str:
        return "id -un"


@dataclass(frozen=True)
class FileState:
    mode: str  # octal, e.g. "600"
    sha256: str


class FileStates(FactBase["FileState | None"]):
    """Mode and sha256 of a file in one command; None when absent."""

    def command(self, path: str) -> str:
        quoted = cmd.shell([path])
        return f"if [ -f {quoted} ]; then stat -c %a {quoted} && sha256sum {quoted}; else echo {cmd.ABSENT}; fi"

    def process(self, output: list[str]) -> "FileState | None":
        lines = [line.strip() for line in output if line.strip()]
        if not lines or lines[0] == cmd.ABSENT or len(lines) < 2:
            return None
        return FileState(mode=lines[0], sha256=lines[1].split()[0])


@dataclass(frozen=True)
class Target:
    home: str
    registry_answers: bool | None  # None when not asked


class TargetBasics(FactBase[Target]):
    """The login user's home directory and, when asked about an official image, whether
    the target's engine has it or reaches its registry (short timeout): one round trip."""

    def command(self, image: str | None = None) -> str:
        home = 'echo "home=$HOME"'
        if not image:
            return home
        registry = (
            f"if {cmd.shell(cmd.image_id(image))} >/dev/null 2>&1 || "
            f"timeout 15 {cmd.shell(['docker', 'manifest', 'inspect', image])} >/dev/null 2>&1; "
            "then echo registry=yes; else echo registry=no; fi"
        )
        return f"{home}; {registry}"

    def process(self, output: list[str]) -> Target:
        values = dict(line.strip().split("=", 1) for line in output if "=" in line)
        answer = values.get("registry")
        return Target(home=values.get("home", ""), registry_answers=None if answer is None else answer == "yes")
