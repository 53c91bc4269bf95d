"""pyinfra operations for compose projects: facts in, named decisions, commands out.

Operation bodies run at plan time too (and twice without -y), so they never poll or
sleep: health waiting happens in a callback that only runs when the deploy executes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from pyinfra import host, logger
from pyinfra.api import FunctionCommand, OperationError, StringCommand, operation
from pyinfra.api.operation import OperationMeta

from pyinfra_compose import commands as cmd
from pyinfra_compose import progress, report
from pyinfra_compose.buildinputs import LocalBuild
from pyinfra_compose.envdiff import SALT, env_digests
from pyinfra_compose.errors import SettingsError
from pyinfra_compose.facts import (
    ComposeBuildState,
    ComposeContainers,
    ComposeDesiredConfig,
    ComposeInputs,
    ComposeProjectResources,
)
from pyinfra_compose.health import verdict
from pyinfra_compose.plan import Kind, Plan, plan_up
from pyinfra_compose.preview import ComposePreview
from pyinfra_compose.probes import DEFAULT_GRACE
from pyinfra_compose.project import ComposeProject
from pyinfra_compose.rollback import Rollback, guarded
from pyinfra_compose.waiting import diagnose, wait_until_healthy


def _changed(meta: OperationMeta) -> bool:
    """Whether an earlier operation changed (after it ran) or will change (while planning)."""
    return meta.did_change() if meta.is_complete() else meta.will_change


def _planning() -> bool:
    """True while pyinfra plans (`--dry`, or before its prompt): no earlier operation has
    run, so the target's compose files are still those of the previous deploy."""
    return not host.state.is_executing


def read_preview(
    project: ComposeProject, compose_texts: Sequence[str], env_texts: Sequence[str], readings=None
) -> ComposePreview:
    """The project's compose inputs on the target now, and as this deploy uploads them.

    Call it while the deploy file loads, before any operation runs (with or without -y),
    and pass it to `up`: its plan then names the settings a deploy changes, and while
    pyinfra plans it predicts what `up` will find after the uploads.

    + compose_texts: the compose files this deploy uploads, in `project.files` order
    + env_texts: the env files this deploy uploads, in `project.env_files` order
    """
    if len(compose_texts) != len(project.files) or len(env_texts) != len(project.env_files):
        raise SettingsError("read_preview: one text per compose file and per env file of the project")
    inputs = (readings or host).get_fact(
        ComposeInputs,
        compose_paths=tuple(project.path(name) for name in project.files),
        env_paths=tuple(project.path(name) for name in project.env_files),
        salt=SALT,
    )
    return ComposePreview(
        before_texts=inputs.compose_texts,
        after_texts=tuple(compose_texts),
        before_env=inputs.env_digests,
        after_env=tuple(env_digests(text) for text in env_texts),
    )


# What `up` just saw (desired hashes, containers) per host and project: when it changes
# nothing, `wait_healthy(after=up)` judges from that look, milliseconds old, instead of
# asking the target twice more (a no-op deploy is round trips; see bench/).
_last_seen: dict[tuple[str, str], tuple[dict[str, str], list]] = {}


def current_plan(
    project: ComposeProject,
    builds: Mapping[str, LocalBuild] | None = None,
    preview: ComposePreview | None = None,
    readings=None,
) -> Plan | None:
    """What `up` would change on this host now; None when the compose file is not there
    yet and no preview says what it will be."""
    ask = readings or host
    containers = ask.get_fact(ComposeContainers, project_name=project.project_name)
    if preview is not None and _planning():
        # The target's own hashes only matter for containers this deploy does not change.
        current = ask.get_fact(ComposeDesiredConfig, project=project) if containers else None
        prediction = preview.predict(project.profiles, current.hashes if current else None)
        desired, services = prediction.desired, prediction.services
        settings, reasons = prediction.settings, prediction.reasons
    else:
        config = ask.get_fact(ComposeDesiredConfig, project=project)
        if config is None:
            return None
        desired, services = config.hashes, config.services
        settings, reasons = (preview.settings() if preview else {}), {}
    active = {service: build for service, build in (builds or {}).items() if service in desired}
    records = ask.get_fact(ComposeBuildState, builds=active) if active else {}
    _last_seen[(host.name, project.project_name)] = (dict(desired), containers)
    return plan_up(desired, services, containers, records, settings, reasons)


