"""Per-host secrets, kept in local git-ignored dotenv files and generated on first use.

`secrets.env` at the repository root holds the local machine's; a remote host's live
in `secrets/<host>.env`. Generated values are random, so no target ever runs with a
well-known password; an existing file is never overwritten, only completed.
"""

from __future__ import annotations

import os
import secrets as random
from pathlib import Path

from dotenv import dotenv_values

from pyinfra_compose.errors import SettingsError

SECRET_KEYS = ("POSTGRES_PASSWORD", "PGADMIN_DEFAULT_PASSWORD")
# Values the spec's examples use: fine on a laptop, refused on a remote box.
WELL_KNOWN = {"app-dev-password", "admin-dev-password", "postgres", "password", "admin", "changeme", "secret"}


def secrets_file(repo: Path, host_name: str, remote: bool) -> Path:
    return repo / "secrets" / f"{host_name}.env" if remote else repo / "secrets.env"


def load_secrets(path: Path, remote: bool) -> dict[str, str]:
    """Read the host's secrets, adding a random value for each one missing (file mode 0600)."""
    values = {k: v for k, v in dotenv_values(path).items() if v is not None} if path.exists() else {}
    missing = [key for key in SECRET_KEYS if key not in values]
    if missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as handle:
            for key in missing:
                values[key] = random.token_urlsafe(24)
                handle.write(f"{key}='{values[key]}'\n")
        os.chmod(path, 0o600)
    for key in SECRET_KEYS:
        if not values[key]:
            raise SettingsError(f"{key} in {path} is empty: set a value or delete the line to generate one")
        if remote and values[key] in WELL_KNOWN:
            raise SettingsError(f"{key} in {path} is a well-known default: refused on a remote target")
    return {key: values[key] for key in SECRET_KEYS}
