"""A compose project on a target, validated once into a frozen value."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyinfra_compose.errors import SettingsError

# Compose's own rule for project names (compose-spec: lowercase, digits, "-", "_").
_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_PROFILE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
PULL_POLICIES = ("always", "missing", "never", "build")


@dataclass(frozen=True)
class ComposeProject:
    """Where a compose project lives on the target and how to address it.

    + project_dir: directory on the target that relative paths resolve against
    + files: compose files, relative to project_dir or absolute
    + project_name: compose project name (``-p``)
    + env_files: env files, relative to project_dir or absolute
    + profiles: profiles to enable
    + pull: pull policy for ``up`` (one of PULL_POLICIES) or None for compose's default
    """

    project_dir: str
    project_name: str
    files: tuple[str, ...] = ("docker-compose.yml",)
    env_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    pull: str | None = None

    def __post_init__(self) -> None:
        # First: a string would otherwise be validated character by character.
        for name in ("files", "env_files", "profiles"):
            if isinstance(getattr(self, name), str):
                raise SettingsError(f"{name}: must be a list, not a string")
        if not self.project_dir or not self.project_dir.startswith("/"):
            raise SettingsError(f"project_dir: {self.project_dir!r} must be an absolute path")
        if not _PROJECT_NAME.fullmatch(self.project_name):
            raise SettingsError(
                f"project_name: {self.project_name!r} must be lowercase letters, digits, '-' or '_'"
            )
        if not self.files:
            raise SettingsError("files: at least one compose file is needed")
        for profile in self.profiles:
            if not _PROFILE.fullmatch(profile):
                raise SettingsError(f"profiles: {profile!r} is not a valid compose profile name")
        if self.pull is not None and self.pull not in PULL_POLICIES:
            raise SettingsError(f"pull: {self.pull!r} must be one of {', '.join(PULL_POLICIES)}")

    def path(self, relative: str) -> str:
        """A path on the target: absolute paths stay, relative ones join project_dir."""
        return relative if relative.startswith("/") else f"{self.project_dir.rstrip('/')}/{relative}"
