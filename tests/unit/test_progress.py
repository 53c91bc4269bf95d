"""pyinfra_compose.progress: the shell loop around a long build, run here with sh."""

from __future__ import annotations

import subprocess

from pyinfra_compose.progress import failing_step_script, plain_progress, progress_script

FAILING = "echo '#1 [internal] load'; sleep 2.5; echo '#2 RUN pip install x'; echo '#2 ERROR: boom'; echo 'failed to solve: boom'; exit 7"


def sh(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=30)


def test_success_prints_start_and_end_with_the_time_and_removes_the_log(tmp_path):
    log = tmp_path / "build log"
    result = sh(progress_script("build app-api", "echo '#1 step'; sleep 1.2", str(log), heartbeat=0))
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "build app-api: started"
    assert result.stdout.splitlines()[-1] in ("build app-api: done in 1s", "build app-api: done in 2s")
    assert len(result.stdout.splitlines()) == 2 and not log.exists()  # no heartbeat when not asked, no output


def test_heartbeat_names_the_current_step_and_failure_keeps_the_exit_status_and_the_log(tmp_path):
    log = tmp_path / "log"
    result = sh(progress_script("build web", FAILING, str(log), heartbeat=1))
    assert result.returncode == 7
    lines = result.stdout.splitlines()
    assert any(line.startswith("build web: ") and line.endswith("s, #1 [internal] load") for line in lines), lines
    assert lines[-1].startswith("build web: FAILED after ") and lines[-1].endswith("(exit status 7)")
    assert log.exists()
    tail = sh(failing_step_script(str(log))).stdout.splitlines()
    assert tail == ["#2 RUN pip install x", "#2 ERROR: boom", "...",
                    "#1 [internal] load", "#2 RUN pip install x", "#2 ERROR: boom", "failed to solve: boom"]  # fmt: skip
    assert not log.exists()


def test_without_a_marked_step_the_log_tail_is_shown(tmp_path):
    log = tmp_path / "log"
    log.write_text("".join(f"line {i}\n" for i in range(40)))
    assert sh(failing_step_script(str(log), lines=3)).stdout.splitlines() == ["line 37", "line 38", "line 39"]


def test_hostile_label_and_log_path_are_quoted(tmp_path):
    log = tmp_path / "a b'; touch pwned #"
    result = sh(progress_script("build $(touch pwned2) 'x'", "true", str(log), heartbeat=0))
    assert result.stdout.splitlines()[0] == "build $(touch pwned2) 'x': started"
    assert not (tmp_path / "pwned").exists() and not list(tmp_path.iterdir())


def test_plain_progress_is_compose_global_flag():
    assert plain_progress(["docker", "compose", "-p", "x", "build", "api"]) == [
        "docker", "compose", "--progress", "plain", "-p", "x", "build", "api"]  # fmt: skip
