"""Digests of everything that goes into each service's image build, computed locally.

Compose's config hash leaves the build section out on purpose (a rebuilt image is
noticed by its id, not by config), so it cannot tell that a Dockerfile or a file
in the build context changed. These digests can: `up` records the digest each
image was built from on the target and rebuilds exactly the services whose digest
moved. The local tree is the truth because a deploy uploads it to the target.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from collections.abc import Mapping
from pathlib import Path

import yaml

from pyinfra_compose.dockerignore import is_ignored, parse_dockerignore
from pyinfra_compose.errors import SettingsError
from pyinfra_compose.interpolate import interpolate_tree


def _yaml_error_text(path: Path, error: yaml.YAMLError) -> str:
    """`file:line: malformed YAML: problem (context at line N)`: the parser notices an
    unclosed bracket lines after it was opened, so both lines are named."""
    mark = getattr(error, "problem_mark", None)
    where = f"{path}:{mark.line + 1}" if mark else str(path)
    text = f"{where}: malformed YAML: {getattr(error, 'problem', None) or error}"
    context, context_mark = getattr(error, "context", None), getattr(error, "context_mark", None)
    if context and context_mark and (not mark or context_mark.line != mark.line):
        text += f" ({context} at line {context_mark.line + 1})"
    return text


def load_compose_file(path: Path, env: Mapping[str, str]) -> dict:
    """Parse and interpolate a compose file; YAML errors name the file and line."""
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise SettingsError(_yaml_error_text(path, error)) from None
    except OSError as error:
        raise SettingsError(f"{path}: cannot read compose file: {error.strerror}") from None
    if not isinstance(document, dict) or not isinstance(document.get("services"), dict):
        raise SettingsError(f"{path}: a compose file needs a top-level 'services' mapping")
    return interpolate_tree(document, env)  # type: ignore[return-value]


def tree_digest(root: Path, ignore_file: Path | None = None) -> str:
    """sha256 over every file's relative path, exec bit and content, .dockerignore applied."""
    patterns = parse_dockerignore(ignore_file.read_text()) if ignore_file and ignore_file.is_file() else []
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames):
            full = Path(dirpath, filename)
            relative = full.relative_to(root).as_posix()
            if is_ignored(relative, patterns):
                continue
            executable = os.access(full, os.X_OK)
            digest.update(f"{relative}\0{int(executable)}\0".encode())
            digest.update(hashlib.sha256(full.read_bytes()).digest())
    return digest.hexdigest()


def build_files(compose_dir: Path, build: str | dict) -> tuple[Path, Path, Path]:
    """(context, Dockerfile, the .dockerignore that applies) of one service's build section."""
    spec = {"context": build} if isinstance(build, str) else dict(build)
    context = (compose_dir / spec.get("context", ".")).resolve()
    if not context.is_dir():
        raise SettingsError(f"build context {context} does not exist")
    dockerfile = (context / spec.get("dockerfile", "Dockerfile")).resolve()
    if not dockerfile.is_file():
        raise SettingsError(f"Dockerfile {dockerfile} does not exist")
    # BuildKit prefers <Dockerfile>.dockerignore next to the Dockerfile over the context's.
    ignore_file = dockerfile.with_name(dockerfile.name + ".dockerignore")
    if not ignore_file.is_file():
        ignore_file = context / ".dockerignore"
    return context, dockerfile, ignore_file


def service_build_digest(compose_dir: Path, build: str | dict) -> str:
    """Digest of one service's build: context (filtered), Dockerfile, args, extra contexts."""
    spec = {"context": build} if isinstance(build, str) else dict(build)
    context, dockerfile, ignore_file = build_files(compose_dir, build)
    parts = {
        "context": tree_digest(context, ignore_file),
        "dockerfile": hashlib.sha256(dockerfile.read_bytes()).hexdigest(),
        "args": spec.get("args") or {},
        "target": spec.get("target"),
        "additional_contexts": {
            name: tree_digest((compose_dir / str(path)).resolve())
            for name, path in sorted((spec.get("additional_contexts") or {}).items())
        },
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class LocalBuild:
    """A service built from a Dockerfile: the image name compose gives it, and its inputs' digest."""

    image: str
    digest: str


def local_builds(compose_file: Path, env: Mapping[str, str], project_name: str) -> dict[str, LocalBuild]:
    """Service -> LocalBuild, for every service of the (local) compose file with a build section."""
    document = load_compose_file(compose_file, env)
    return {
        name: LocalBuild(
            # compose names a built image <project>-<service> unless the service sets `image:`
            image=str(service.get("image") or f"{project_name}-{name}"),
            digest=service_build_digest(compose_file.parent, service["build"]),
        )
        for name, service in sorted(document["services"].items())
        if isinstance(service, dict) and service.get("build") is not None
    }
