"""Pure builders of every docker/compose command, as argv lists.

Nothing here runs anything or reads the target. ``shell()`` is the one place
where argv becomes a shell string, so it is the one place that quotes.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence

from pyinfra_compose.project import ComposeProject

DOCKER = "docker"
ABSENT = "__pyinfra_compose_absent__"  # sentinel a fact prints where "missing" is a normal answer
BUILD_TAG_PREFIX = "pyinfra-build-"


def shell(argv: Sequence[str]) -> str:
    """Join argv into one shell-safe command line (the only quoting in the package)."""
    return " ".join(shlex.quote(str(arg)) for arg in argv)


def compose_base(project: ComposeProject) -> list[str]:
    """`docker compose` with the project's directory, name, files, env files and profiles."""
    argv = [DOCKER, "compose", "--project-directory", project.project_dir, "-p", project.project_name]
    for compose_file in project.files:
        argv += ["-f", project.path(compose_file)]
    for env_file in project.env_files:
        argv += ["--env-file", project.path(env_file)]
    for profile in project.profiles:
        argv += ["--profile", profile]
    return argv


def config_hashes(project: ComposeProject) -> list[str]:
    """Desired per-service config hashes, one `service hash` line each."""
    return compose_base(project) + ["config", "--hash", "*"]


def config_check(project: ComposeProject) -> list[str]:
    """Validate the compose file and env on the target without printing values."""
    return compose_base(project) + ["config", "--quiet"]


def ps(project: ComposeProject) -> list[str]:
    """Every container of the project, running or not, as JSON."""
    return compose_base(project) + ["ps", "--all", "--no-trunc", "--format", "json"]


def build(project: ComposeProject, services: Iterable[str]) -> list[str]:
    """Build the images of the given services (and only those)."""
    return compose_base(project) + ["build", *sorted(services)]


def up(
    project: ComposeProject,
    services: Iterable[str] = (),
    force_recreate: bool = False,
    remove_orphans: bool = True,
) -> list[str]:
    """Converge containers to the config. Images were built just before, so never build
    here; --force-recreate (of named services only, without their dependencies) replaces
    containers whose config is current but which are unhealthy."""
    argv = compose_base(project) + ["up", "--detach", "--no-build"]
    if project.pull:
        argv += ["--pull", project.pull]
    if force_recreate:
        argv += ["--force-recreate", "--no-deps"]
    elif remove_orphans:
        argv.append("--remove-orphans")
    return argv + sorted(services)


def down(project_name: str, volumes: bool = False) -> list[str]:
    """Stop and remove the project's containers and networks (volumes only when asked).
    Addressed by name only, so it works when the compose file is gone or changed."""
    argv = [DOCKER, "compose", "-p", project_name, "down", "--remove-orphans"]
    if volumes:
        argv.append("--volumes")
    return argv


def remove_volumes(volumes: Iterable[str]) -> list[str]:
    """Remove named volumes; --force makes an already-removed volume no error."""
    return [DOCKER, "volume", "rm", "--force", *volumes]


def remove_containers(container_ids: Iterable[str]) -> list[str]:
    """Stop and remove specific containers (e.g. of a profile that is no longer enabled)."""
    return [DOCKER, "rm", "--force", "--volumes", *container_ids]


def project_resources(project_name: str) -> list[list[str]]:
    """Containers, networks and volumes carrying the project's label: one listing each."""
    label = f"label=com.docker.compose.project={project_name}"
    return [
        [DOCKER, "ps", "--all", "--quiet", "--filter", label],
        [DOCKER, "network", "ls", "--quiet", "--filter", label],
        [DOCKER, "volume", "ls", "--quiet", "--filter", label],
    ]


def image_id(image: str) -> list[str]:
    """The local id of an image; exits non-zero when the image is absent."""
    return [DOCKER, "image", "inspect", "--format", "{{.Id}}", image]


def health_log(container_id: str) -> list[str]:
    """The last health probes of a container (exit codes and outputs), as JSON."""
    return [DOCKER, "inspect", "--format", "{{json .State.Health}}", container_id]


def logs(project: ComposeProject, service: str, tail: int = 30) -> list[str]:
    """The last log lines of one service."""
    return compose_base(project) + ["logs", "--no-color", "--no-log-prefix", "--tail", str(int(tail)), service]


