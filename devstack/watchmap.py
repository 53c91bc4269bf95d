"""What a changed file means for this stack, read from the compose file the deploy uses.

- a file a service builds from (its Dockerfile, its .dockerignore, or a file of its build
  context that the .dockerignore keeps -- the same rules as the deploy's build digests):
  rebuild that service (the compose plan decides, as in the deploy);
- a compose file: run the compose plan (it recreates only what differs);
- a bind-mounted source file: synced only, the service's dev server reloads it;
- anything else (images/, files/): synced only.
Pure apart from reading the compose file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyinfra_compose.buildinputs import build_files, load_compose_file
from pyinfra_compose.dockerignore import is_sent, load_matcher
from pyinfra_compose.patternmatcher import PatternMatcher


@dataclass(frozen=True)
class ServiceFiles:
    """The repository files one service uses: bind mounts and build inputs (repo-relative)."""

    service: str
    mounts: tuple[str, ...] = ()
    context: str | None = None
    dockerfile: str | None = None
    ignore_file: str | None = None
    ignore: PatternMatcher | None = None  # its .dockerignore, as BuildKit reads it

    def builds_from(self, path: str) -> bool:
        if path in (self.dockerfile, self.ignore_file):
            return True
        if self.context is None or not path.startswith(self.context + "/"):
            return False
        return is_sent(self.ignore, path[len(self.context) + 1 :])

    def mounts_path(self, path: str) -> bool:
        return any(path == mount or path.startswith(mount + "/") for mount in self.mounts)


def _inside(repo: Path, path: Path) -> str | None:
    try:
        return path.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return None  # outside the repository: not something a watch syncs


def _bind_sources(compose_dir: Path, volumes: Iterable) -> list[Path]:
    """Host paths of a service's bind mounts (short `src:dst[:mode]` or long syntax)."""
    sources = []
    for volume in volumes or ():
        if isinstance(volume, str):
            source = volume.split(":", 1)[0]
            if ":" in volume and source.startswith((".", "/", "~")):
                sources.append(compose_dir / source)
        elif isinstance(volume, dict) and volume.get("type") == "bind" and volume.get("source"):
            sources.append(compose_dir / str(volume["source"]))
    return sources


def service_files(compose_file: Path, env: Mapping[str, str], repo: Path) -> tuple[ServiceFiles, ...]:
    """Every service of the compose file with the repository files it mounts or builds from."""
    document = load_compose_file(compose_file, env)  # the deploy's parser and interpolation
    found = []
    for name, service in sorted(document["services"].items()):
        if not isinstance(service, dict):
            continue
        mounts = tuple(m for m in (_inside(repo, s) for s in _bind_sources(compose_file.parent, service.get("volumes"))) if m)
        build = service.get("build")
        if build is None:
            found.append(ServiceFiles(name, mounts))
            continue
        context, dockerfile, ignore_file = build_files(compose_file.parent, build)
        matcher = load_matcher(ignore_file.read_text(), str(ignore_file)) if ignore_file.is_file() else None
        found.append(
            ServiceFiles(
                name, mounts, _inside(repo, context), dockerfile and _inside(repo, dockerfile), _inside(repo, ignore_file), matcher
            )
        )
    return tuple(found)


@dataclass(frozen=True)
class Decision:
    compose: tuple[str, ...] = ()  # compose files changed: run the compose plan
    rebuild: dict[str, tuple[str, ...]] = field(default_factory=dict)  # service -> its changed build inputs
    reload: dict[str, tuple[str, ...]] = field(default_factory=dict)  # service -> changed bind-mounted files
    other: tuple[str, ...] = ()  # synced, used by no service directly

    @property
    def needs_plan(self) -> bool:
        return bool(self.compose or self.rebuild)

    def label(self) -> str:
        """Who a sync line is about: `api`, `api, web`, `files`."""
        names = sorted(set(self.rebuild) | set(self.reload))
        return ", ".join(names) if names else ("compose" if self.compose else "files")


def decide(paths: Sequence[str], services: Sequence[ServiceFiles], compose_files: Sequence[str]) -> Decision:
    compose, other = [], []
    rebuild: dict[str, list[str]] = {}
    reload: dict[str, list[str]] = {}
    for path in sorted(paths):
        if path in compose_files:
            compose.append(path)
            continue
        builders = [s.service for s in services if s.builds_from(path)]
        mounters = [s.service for s in services if s.mounts_path(path)]
        for service in builders:
            rebuild.setdefault(service, []).append(path)
        for service in mounters if not builders else ():
            reload.setdefault(service, []).append(path)
        if not builders and not mounters:
            other.append(path)
    return Decision(
        tuple(compose),
        {k: tuple(v) for k, v in rebuild.items()},
        {k: tuple(v) for k, v in reload.items()},
        tuple(other),
    )
