"""Settings of a deploy, validated once into a frozen value before the target is touched.

Every error names the setting and where its value came from (a group_data file,
inventory.py, or --data), e.g. "ports.api = 70000 (from --data): not a port".
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pyinfra_compose.errors import SettingsError

PORT_NAMES = ("api", "web", "postgres", "redis", "pgadmin")
IMAGE_MODES = ("auto", "official", "local")
KNOWN_PROFILES = ("pgadmin",)
# Keys pyinfra and its connectors own; everything else in host data must be ours.
CONNECTOR_PREFIXES = ("_", "ssh_", "winrm_", "docker_", "dockerssh_", "local_", "chroot_", "vagrant_", "terraform_")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Ports:
    api: int
    web: int
    postgres: int
    redis: int
    pgadmin: int


@dataclass(frozen=True)
class Settings:
    project_name: str
    project_dir: str
    profiles: tuple[str, ...]
    ports: Ports
    bind_address: str
    allow_public_ports: bool
    images: str
    health_timeout: int
    extra_ca_certs: tuple[str, ...]
    corepack_integrity_keys: str
    install_docker: bool
    postgres_db: str
    postgres_user: str
    pgadmin_email: str
    purge: bool
    drift_exit_code: bool
    rollback: bool
    health_grace: int
    # Backups and restore (issue 11): nothing destructive without a verified backup.
    backup_dir: str
    backups_keep: int
    purge_without_backup: bool
    backup: str
    replace: bool
    sync_checksum: bool = False  # compare every synced file by a fresh hash (rsync -c)


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.lower() in ("true", "yes", "1")
    raise SettingsError(f"{where}: must be true or false")


def _int(value: Any, where: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{where}: must be a whole number") from None
    if isinstance(value, bool) or not low <= number <= high or str(number) != str(value).strip():
        raise SettingsError(f"{where}: must be a whole number from {low} to {high}")
    return number


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{where}: must be a list of strings")
    return tuple(value)


def validate(raw: Mapping[str, Any], source: Callable[[str], str], remote: bool) -> Settings:
    """Turn raw host data into Settings, or raise SettingsError naming the setting and its source."""

    def where(key: str, value: Any) -> str:
        return f"{key} = {value!r} (from {source(key.split('.')[0])})"

    known = set(Settings.__dataclass_fields__)
    for key in sorted(raw):
        if key not in known and not key.startswith(CONNECTOR_PREFIXES):
            raise SettingsError(f"{key}: unknown setting (from {source(key)}); known: {', '.join(sorted(known))}")
    missing = sorted(known - set(raw))
    if missing:
        raise SettingsError(f"missing setting(s) {', '.join(missing)}: is group_data/all.py there?")

    name = raw["project_name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise SettingsError(f"{where('project_name', name)}: lowercase letters, digits, '-' and '_' only")
    project_dir = raw["project_dir"]
    if not isinstance(project_dir, str) or not project_dir.startswith(("/", "~")) or "\n" in project_dir:
        raise SettingsError(f"{where('project_dir', project_dir)}: must be an absolute path or start with ~")

    profiles = _str_list(raw["profiles"], where("profiles", raw["profiles"]))
    for profile in profiles:
        if profile not in KNOWN_PROFILES:
            raise SettingsError(f"{where('profiles', raw['profiles'])}: unknown profile {profile!r}")

    ports = _ports(raw["ports"], where)
    bind_address = raw["bind_address"]
    try:
        ipaddress.ip_address(bind_address)
    except ValueError:
        raise SettingsError(f"{where('bind_address', bind_address)}: must be an IP address") from None
    allow_public = _bool(raw["allow_public_ports"], where("allow_public_ports", raw["allow_public_ports"]))
    if remote and not allow_public and not ipaddress.ip_address(bind_address).is_loopback:
        raise SettingsError(
            f"{where('bind_address', bind_address)}: a remote target publishes ports on loopback only; "
            "set allow_public_ports = True to expose the databases (and firewall them)"
        )

    images = raw["images"]
    if images not in IMAGE_MODES:
        raise SettingsError(f"{where('images', images)}: must be one of {', '.join(IMAGE_MODES)}")
    keys = str(raw["corepack_integrity_keys"])
    for key in ("postgres_db", "postgres_user"):
        if not isinstance(raw[key], str) or not _IDENT.match(raw[key]):
            raise SettingsError(f"{where(key, raw[key])}: letters, digits and '_' only")
    return Settings(
        project_name=name,
        project_dir=project_dir.rstrip("/") or "/",
        profiles=profiles,
        ports=ports,
        bind_address=bind_address,
        allow_public_ports=allow_public,
        images=images,
        health_timeout=_int(raw["health_timeout"], where("health_timeout", raw["health_timeout"]), 10, 7200),
        extra_ca_certs=_str_list(raw["extra_ca_certs"], where("extra_ca_certs", raw["extra_ca_certs"])),
        corepack_integrity_keys=keys,
        install_docker=_bool(raw["install_docker"], where("install_docker", raw["install_docker"])),
        postgres_db=raw["postgres_db"],
        postgres_user=raw["postgres_user"],
        pgadmin_email=str(raw["pgadmin_email"]),
        purge=_bool(raw["purge"], where("purge", raw["purge"])),
        drift_exit_code=_bool(raw["drift_exit_code"], where("drift_exit_code", raw["drift_exit_code"])),
        rollback=_bool(raw["rollback"], where("rollback", raw["rollback"])),
        health_grace=_int(raw["health_grace"], where("health_grace", raw["health_grace"]), 0, 3600),
        sync_checksum=_bool(raw["sync_checksum"], where("sync_checksum", raw["sync_checksum"])),
        **_backup_settings(raw, where),
    )


def _backup_settings(raw: Mapping[str, Any], where: Callable[[str, Any], str]) -> dict[str, Any]:
    for key in ("backup_dir", "backup"):
        if not isinstance(raw[key], str) or "\n" in raw[key] or "\x00" in raw[key]:
            raise SettingsError(f"{where(key, raw[key])}: must be a path")
    if not raw["backup_dir"]:
        raise SettingsError(f"{where('backup_dir', raw['backup_dir'])}: must be a path")
    return {
        "backup_dir": raw["backup_dir"],
        "backups_keep": _int(raw["backups_keep"], where("backups_keep", raw["backups_keep"]), 1, 10000),
        "purge_without_backup": _bool(raw["purge_without_backup"], where("purge_without_backup", raw["purge_without_backup"])),
        "backup": raw["backup"],
        "replace": _bool(raw["replace"], where("replace", raw["replace"])),
    }


def _ports(value: Any, where: Callable[[str, Any], str]) -> Ports:
    if not isinstance(value, Mapping):
        raise SettingsError(f"{where('ports', value)}: must be a mapping of {', '.join(PORT_NAMES)} to ports")
    unknown = sorted(set(value) - set(PORT_NAMES))
    if unknown:
        raise SettingsError(f"{where('ports', value)}: unknown port name(s) {', '.join(map(str, unknown))}")
    missing = sorted(set(PORT_NAMES) - set(value))
    if missing:
        raise SettingsError(f"{where('ports', value)}: missing {', '.join(missing)}")
    ports = {name: _int(value[name], where(f"ports.{name}", value[name]), 1, 65535) for name in PORT_NAMES}
    seen: dict[int, str] = {}
    for name, port in ports.items():
        if port in seen:
            raise SettingsError(f"{where('ports', value)}: ports.{seen[port]} and ports.{name} are both {port}")
        seen[port] = name
    return Ports(**ports)