def run_traits(project_name: str) -> str:
    """Shell line: per container of the project, `<id> <healthcheck test kind> <restart policy>`
    (nothing for a project without containers)."""
    ids = shell(["docker", "compose", "-p", project_name, "ps", "--all", "-q"])
    # `index` on a missing key is empty, where `.Config.Healthcheck` is a template error
    # ("map has no entry for key") for a container without a healthcheck.
    template = '{{.Id}} {{with index .Config "Healthcheck"}}{{with index . "Test"}}{{index . 0}}{{end}}{{end}} {{.HostConfig.RestartPolicy.Name}}'
    # Best effort: a container removed between ps and inspect must not fail the fact.
    return f"{ids} | xargs -r {shell(['docker', 'inspect', '--format', template])} || true"


def or_absent(argv: Sequence[str]) -> str:
    """Shell line printing ABSENT (and succeeding) where the command fails or prints
    nothing, e.g. `docker image inspect` of a missing image."""
    return f"{shell(argv)} 2>/dev/null | grep . || echo {ABSENT}"


def image_repository(image: str) -> str:
    """An image reference without its tag or digest: "reg:5000/app:1" -> "reg:5000/app"."""
    name = image.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    last = last.split(":", 1)[0]
    return f"{head}/{last}" if head else last


def build_tag(image: str, digest: str) -> str:
    """The tag that records which build inputs an image was built from."""
    return f"{image_repository(image)}:{BUILD_TAG_PREFIX}{digest[:64]}"


def tag_build(image: str, digest: str) -> str:
    """Shell line: tag the freshly built image with its inputs' digest, untag older records.

    The record lives in the engine itself (no state file that could land in a build
    context), and an image someone rebuilt by hand no longer matches its tag."""
    repository, keep = image_repository(image), build_tag(image, digest)
    listing = shell([DOCKER, "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", repository])
    return (
        f"{shell([DOCKER, 'image', 'tag', image, keep])} && "
        f"{{ {listing} | grep -F {shlex.quote(':' + BUILD_TAG_PREFIX)} | grep -vxF {shlex.quote(keep)} "
        f"| xargs -r {shell([DOCKER, 'image', 'rm'])} >/dev/null || true; }}"
    )


_SALT = re.compile(r"^[0-9a-f]{8,128}$")


def env_digests(path: str, salt: str) -> str:
    """Shell: one `KEY sha256(salt + line)` per line of an env file, ABSENT when there is
    no such file. Digests only, never a value (pyinfra -vvv prints fact output); mirrors
    `envdiff.env_digests` exactly (blank and comment lines skipped, other lines "?<n>")."""
    if not _SALT.match(salt):
        raise ValueError("salt: lowercase hex expected")
    return (
        f"if [ -f {shell([path])} ]; then n=0; "
        'while IFS= read -r line || [ -n "$line" ]; do '
        'trimmed="${line#"${line%%[![:space:]]*}"}"; '
        "case \"$trimmed\" in ''|'#'*) continue ;; esac; "
        'rest="$line"; '
        'case "$rest" in "export "*|"export\t"*) rest="${rest#export}"; rest="${rest#"${rest%%[!\t ]*}"}" ;; esac; '
        'key="${rest%%=*}"; '
        'case "$rest" in *=*) ;; *) key="" ;; esac; '
        "case \"$key\" in ''|[0-9]*|*[!A-Za-z0-9_]*) n=$((n+1)); key=\"?$n\" ;; esac; "
        f"printf '%s %s\\n' \"$key\" \"$(printf '%s' {salt}\"$line\" | sha256sum | cut -d' ' -f1)\"; "
        f"done < {shell([path])}; else echo {ABSENT}; fi"
    )


def file_texts(paths: Sequence[str]) -> str:
    """Shell: per path one line, `file:<base64 of its content>` or ABSENT (base64 keeps
    indentation and blank lines intact through pyinfra's line-based fact output)."""
    checks = [
        f"if [ -f {shell([path])} ]; then printf 'file:'; base64 -w0 < {shell([path])}; echo; else echo {ABSENT}; fi"
        for path in paths
    ]
    return "; ".join(checks) or "true"
