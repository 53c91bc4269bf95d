"""Pure helpers of remote deploys: commands run as root without a prompt, the ssh -L line."""

from __future__ import annotations

import runpy
import shlex
import subprocess
from pathlib import Path

import pytest
from pyinfra.connectors.local import LocalConnector
from pyinfra.connectors.ssh import SSHConnector

from devstack.hostdata import ssh_tunnel
from devstack.operations import as_root
from devstack.settings import validate

REPO = Path(__file__).resolve().parents[2]


def settings(**overrides):
    module = runpy.run_path(str(REPO / "group_data" / "all.py"))
    raw = {k: v for k, v in module.items() if not k.startswith("_") and k != "os"}
    return validate({**raw, **overrides}, lambda key: "--data", True)


class Host:
    def __init__(self, name: str, data: dict, connector=SSHConnector) -> None:
        self.name, self.data, self.connector_cls = name, data, connector


def test_root_runs_the_command_as_it_is():
    assert as_root("apt-get install -y docker.io", "root", "Installing Docker") == "apt-get install -y docker.io"


def test_other_users_go_through_sudo_that_never_prompts():
    line = as_root("apt-get update && apt-get install -y 'docker.io'", "dev", "Installing Docker")
    assert line.endswith("&& sudo -n sh -c 'apt-get update && apt-get install -y '\"'\"'docker.io'\"'\"''")
    assert line.startswith("{ sudo -n true 2>/dev/null || { echo 'Installing Docker needs root, and dev has no passwordless sudo")


def test_a_hostile_command_stays_one_argument_of_sudo_sh():
    hostile = "x'; rm -rf / #"
    line = as_root(hostile, "dev", "why")
    sudo_part = line.split("&& sudo -n sh -c ", 1)[1]
    assert shlex.split(sudo_part) == [hostile]


def test_without_passwordless_sudo_it_fails_with_the_fix(tmp_path):
    # A `sudo` that wants a password (exit 1 for -n): the line must fail before running anything.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "sudo").write_text("#!/bin/sh\nexit 1\n")
    (fake_bin / "sudo").chmod(0o755)
    marker = tmp_path / "ran"
    line = as_root(f"touch {marker}", "dev", "Installing Docker")
    result = subprocess.run(["sh", "-c", line], capture_output=True, text=True, env={"PATH": f"{fake_bin}:/usr/bin:/bin"})
    assert result.returncode == 1 and not marker.exists()
    assert "dev ALL=(ALL) NOPASSWD:ALL" in result.stderr


def test_tunnel_line_forwards_every_published_port_with_the_connection_details():
    host = Host("devbox.example", {"ssh_port": 2222, "ssh_user": "dev", "ssh_key": "~/.ssh/id_ed25519"})
    assert ssh_tunnel(host, settings()) == (
        "ssh -N -L 8000:127.0.0.1:8000 -L 3000:127.0.0.1:3000 -L 5432:127.0.0.1:5432 -L 6379:127.0.0.1:6379 "
        "-p 2222 -i '~/.ssh/id_ed25519' dev@devbox.example"
    )


def test_tunnel_line_adds_pgadmin_and_uses_ssh_hostname_and_known_hosts():
    host = Host("box", {"ssh_hostname": "10.0.0.5", "ssh_known_hosts_file": "/tmp/k h"})
    ports = {"api": 8001, "web": 3000, "postgres": 5432, "redis": 6379, "pgadmin": 5050}
    line = ssh_tunnel(host, settings(profiles=["pgadmin"], ports=ports))
    assert line.startswith("ssh -N -L 8001:127.0.0.1:8001 ")
    assert "-L 5050:127.0.0.1:5050" in line
    assert line.endswith("-o 'UserKnownHostsFile=/tmp/k h' 10.0.0.5")


@pytest.mark.parametrize("connector", [LocalConnector])
def test_no_tunnel_for_this_machine(connector):
    assert ssh_tunnel(Host("@local", {}, connector), settings()) == ""