def _build_commands(project: ComposeProject, services: Iterable[str], builds: Mapping[str, LocalBuild]):
    """Build exactly these services, then tag each image with the digest it was built from."""
    services = sorted(services)
    for service in services:  # one at a time: a start and an end line per image, and a heartbeat
        label = f"build {builds[service].image if service in builds else service}"
        build = cmd.shell(progress.plain_progress(cmd.build(project, [service])))
        yield FunctionCommand(reported(progress.run_with_progress), (label, build), {})
    for service in services:
        yield StringCommand(cmd.tag_build(builds[service].image, builds[service].digest))


def _run_up(project: ComposeProject) -> None:
    """`compose up -d` blocks on `depends_on: service_healthy`; when a dependency never gets
    healthy it fails with one terse line, so add which service failed and why."""
    status, output = host.run_shell_command(cmd.shell(cmd.up(project)), print_output=False)
    if status:
        return
    containers = host.get_fact(ComposeContainers, project_name=project.project_name)
    desired = host.get_fact(ComposeDesiredConfig, project=project)
    bad = verdict(desired.hashes if desired else {}, containers)
    culprits = bad.failed or bad.pending
    last = "\n".join(line for line in output.stderr_lines[-3:])
    raise OperationError(f"docker compose up failed:\n{last}\n{diagnose(project, culprits)}")


def reported(function: Callable[..., None]) -> Callable[..., bool]:
    """A FunctionCommand callback whose failure reads as a message, not a traceback.

    pyinfra prints a Python traceback for any exception a callback raises, then the
    message again on one line. A callback taking (state, host) is called directly and
    its return value is the command's status, so catch our OperationError, log its
    lines and return False: pyinfra then reports the operation failed, once.
    """

    def callback(state, host, *args):  # noqa: ARG001 -- pyinfra passes state, host by name
        try:
            function(*args)
        except OperationError as error:
            for line in str(error).splitlines():
                logger.error(f"{host.print_prefix}{line}")
            return False
        return True

    callback.__wrapped__ = function  # type: ignore[attr-defined]
    callback.__name__ = function.__name__
    return callback


def _up_command(project: ComposeProject, rollback: Rollback | None = None) -> FunctionCommand:
    return FunctionCommand(reported(guarded(_run_up, project, rollback)), (project,), {})


@operation()
def up(
    project: ComposeProject,
    builds: Mapping[str, LocalBuild] | None = None,
    preview: ComposePreview | None = None,
    rollback: Rollback | None = None,
    readings=None,
):
    """
    Bring a compose project to its desired state, changing only what differs.

    + project: the compose project (`ComposeProject`)
    + builds: service -> `LocalBuild` (image name, digest of its build inputs), from
      `buildinputs.local_builds`; a service whose digest moved since its image was
      built is rebuilt, and only it
    + preview: from `read_preview` while the deploy file loads: the plan names the
      settings this deploy changes, and a dry run shows what `up` will do once the
      compose files and env files are uploaded (without it, the target's files as they are)
    + rollback: when `up` fails, put back the state `rollback.record_healthy_state` kept
    + readings: facts read beforehand (`pyinfra_batch.read_facts`); default: ask the host

    No change (and nothing run) when every active service's container carries the
    desired config hash, runs (healthy where checked), no image needs a rebuild and
    no orphan exists.

    **Example:**

    .. code:: python

        compose.up(name="Stack up", project=ComposeProject("/srv/app", "app"))
    """
    plan = current_plan(project, builds, preview, readings)
    if plan is None:
        report.say_once(host, [f"compose project {project.project_name} is not deployed yet: build and create everything"])
        report.record(host, {"project": project.project_name, "up_to_date": False, "changes": None})
        if builds:
            yield from _build_commands(project, builds, builds)
        yield _up_command(project, rollback)
        return
    report.record(host, {"project": project.project_name, **plan.to_dict()})
    if plan.is_noop:
        host.noop(f"compose project {project.project_name} is up to date")
        return

    report.say_once(host, plan.lines())
    if plan.builds:
        yield from _build_commands(project, plan.builds, builds or {})
    disabled = plan.container_ids(Kind.DISABLED)
    if disabled:
        yield StringCommand(cmd.shell(cmd.remove_containers(disabled)))
    # A plain `up` creates, starts and recreates what differs and removes orphans; it
    # leaves an unhealthy container with a current config alone, hence the second command.
    if plan.builds or plan.has(Kind.CREATE, Kind.START, Kind.RECREATE, Kind.ORPHAN):
        yield _up_command(project, rollback)
    unhealthy = plan.services(Kind.UNHEALTHY)
    if unhealthy:
        yield StringCommand(cmd.shell(cmd.up(project, unhealthy, force_recreate=True)))


