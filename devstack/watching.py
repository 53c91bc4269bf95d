"""watch.py's loop for this stack: push each local change set to the target, then do what
it means (watchmap.py): nothing more for bind-mounted source, the deploy's compose plan
for build inputs and compose files. One line per sync. Runs inside an executing
operation (a pyinfra callback), over the connection the deploy used.
"""

from __future__ import annotations

import time

from pyinfra import host, logger
from pyinfra.api import FunctionCommand, OperationError, operation

from devstack.stack import COMPOSE_FILE, EXCLUDES, REPO, TREES, Stack
from devstack.watchmap import Decision, decide, service_files
from pyinfra_compose import commands as ccmd
from pyinfra_compose.buildinputs import local_builds
from pyinfra_compose.errors import SettingsError
from pyinfra_compose.operations import current_plan
from pyinfra_compose.waiting import wait_until_healthy
from pyinfra_sync.errors import SyncError
from pyinfra_sync.live import ConnectionLost, LivePush
from pyinfra_sync.push import summary
from pyinfra_sync.watch import CAP_MS, QUIET_MS, TreeWatcher, on_interrupt

COMPOSE_PATHS = (COMPOSE_FILE.relative_to(REPO).as_posix(),)


def say(line: str) -> None:
    logger.info(f"{host.print_prefix}{line}")


def _counted(uploads: int, deletes: int) -> str:
    parts = [f"{uploads} file{'s' if uploads != 1 else ''} synced"] if uploads or not deletes else []
    parts += [f"{deletes} deleted"] if deletes else []
    return ", ".join(parts)


class StackWatch:
    """The loop's state for one host: the live push, the stack, what uses which file."""

    def __init__(self, stack: Stack, health_timeout: float) -> None:
        self.stack, self.health_timeout = stack, health_timeout
        self.live = LivePush(host, str(REPO), stack.root, TREES, EXCLUDES)
        self.services = service_files(COMPOSE_FILE, stack.env, REPO)
        self.watcher = TreeWatcher(str(REPO), TREES, EXCLUDES)

    def run(self) -> None:
        with on_interrupt(self.watcher.stop.set):
            self.watcher.start()
            caught = self.live.catch_up()  # what changed while the deploy ran
            say(
                f"watching {len(TREES)} trees ({len(self.live.known)} files; {len(caught.paths)} caught up); "
                f"debounce {QUIET_MS} ms quiet / {CAP_MS} ms cap; Ctrl-C to stop"
            )
            pending: set[str] = set()
            while not self.watcher.stop.is_set():
                pending |= self.watcher.next_paths()
                try:
                    if not self.live.is_connected():
                        raise ConnectionLost("the connection is closed")
                    if pending:
                        pending = self.sync(pending)
                except ConnectionLost as error:
                    self.reconnect(error)
            self.live.cleanup()
        say("watch stopped (no staging files left on the target)")

    def reconnect(self, error: ConnectionLost) -> None:
        say(f"connection lost ({error}); reconnecting...")
        while not self.watcher.stop.is_set():
            try:
                seconds = self.live.reconnect(attempts=5)
                caught = self.live.catch_up()
            except ConnectionLost:
                continue
            say(f"reconnected after {seconds:.1f} s; {len(caught.paths)} changed file(s) brought in step")
            return

    def sync(self, pending: set[str]) -> set[str]:
        """Push one change set and act on it; returns the paths to try again next time."""
        started = time.monotonic()
        changes = self.live.changes(pending)
        if changes.is_empty:
            return set()
        decision = decide(changes.paths, self.services, COMPOSE_PATHS)
        try:
            self.live.push(changes)
        except OSError:
            return pending  # a file vanished while packing: its deletion is the next change set
        except SyncError as error:
            say(f"{decision.label()}: {error}")
            return set()
        elapsed = time.monotonic() - started
        if not decision.needs_plan:
            say(f"{decision.label()}: {_counted(len(changes.uploads), len(changes.deletes))} in {elapsed:.2f} s")
            return set()
        self.compose_plan(decision, started)
        return set()

    def compose_plan(self, decision: Decision, started: float) -> None:
        """The deploy's decision for build inputs and compose files: the compose plan with
        fresh build digests; build and recreate only what it names, then wait for health."""
        changed = [*decision.compose, *(p for paths in decision.rebuild.values() for p in paths)]
        what = f"{decision.label()}: {summary(changed)} changed"
        project = self.stack.project
        try:
            if decision.compose:
                self.services = service_files(COMPOSE_FILE, self.stack.env, REPO)
            builds = local_builds(COMPOSE_FILE, self.stack.env, self.stack.settings.project_name)
        except SettingsError as error:
            say(f"{what}, not applied: {error} (the running stack is untouched)")
            return
        plan = current_plan(project, builds)
        if plan is None or plan.is_noop:
            say(f"{what}, synced in {time.monotonic() - started:.2f} s; compose plan: nothing to build or recreate")
            return
        rebuilt = sorted(plan.builds)
        say(f"{what}, " + (f"rebuilding {', '.join(rebuilt)}..." if rebuilt else "running the compose plan..."))
        for line in plan.lines():
            say(f"  {line}")
        if rebuilt:
            ok, stderr = self.live.run(ccmd.shell(ccmd.build(project, rebuilt)))
            if not ok:
                tail = " | ".join(stderr[-3:])[:400]
                say(f"{', '.join(rebuilt)}: rebuild failed, the old container keeps serving: {tail}")
                return
            for service in rebuilt:
                self.live.run(ccmd.tag_build(builds[service].image, builds[service].digest))
        ok, stderr = self.live.run(ccmd.shell(ccmd.up(project)))
        if not ok:
            say(f"{decision.label()}: compose up failed: {' | '.join(stderr[-3:])[:400]}")
            return
        try:
            wait_until_healthy(project, self.health_timeout, 1)
        except OperationError as error:
            for line in str(error).splitlines():
                say(line)
            return
        done = ", ".join(rebuilt) if rebuilt else decision.label()
        say(f"{done}: healthy after {time.monotonic() - started:.0f} s")


def _loop(stack: Stack, health_timeout: float) -> None:
    StackWatch(stack, health_timeout).run()


@operation(is_idempotent=False)
def watch(stack: Stack, health_timeout: float = 900):
    """
    Stay, and put every local edit of the deployed trees onto the target (Ctrl-C ends it).

    + stack: the deploy's decided stack (deploy.py's `stack`)
    + health_timeout: seconds a rebuilt service gets to become healthy
    """
    yield FunctionCommand(_loop, (stack, health_timeout), {})
