"""The deploy's own pure parts: settings validation, the .env quoting, secrets files."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

import pytest

from devstack.envfile import quote, render
from devstack.secrets import load_secrets, secrets_file
from devstack.settings import validate
from devstack.stack import extra_ca_pem, project_root, urls
from pyinfra_compose.errors import SettingsError

REPO = Path(__file__).resolve().parents[2]


def defaults() -> dict:
    module = runpy.run_path(str(REPO / "group_data" / "all.py"))
    return {k: v for k, v in module.items() if not k.startswith("_") and k != "os"}


def check(overrides: dict, remote: bool = False):
    return validate({**defaults(), **overrides}, lambda key: "--data", remote)


def test_group_data_defaults_are_valid():
    settings = check({})
    assert settings.ports.api == 8000 and settings.bind_address == "127.0.0.1"
    assert settings.images == "auto" and settings.install_docker is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"colour": "blue"}, "colour: unknown setting (from --data)"),
        ({"ports": {**defaults()["ports"], "api": 70000}}, "ports.api = 70000 (from --data): must be a whole number"),
        ({"ports": {**defaults()["ports"], "api": 0}}, "ports.api = 0"),
        ({"ports": {**defaults()["ports"], "web": 8000}}, "ports.api and ports.web are both 8000"),
        ({"ports": {"api": 1}}, "missing"),
        ({"ports": {**defaults()["ports"], "ftp": 21}}, "unknown port name(s) ftp"),
        ({"ports": [8000]}, "must be a mapping"),
        ({"project_name": "Bad Name"}, "project_name = 'Bad Name'"),
        ({"project_dir": "relative/dir"}, "project_dir"),
        ({"profiles": ["nope"]}, "unknown profile 'nope'"),
        ({"bind_address": "localhost"}, "must be an IP address"),
        ({"images": "cloud"}, "must be one of auto, official, local"),
        ({"health_timeout": "soon"}, "health_timeout = 'soon'"),
        ({"health_timeout": 5}, "from 10 to 7200"),
        ({"install_docker": "maybe"}, "install_docker = 'maybe' (from --data): must be true or false"),
        ({"sync_checksum": "maybe"}, "sync_checksum = 'maybe' (from --data): must be true or false"),
        ({"postgres_user": "x; rm -rf /"}, "postgres_user"),
    ],
)
def test_bad_settings_name_the_setting_and_source(overrides, message):
    with pytest.raises(SettingsError) as error:
        check(overrides)
    assert message in str(error.value)


def test_remote_targets_publish_on_loopback_only():
    with pytest.raises(SettingsError, match="loopback only"):
        check({"bind_address": "0.0.0.0"}, remote=True)
    assert check({"bind_address": "0.0.0.0", "allow_public_ports": True}, remote=True).bind_address == "0.0.0.0"
    assert check({"bind_address": "0.0.0.0"}, remote=False).bind_address == "0.0.0.0"


def test_string_values_from_data_are_parsed():
    settings = check({"purge": "true", "health_timeout": "120", "profiles": "pgadmin"})
    assert settings.purge is True and settings.health_timeout == 120 and settings.profiles == ("pgadmin",)
    assert settings.sync_checksum is False and check({"sync_checksum": "true"}).sync_checksum is True


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("plain", "'plain'"),
        ("p$a ss#w\"o rd ${X} $$", "'p$a ss#w\"o rd ${X} $$'"),
        ("it's $HOME \\ back", '"it\'s \\$HOME \\\\ back"'),
        ("line1\nline2", '"line1\\nline2"'),
        ("", "''"),
    ],
)
def test_env_values_are_quoted_for_compose(value, quoted):
    # Each form was checked against compose 2.40's env-file parser inside a container.
    assert quote(value) == quoted


def test_render_rejects_bad_keys():
    assert render({"A": "1"}, "head") == "# head\nA='1'\n"
    with pytest.raises(SettingsError):
        render({"A B": "1"})


def test_secrets_are_generated_once_private_and_kept(tmp_path):
    path = secrets_file(tmp_path, "box", remote=True)
    first = load_secrets(path, remote=True)
    assert path == tmp_path / "secrets" / "box.env"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert len(first["POSTGRES_PASSWORD"]) >= 24
    assert load_secrets(path, remote=True) == first


def test_empty_and_well_known_passwords_are_refused(tmp_path):
    path = tmp_path / "secrets.env"
    path.write_text("POSTGRES_PASSWORD=\nPGADMIN_DEFAULT_PASSWORD=x\n")
    with pytest.raises(SettingsError, match="POSTGRES_PASSWORD in .* is empty"):
        load_secrets(path, remote=False)
    path.write_text("POSTGRES_PASSWORD=app-dev-password\nPGADMIN_DEFAULT_PASSWORD=x\n")
    assert load_secrets(path, remote=False)["POSTGRES_PASSWORD"] == "app-dev-password"
    with pytest.raises(SettingsError, match="well-known default"):
        load_secrets(path, remote=True)


def test_extra_ca_certs_must_be_pem(tmp_path):
    (tmp_path / "a.crt").write_text("-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n")
    assert "AAA" in extra_ca_pem((str(tmp_path),))
    (tmp_path / "b.txt").write_text("not a cert")
    with pytest.raises(SettingsError, match="not a PEM certificate"):
        extra_ca_pem((str(tmp_path / "b.txt"),))
    with pytest.raises(SettingsError, match="cannot read"):
        extra_ca_pem((str(tmp_path / "missing.crt"),))


def test_urls_show_the_configured_ports():
    shown = urls(check({"ports": {**defaults()["ports"], "api": 8001}, "profiles": ["pgadmin"]}))
    assert shown["API"] == "http://localhost:8001" and shown["pgAdmin"] == "http://localhost:5050"


def test_project_root_expands_the_targets_home_only():
    assert project_root("~/devstack", "/home/dev/") == "/home/dev/devstack"
    assert project_root("~/devstack", "") == "/root/devstack"  # a home the target did not say
    assert project_root("/srv/~x", "/home/dev") == "/srv/~x"