@operation()
def wait_healthy(
    project: ComposeProject,
    timeout: float = 300,
    interval: float = 2,
    after: OperationMeta | None = None,
    rollback: Rollback | None = None,
    changes: Sequence[OperationMeta] = (),
    grace: float = DEFAULT_GRACE,
):
    """
    Wait until every active service is healthy (or running, without a healthcheck; a
    one-shot service that exited 0 counts as done), judged from the engine's own state.

    + project: the compose project
    + timeout: seconds before failing, naming the services that are not healthy
    + interval: seconds between two looks at the services
    + after: the `up` operation this waits for; when it changed anything, always wait
    + rollback: when the wait fails, put back the state `rollback.record_healthy_state` kept
    + changes: operations that change what running services read (uploads of mounted
      files, env files): when one changed anything, wait, and count a service healthy
      only on a health probe that started after the change
    + grace: seconds an unhealthy service may take to recover before the wait fails

    Fails at once on an unhealthy or exited service, with its last health-probe
    outputs and log lines. No change when everything is already healthy.
    """
    seen = _last_seen.pop((host.name, project.project_name), None) if after is not None else None
    if not (after is not None and _changed(after)) and not any(_changed(meta) for meta in changes):
        if seen is None:
            desired = host.get_fact(ComposeDesiredConfig, project=project)
            containers = host.get_fact(ComposeContainers, project_name=project.project_name) if desired else []
            seen = (desired.hashes, containers) if desired else None
        now = verdict(*seen) if seen else None
        if now is not None and now.healthy:
            host.noop(f"all {len(now.statuses)} services of {project.project_name} are healthy")
            return
    yield FunctionCommand(
        reported(guarded(wait_until_healthy, project, rollback)), (project, timeout, interval, tuple(changes), grace), {}
    )


@operation()
def down(project_name: str, purge: bool = False):
    """
    Stop and remove a compose project's containers and networks; volumes too with purge.

    + project_name: the compose project name
    + purge: also remove the project's named volumes (its data)

    No change when nothing of the project exists.
    """
    resources = host.get_fact(ComposeProjectResources, project_name=project_name)
    leftovers = resources.containers or resources.networks or (purge and resources.volumes)
    if not leftovers:
        kept = f"; {len(resources.volumes)} volume(s) kept" if resources.volumes else ""
        host.noop(f"compose project {project_name} is not running{kept}")
        return
    report.say_once(
        host,
        [f"remove {len(resources.containers)} container(s), {len(resources.networks)} network(s)"]
        + ([f"remove volumes: {', '.join(resources.volumes)}"] if purge and resources.volumes else [])
    )
    if resources.containers or resources.networks:
        yield StringCommand(cmd.shell(cmd.down(project_name, volumes=purge)))
    if purge and resources.volumes:
        # Without its compose file, `down --volumes` cannot know the named volumes; remove
        # them by label-derived name so a purge never silently keeps data.
        yield StringCommand(cmd.shell(cmd.remove_volumes(resources.volumes)))
