"""The deploy record: a one-line JSON file deploy.py leaves on the target (when, from
which commit of this repository, by whom on which controller), which status.py shows.

It is rewritten only by a deploy that changed something (a no-op deploy stays a no-op,
and its dry run no drift), so it names the last deploy that changed the target. Never
a secret in it: who and what commit, nothing of the .env.
"""

from __future__ import annotations

import getpass
import json
import socket
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from pyinfra_compose import commands as cmd

from devstack.fleet import Deployed

NAME = ".devstack-deploy.json"  # in project_dir, beside .env (outside every synced tree)


def path(root: str) -> str:
    return f"{root.rstrip('/')}/{NAME}"


def record_text(commit: str, dirty: bool, by: str, at: datetime) -> str:
    at_text = at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"at": at_text, "commit": commit, "dirty": dirty, "by": by}, sort_keys=True)


def parse_record(text: str | None) -> Deployed | None:
    """The record, or None when absent or not one of ours (a hand-edited file is no error)."""
    if not text or not text.strip():
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return Deployed(at=str(data.get("at", "")), commit=str(data.get("commit", "")),
                    dirty=bool(data.get("dirty", False)), by=str(data.get("by", "")))


def write_command(dest: str, text: str) -> str:
    """Shell: write the record through a temp file and a rename (never half-written)."""
    temp = f"{dest}.tmp"
    return (f"printf '%s\\n' {cmd.shell([text])} > {cmd.shell([temp])} && "
            f"mv -f {cmd.shell([temp, dest])}")


def now(repo: Path = Path(__file__).resolve().parents[1]) -> str:
    """This deploy's record: this checkout's commit, this user and machine, the time now."""
    commit, dirty, by = controller(repo)
    return record_text(commit, dirty, by, datetime.now(timezone.utc))


def controller(repo: Path) -> tuple[str, bool, str]:
    """(commit, dirty, user@host) of this machine's checkout; commit "" outside git."""
    def git(*argv: str) -> str:
        try:
            done = subprocess.run(["git", "-C", str(repo), *argv], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    dirty = bool(commit) and bool(git("status", "--porcelain", "--untracked-files=no"))
    return commit, dirty, f"{getpass.getuser()}@{socket.gethostname()}"
