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

from pyinfra_compose.dockerignore import context_entries, load_matcher
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
    try:
        return interpolate_tree(document, env)  # type: ignore[return-value]
    except SettingsError as error:
        raise SettingsError(f"{path}: {error}") from None


def tree_digest(root: Path, ignore_file: Path | None = None) -> str:
    """sha256 over what BuildKit sends of a context: each entry's path and kind, a file's
    exec bit and content, a symlink's target; .dockerignore applied as fsutil applies it."""
    matcher = None
    if ignore_file is not None and ignore_file.is_file():
        matcher = load_matcher(ignore_file.read_bytes().decode("utf-8", "surrogateescape"), str(ignore_file))
    digest = hashlib.sha256()
    for entry in context_entries(root, matcher, str(ignore_file)):
        full = root / entry.path
        if entry.kind == "dir":
            digest.update(f"{entry.path}/\0dir\0".encode("utf-8", "surrogateescape"))
        elif entry.kind == "symlink":
            digest.update(f"{entry.path}\0link\0{os.readlink(full)}\0".encode("utf-8", "surrogateescape"))
        else:
            executable = os.access(full, os.X_OK)
            digest.update(f"{entry.path}\0{int(executable)}\0".encode("utf-8", "surrogateescape"))
            digest.update(hashlib.sha256(full.read_bytes()).digest())
    return digest.hexdigest()


def _scalar(value: object) -> str | None:
    """A build arg's value as compose hands it to the builder (YAML true -> "true")."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _pairs(section: object, what: str, env: Mapping[str, str]) -> dict[str, str | None]:
    """A mapping-or-list section (`args`, `additional_contexts`) as one mapping: the list
    form `KEY=VALUE` and the mapping form give the same digest. A bare `KEY` (or a null
    value) takes its value from the environment, as compose resolves it."""
    if section is None:
        return {}
    if isinstance(section, dict):
        items = {str(k): _scalar(v) for k, v in section.items()}
    elif isinstance(section, list):
        items = {}
        for item in section:
            key, sep, value = str(item).partition("=")
            items[key] = value if sep else None
    else:
        raise SettingsError(f"build.{what} must be a mapping or a list, not {type(section).__name__}")
    return {k: (env.get(k) if v is None else v) for k, v in sorted(items.items())}


def _local_context(value: str) -> bool:
    """A named context that is a directory here (not an image, URL, git repo or service)."""
    return "://" not in value and not value.startswith(("service:", "target:", "git@")) and ":" not in value.split("/")[0]


def build_files(compose_dir: Path, build: str | dict) -> tuple[Path, Path | None, Path]:
    """(context, Dockerfile or None when inline, the .dockerignore that applies) of one
    service's build section."""
    spec = {"context": build} if isinstance(build, str) else dict(build)
    context = (compose_dir / str(spec.get("context", "."))).resolve()
    if not context.is_dir():
        raise SettingsError(f"build context {context} does not exist")
    if spec.get("dockerfile_inline") is not None:
        if spec.get("dockerfile") is not None:
            raise SettingsError("build: dockerfile and dockerfile_inline are mutually exclusive")
        return context, None, context / ".dockerignore"  # no <name>.dockerignore beside an inline Dockerfile
    dockerfile = (context / str(spec.get("dockerfile", "Dockerfile"))).resolve()
    if not dockerfile.is_file():
        raise SettingsError(f"Dockerfile {dockerfile} does not exist")
    # BuildKit prefers <Dockerfile>.dockerignore next to the Dockerfile over the context's.
    ignore_file = dockerfile.with_name(dockerfile.name + ".dockerignore")
    if not ignore_file.is_file():
        ignore_file = context / ".dockerignore"
    return context, dockerfile, ignore_file


def service_build_digest(compose_dir: Path, build: str | dict, env: Mapping[str, str] | None = None) -> str:
    """Digest of one service's build: context (filtered), Dockerfile (file or inline),
    target, args and additional contexts, each in mapping or list form."""
    env = env or {}
    spec = {"context": build} if isinstance(build, str) else dict(build)
    context, dockerfile, ignore_file = build_files(compose_dir, build)
    inline = spec.get("dockerfile_inline")
    dockerfile_text = str(inline).encode() if dockerfile is None else dockerfile.read_bytes()
    contexts = {}
    for name, value in _pairs(spec.get("additional_contexts"), "additional_contexts", {}).items():
        if value is None:
            raise SettingsError(f"build.additional_contexts: {name} has no value")
        if _local_context(value):
            local = (compose_dir / value).resolve()
            if not local.is_dir():
                raise SettingsError(f"build.additional_contexts: {name}: {local} does not exist")
            contexts[name] = {"local": tree_digest(local)}
        else:
            contexts[name] = {"ref": value}  # an image, URL or service: its name is what we know
    parts = {
        "context": tree_digest(context, ignore_file),
        "dockerfile": hashlib.sha256(dockerfile_text).hexdigest(),
        "inline": inline is not None,
        "args": _pairs(spec.get("args"), "args", env),
        "target": spec.get("target"),
        "additional_contexts": contexts,
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
            digest=service_build_digest(compose_file.parent, service["build"], env),
        )
        for name, service in sorted(document["services"].items())
        if isinstance(service, dict) and service.get("build") is not None
    }
