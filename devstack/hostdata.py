"""Read a host's settings out of pyinfra's layered host data (the only pyinfra-aware part)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyinfra.api.host import extract_callable_datas
from pyinfra.connectors.local import LocalConnector

from devstack.settings import Settings, validate
from pyinfra_compose import commands as cmd


def is_remote(host) -> bool:
    return not issubclass(host.connector_cls, LocalConnector)


def raw_data(host) -> dict[str, Any]:
    """Merge data layers lowest priority first; a partial `ports` mapping extends the one below."""
    merged: dict[str, Any] = {}
    for layer in reversed(list(extract_callable_datas(host.data.datas))):
        for key, value in layer.items():
            if key == "ports" and isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged


def source_of(host, inventory, key: str) -> str:
    """Where a setting's winning value was written: --data, a group_data file or inventory.py."""
    if key in inventory.get_override_data():
        return "--data"
    for group in host.groups:
        if key in inventory.get_group_data(group):
            return f"group_data/{group.lstrip('@')}.py"
    if key in inventory.get_group_data("all") or key in inventory.get_data():
        return "group_data/all.py"
    return "inventory.py (host data)"


def load(host, inventory) -> Settings:
    return validate(raw_data(host), lambda key: source_of(host, inventory, key), is_remote(host))


def ssh_tunnel(host, settings: Settings) -> str:
    """The `ssh -N -L ...` line that brings every port a remote target publishes (on its
    loopback only) to the same port here, so the printed URLs work as they are; "" for @local."""
    if not is_remote(host):
        return ""
    ports = [settings.ports.api, settings.ports.web, settings.ports.postgres, settings.ports.redis]
    if "pgadmin" in settings.profiles:
        ports.append(settings.ports.pgadmin)
    target = "127.0.0.1" if settings.bind_address in ("0.0.0.0", "::") else settings.bind_address
    argv = ["ssh", "-N"]
    for port in ports:
        argv += ["-L", f"{port}:{target}:{port}"]
    for flag, key in (("-p", "ssh_port"), ("-i", "ssh_key"), ("-F", "ssh_config_file")):
        if host.data.get(key):
            argv += [flag, str(host.data.get(key))]
    if host.data.get("ssh_known_hosts_file"):
        argv += ["-o", f"UserKnownHostsFile={host.data.get('ssh_known_hosts_file')}"]
    user, address = host.data.get("ssh_user"), host.data.get("ssh_hostname") or host.name
    return cmd.shell([*argv, f"{user}@{address}" if user else address])
