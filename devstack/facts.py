"""Facts this deploy needs beyond pyinfra's and pyinfra_compose's own."""

from __future__ import annotations

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


class FileMode(FactBase["str | None"]):
    """Octal mode of a file, None when absent."""

    def command(self, path: str) -> str:
        return f"stat -c %a {cmd.shell([path])} 2>/dev/null || echo {cmd.ABSENT}"

    def process(self, output: list[str]) -> str | None:
        value = "".join(output).strip()
        return None if value == cmd.ABSENT else value


class RegistryAnswers(FactBase[bool]):
    """Whether the target's engine can reach the registry of an official image (short timeout)."""

    def command(self, image: str) -> str:
        return (
            f"if {cmd.shell(cmd.image_id(image))} >/dev/null 2>&1 || "
            f"timeout 15 {cmd.shell(['docker', 'manifest', 'inspect', image])} >/dev/null 2>&1; "
            "then echo yes; else echo no; fi"
        )

    def process(self, output: list[str]) -> bool:
        return "".join(output).strip() == "yes"
