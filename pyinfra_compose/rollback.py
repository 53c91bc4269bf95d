"""Automatic rollback: record the healthy state before an update changes the stack's
definition, and put it back when `compose up` or the health wait fails.

Compose has no rollback outside Swarm (docker/compose#13149). What is kept, on the
target, in `<root>/.rollback/` (mode 700: it holds a copy of the .env):
- the files as deployed (the compose files, Dockerfiles and .env: `keep`, relative to root);
- per running container, its image id and every tag of that image (its name and its
  build-digest tag), so the image goes back under the same names; each id also gets
  a `pyinfra-rollback/<project>-<service>:last` tag, so no rebuild or
  `docker image prune` (of untagged images) removes it.
Bind-mounted sources are not kept: they are the developer's work in progress.
The record is written to `.rollback.new` and renamed into place: never half-written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pyinfra import host, logger
from pyinfra.api import OperationError, StringCommand, operation
from pyinfra.api.operation import OperationMeta

from pyinfra_compose import commands as cmd
from pyinfra_compose.buildinputs import LocalBuild
from pyinfra_compose.facts import ComposeBuildState, ComposeContainers
from pyinfra_compose.health import verdict
from pyinfra_compose.plan import BuildRecord
from pyinfra_compose.preview import ComposePreview
from pyinfra_compose.project import ComposeProject

KEPT = ".rollback"


@dataclass(frozen=True)
class Rollback:
    """Where the last healthy state is kept, and the operation that records it this run."""

    root: str
    keep: tuple[str, ...]
    recorded: OperationMeta
    timeout: float = 300
    interval: float = 2

    def armed(self) -> bool:
        """Only a state recorded by this very run is put back (an older one may predate
        changes made since, e.g. by hand)."""
        return self.recorded.is_complete() and self.recorded.did_change()


def definition_changes(
    preview: ComposePreview | None, builds: Mapping[str, LocalBuild], records: Mapping[str, BuildRecord]
) -> list[str]:
    """What of the stack's definition this deploy changes (empty: sources at most)."""
    changes = []
    if preview is not None and tuple(preview.before_texts) != tuple(preview.after_texts):
        changes.append("compose file")
    if preview is not None and tuple(preview.before_env) != tuple(preview.after_env):
        changes.append("env file")
    for service in sorted(builds):
        record = records.get(service)
        if record is None or not record.tagged_id or record.tagged_id != record.image_id:
            changes.append(f"image of {service}")
    return changes


def record_command(root: str, keep: Sequence[str], project_name: str) -> str:
    """Shell: copy `keep` and the images' ids and tags into root/.rollback, atomically."""
    new, kept = f"{KEPT}.new", KEPT
    copies = " && ".join(f"{{ [ ! -e {cmd.shell([p])} ] || cp -a {cmd.shell([p])} {cmd.shell([f'{new}/{p}'])}; }}" for p in keep)
    ids = cmd.shell(["docker", "compose", "-p", project_name, "ps", "-q"])
    template = '{{index .Config.Labels "com.docker.compose.service"}} {{.Image}}'
    rollback_tag = cmd.shell([f"pyinfra-rollback/{project_name}-"]) + '"$service":last'
    return (
        f"cd {cmd.shell([root])} && rm -rf {new} && mkdir -m 700 {new} && {copies} && "
        f"{ids} | xargs -r {cmd.shell(['docker', 'inspect', '--format', template])} > {new}/containers && "
        f"while read -r service id; do docker tag \"$id\" {rollback_tag} && "
        f"printf '%s %s\\n' \"$id\" \"$(docker image inspect --format '{{{{join .RepoTags \" \"}}}}' \"$id\")\"; "
        f"done < {new}/containers > {new}/images && rm -rf {kept} && mv {new} {kept}"
    )


