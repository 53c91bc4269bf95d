"""The README's test command: `python3 tests/run.py [pytest arguments]`.

On a fresh Debian/Ubuntu machine with only python3, python3-venv and git, it makes what
the tests need, each step only when missing, then runs pytest:
1. `.venv` with the locked requirements (re-installed only when requirements.txt changed);
2. `pyinfra @local tests/prerequisites.py`: the Docker engine, its daemon and compose v2
   through the deploy's own bootstrap, and the programs the tests run (SSH client,
   busybox-static, debootstrap, npm, chromium);
3. `.venv/bin/python -m pytest`, with the arguments given (the images the e2e tests need
   are built once by their session fixtures).
Standard library only: it runs before the venv exists.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".venv"
STAMP = VENV / ".requirements.sha256"  # which requirements.txt the venv was installed from
STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"==> [{time.monotonic() - STARTED:.0f}s] {message}", flush=True)


def venv_steps(venv_exists: bool, installed: str | None, wanted: str) -> list[str]:
    """What the venv needs: "create", then "install" when its requirements are not those of now."""
    steps = [] if venv_exists else ["create"]
    if not venv_exists or installed != wanted:
        steps.append("install")
    return steps


def run(argv: list[str]) -> None:
    result = subprocess.run(argv, cwd=REPO)
    if result.returncode != 0:
        sys.exit(f"tests/run.py: failed ({result.returncode}): {' '.join(argv)}")


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    wanted = hashlib.sha256((REPO / "requirements.txt").read_bytes()).hexdigest()
    installed = STAMP.read_text().strip() if STAMP.is_file() else None
    steps = venv_steps(python.exists(), installed, wanted)
    if "create" in steps:
        say("creating .venv (python3 -m venv; Debian: apt-get install python3-venv if this fails)")
        run([sys.executable, "-m", "venv", str(VENV)])
    if "install" in steps:
        say("installing requirements.txt into .venv")
        run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", "requirements.txt"])
        STAMP.write_text(wanted + "\n")
    else:
        say(".venv is up to date with requirements.txt")
    return python


def main(pytest_args: list[str]) -> int:
    python = ensure_venv()
    say("test prerequisites: pyinfra @local tests/prerequisites.py (installs only what is missing)")
    run([str(VENV / "bin" / "pyinfra"), "@local", "tests/prerequisites.py", "-y"])
    say(f"pytest {' '.join(pytest_args)}".rstrip())
    status = subprocess.run([str(python), "-m", "pytest", *pytest_args], cwd=REPO).returncode
    say(f"done, pytest exit status {status}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
