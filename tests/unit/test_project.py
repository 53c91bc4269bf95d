"""project.py: settings are validated once, and each error names the setting."""

from __future__ import annotations

import dataclasses

import pytest

from pyinfra_compose import ComposeProject
from pyinfra_compose.errors import ComposeError, SettingsError


def test_defaults():
    project = ComposeProject("/srv/app", "app")
    assert (project.files, project.env_files, project.profiles, project.pull) == (("docker-compose.yml",), (), (), None)


def test_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ComposeProject("/srv/app", "app").project_name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("name", ["app", "a", "0app", "my-app_2", "a--b"])
def test_valid_project_names(name):
    assert ComposeProject("/srv/app", name).project_name == name


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"project_dir": "srv/app"}, "project_dir: 'srv/app' must be an absolute path"),
        ({"project_dir": ""}, "project_dir: '' must be an absolute path"),
        ({"project_name": "My-App"}, "project_name: 'My-App' must be lowercase letters, digits, '-' or '_'"),
        ({"project_name": "_app"}, "project_name: '_app' must be"),
        ({"project_name": "app\n"}, "project_name: 'app\\n' must be"),
        ({"files": ()}, "files: at least one compose file is needed"),
        ({"files": "docker-compose.yml"}, "files: must be a list, not a string"),
        ({"env_files": ".env"}, "env_files: must be a list, not a string"),
        ({"profiles": "web"}, "profiles: must be a list, not a string"),
        ({"profiles": "a-b"}, "profiles: must be a list, not a string"),
        ({"profiles": ("web", "bad profile")}, "profiles: 'bad profile' is not a valid compose profile name"),
        ({"profiles": ("*",)}, "profiles: '*' is not a valid compose profile name"),
        ({"pull": "sometimes"}, "pull: 'sometimes' must be one of always, missing, never, build"),
    ],
)
def test_invalid_settings_name_the_setting(kwargs, message):
    settings = {"project_dir": "/srv/app", "project_name": "app", **kwargs}
    with pytest.raises(SettingsError) as error:
        ComposeProject(**settings)
    assert str(error.value).startswith(message)
    assert isinstance(error.value, ComposeError)


@pytest.mark.parametrize("profile", ["web", "Web", "a.b", "a_b-c", "0"])
def test_valid_profiles(profile):
    assert ComposeProject("/srv/app", "app", profiles=(profile,)).profiles == (profile,)


@pytest.mark.parametrize(
    ("project_dir", "relative", "path"),
    [
        ("/srv/app", "docker-compose.yml", "/srv/app/docker-compose.yml"),
        ("/srv/app/", "sub/.env", "/srv/app/sub/.env"),
        ("/", "docker-compose.yml", "/docker-compose.yml"),
        ("/srv/app", "/etc/app/override.yml", "/etc/app/override.yml"),
    ],
)
def test_path(project_dir, relative, path):
    assert ComposeProject(project_dir, "app").path(relative) == path