def restore_command(root: str, keep: Sequence[str], project: ComposeProject) -> str:
    """Shell: the kept files back in place (each renamed in), the kept images back under
    their names, containers recreated from them."""
    moves = " && ".join(
        f"{{ [ ! -e {cmd.shell([f'{KEPT}/{p}'])} ] || {{ rm -rf {cmd.shell([f'{p}.restore'])} && "
        f"cp -a {cmd.shell([f'{KEPT}/{p}'])} {cmd.shell([f'{p}.restore'])} && rm -rf {cmd.shell([p])} && "
        f"mv {cmd.shell([f'{p}.restore'])} {cmd.shell([p])}; }}; }}"
        for p in keep
    )
    return (
        f"cd {cmd.shell([root])} && [ -f {KEPT}/images ] && {moves} && "
        f"while read -r id tags; do for tag in $tags; do docker tag \"$id\" \"$tag\" || exit 1; done; done < {KEPT}/images && "
        f"{cmd.shell(cmd.up(project))}"
    )


@operation()
def record_healthy_state(
    project: ComposeProject,
    root: str,
    keep: Sequence[str],
    preview: ComposePreview | None = None,
    builds: Mapping[str, LocalBuild] | None = None,
    readings=None,
):
    """
    Record the healthy state now serving, before this deploy changes the stack's definition.

    + project: the compose project
    + root: the directory `keep` is relative to (the deploy's project_dir)
    + keep: the files and directories of the definition (compose files, Dockerfiles, .env)
    + preview: from `read_preview`: tells whether the compose or env files change
    + builds: service -> `LocalBuild`: tells whether an image will be rebuilt
    + readings: facts read beforehand (`pyinfra_batch.read_facts`); default: ask the host

    No change when nothing of the definition changes (a source edit at most), when the
    project is not deployed yet, or when it is not healthy now (nothing healthy to keep).
    """
    # Cheapest question first: a no-op deploy asks only for the build records (as `up` does).
    active = dict(builds or {})
    ask = readings or host
    records = ask.get_fact(ComposeBuildState, builds=active) if active else {}
    changes = definition_changes(preview, active, records)
    if not changes:
        host.noop(f"the definition of {project.project_name} does not change: nothing to keep")
        return
    containers = ask.get_fact(ComposeContainers, project_name=project.project_name)
    if not containers:
        host.noop(f"{project.project_name} is not deployed yet: no state to keep")
        return
    if not verdict({c.service: "" for c in containers}, containers).healthy:
        host.noop(f"{project.project_name} is not healthy now: no healthy state to keep")
        return
    logger.info(f"{host.print_prefix}keeping the healthy state to roll back to ({', '.join(changes)} change)")
    yield StringCommand(record_command(root, keep, project.project_name))


def guarded(function: Callable[..., None], project: ComposeProject, rollback: Rollback | None) -> Callable[..., None]:
    """`function` (the up or the health wait), whose failure puts the recorded state back."""
    if rollback is None:
        return function

    def run(*args) -> None:
        try:
            function(*args)
        except OperationError as error:
            if not rollback.armed():
                raise
            raise OperationError(f"{error}\n{_roll_back(project, rollback)}") from None

    run.__name__ = function.__name__
    return run


def _roll_back(project: ComposeProject, rollback: Rollback) -> str:
    from pyinfra_compose.waiting import wait_until_healthy  # waiting imports nothing of this module

    logger.warning(f"{host.print_prefix}rolling back to the last healthy state")
    status, output = host.run_shell_command(StringCommand(restore_command(rollback.root, rollback.keep, project)), print_output=False)
    if not status:
        tail = "\n".join(output.stderr_lines[-5:])
        return (
            f"ROLLBACK FAILED: putting the last healthy state back did not work:\n{tail}\n"
            f"everything is left as it is for inspection (the kept state: {rollback.root}/{KEPT})"
        )
    try:
        wait_until_healthy(project, rollback.timeout, rollback.interval)
    except OperationError as error:
        return f"ROLLBACK FAILED: the previous state did not become healthy again:\n{error}"
    return (
        "rolled back: the previous files and images are serving again, healthy "
        "(bind-mounted app sources are not rolled back; --data rollback=false keeps a failed state)"
    )
