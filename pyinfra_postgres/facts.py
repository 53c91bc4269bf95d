"""Facts about a Postgres server in a compose project: one remote query each; a server
that is not running is an answer ("absent"), not a failure."""

from __future__ import annotations

from dataclasses import dataclass

from pyinfra.api import FactBase

from pyinfra_compose.commands import ABSENT
from pyinfra_compose.facts import NeedsDocker

from pyinfra_postgres import commands as cmd
from pyinfra_postgres.scram import StoredPassword


@dataclass(frozen=True)
class RoleState:
    container: str  # "" when the service is not running
    stored: StoredPassword | None  # None when not running or not readable
    error: str = ""  # psql's first error line, when it could not answer


class StoredRolePassword(NeedsDocker, FactBase[RoleState]):
    """A role's stored password as nothing usable to log in (scram.StoredPassword), read
    over the running container's local socket as the superuser (no password needed)."""

    def command(self, project: str, service: str, superuser: str, role: str) -> str:
        return cmd.stored_password(project, service, superuser, role)

    def default(self) -> RoleState:
        return RoleState(container="", stored=None)

    def process(self, output: list[str]) -> RoleState:
        values = dict(line.strip().split("=", 1) for line in output if "=" in line)
        if any(line.strip() == ABSENT for line in output):
            return RoleState(container="", stored=None)
        container = values.get("container", "")
        if "error" in values:
            return RoleState(container=container, stored=None, error=values["error"] or "psql failed")
        head, _, digest = values.get("answer", "").rpartition("|")
        return RoleState(container=container, stored=StoredPassword(head=head, digest=digest))


class RunningContainer(NeedsDocker, FactBase[str]):
    """The id of a compose service's running container; "" when it is not running."""

    def command(self, project: str, service: str) -> str:
        return f"{cmd.shell(cmd.running_container(project, service))} | head -n 1"

    def default(self) -> str:
        return ""

    def process(self, output: list[str]) -> str:
        return next((line.strip() for line in output if line.strip()), "")


class UserTables(NeedsDocker, FactBase[int]):
    """How many tables a database has outside the system schemas (-1: it does not exist)."""

    def command(self, container: str, superuser: str, database: str) -> str:
        exists = cmd.query(container, superuser, "postgres", "SELECT 1 FROM pg_database WHERE datname = :'db';", {"db": database})
        count = cmd.query(container, superuser, database, cmd.USER_TABLES_SQL)
        return f"if [ -n \"$({exists})\" ]; then {count}; else echo -1; fi"

    def default(self) -> int:
        return -1

    def process(self, output: list[str]) -> int:
        return int(next(line.strip() for line in output if line.strip()))


class DataVersion(NeedsDocker, FactBase[str]):
    """The Postgres major version of a data volume ("17"), "" without a volume, "unknown"
    when it cannot be read."""

    def command(self, project: str, service: str, volume: str, image: str) -> str:
        return cmd.data_version(project, service, volume, image)

    def default(self) -> str:
        return ""

    def process(self, output: list[str]) -> str:
        answer = next((line.strip() for line in output if line.strip()), "")
        return "" if answer == ABSENT else answer
