"""Long builds that say what they do: a line when each image starts and ends (with its
time), a heartbeat with the current build step on a terminal, and on failure the last
lines of the failing step in the error, not dropped.

The command runs on the target inside a small shell loop (pure builder below) whose
lines pyinfra prints as they come; its full output stays in a log file on the target
until the run ends, read back only on failure.
"""

from __future__ import annotations

import sys
import time

from pyinfra import host
from pyinfra.api import OperationError, StringCommand

from pyinfra_compose import commands as cmd

HEARTBEAT = 10  # seconds between heartbeat lines on a terminal
FAILING_STEP_LINES = 25


def progress_script(label: str, command: str, log: str, heartbeat: int) -> str:
    """Shell: run `command` with its output in `log`; print "<label>: started", every
    `heartbeat` s (0: never) the elapsed time and the last BuildKit step (`#N ...`) or
    line of the log, then "<label>: done in Ns" (log removed) or "<label>: FAILED after Ns"
    (log kept for `failing_step_script`) with the command's exit status."""
    q_label, q_log = cmd.shell([label]), cmd.shell([log])
    beat = (
        f'n=$((n + 1)); if [ {heartbeat} -gt 0 ] && [ $((n % {heartbeat})) -eq 0 ]; then '
        f'step=$(grep -E "^#[0-9]+ " {q_log} | tail -n 1); [ -n "$step" ] || step=$(tail -n 1 {q_log}); '
        f'printf "%s: %ss, %s\\n" {q_label} "$(( $(date +%s) - start ))" "$(printf %s "$step" | cut -c1-120)"; fi'
    )
    return (
        f"start=$(date +%s); n=0; printf '%s: started\\n' {q_label}; "
        f"( {command} ) >{q_log} 2>&1 & pid=$!; "
        f"while kill -0 $pid 2>/dev/null; do sleep 1; {beat}; done; "
        f"wait $pid; status=$?; took=$(( $(date +%s) - start )); "
        f"if [ $status -eq 0 ]; then printf '%s: done in %ss\\n' {q_label} \"$took\"; rm -f {q_log}; "
        f"else printf '%s: FAILED after %ss (exit status %s)\\n' {q_label} \"$took\" \"$status\"; fi; "
        "exit $status"
    )


def failing_step_script(log: str, lines: int = FAILING_STEP_LINES) -> str:
    """Shell: the last lines of the BuildKit step that failed (the last `#N ... ERROR`), then
    the log's last lines (compose's own verdict); the whole tail when no step is marked."""
    q_log = cmd.shell([log])
    return (
        f'step=$(grep -oE "^#[0-9]+ ERROR" {q_log} | tail -n 1 | cut -d" " -f1); '
        f'if [ -n "$step" ]; then grep "^$step " {q_log} | tail -n {lines}; echo ...; tail -n 5 {q_log}; '
        f"else tail -n {lines} {q_log}; fi; rm -f {q_log}"
    )


def plain_progress(argv: list[str]) -> list[str]:
    """`docker compose ...` with BuildKit's plain progress: a `#N` line per step, greppable."""
    assert argv[:2] == ["docker", "compose"], argv
    return [*argv[:2], "--progress", "plain", *argv[2:]]


def run_with_progress(label: str, command: str) -> None:
    """A FunctionCommand body: run `command` on the target with progress lines; on failure
    raise with the failing step's last lines."""
    log = host.get_temp_filename(f"build-log-{label}-{time.time()}")
    heartbeat = HEARTBEAT if sys.stderr.isatty() else 0
    status, _ = host.run_shell_command(StringCommand(progress_script(label, command, log, heartbeat)), print_output=True)
    if status:
        return
    _, tail = host.run_shell_command(StringCommand(failing_step_script(log)), print_output=False)
    raise OperationError(f"{label} failed; the failing step's last lines:\n{tail.stdout}")
