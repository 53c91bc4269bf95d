"""buildinputs.py: a build digest moves exactly when something that goes into the image moves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyinfra_compose.buildinputs import LocalBuild, load_compose_file, local_builds, service_build_digest, tree_digest
from pyinfra_compose.errors import SettingsError

COMPOSE = """\
services:
  api:
    build:
      context: ./api
      args:
        VERSION: ${VERSION:-1}
      additional_contexts:
        shared: ./shared
  web:
    image: reg.example:5000/web:${TAG:-dev}
    build: ./web
  db:
    image: postgres:17
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    files = {
        "docker-compose.yml": COMPOSE,
        "api/Dockerfile": "FROM busybox\nCOPY . /app\n",
        "api/.dockerignore": "*.log\nnode_modules\n",
        "api/main.py": "print('hello')\n",
        "api/pkg/util.py": "X = 1\n",
        "api/debug.log": "noise\n",
        "api/node_modules/dep/index.js": "module.exports = 1\n",
        "shared/lib.txt": "shared\n",
        "web/Dockerfile": "FROM busybox\n",
        "web/index.html": "<p>hi</p>\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def digests(project: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    return {name: build.digest for name, build in local_builds(project / "docker-compose.yml", env or {}, "app").items()}


def test_only_services_with_a_build_are_listed(project):
    builds = local_builds(project / "docker-compose.yml", {}, "app")
    assert sorted(builds) == ["api", "web"]
    assert all(isinstance(b, LocalBuild) and len(b.digest) == 64 for b in builds.values())


def test_image_name_defaults_to_project_dash_service(project):
    builds = local_builds(project / "docker-compose.yml", {"TAG": "2"}, "stack")
    assert builds["api"].image == "stack-api"
    assert builds["web"].image == "reg.example:5000/web:2"


def test_digest_is_stable_across_runs(project):
    assert digests(project) == digests(project)


def test_digests_differ_between_services(project):
    first = digests(project)
    assert first["api"] != first["web"]


def change(project: Path, name: str, text: str) -> None:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("api/Dockerfile", "FROM busybox\nCOPY . /srv\n"),
        ("api/main.py", "print('changed')\n"),
        ("api/pkg/util.py", "X = 2\n"),
        ("api/new_file.py", ""),
        ("shared/lib.txt", "changed\n"),
        ("shared/new.txt", "new\n"),
        ("api/.dockerignore", "*.log\n"),  # node_modules is now part of the context
    ],
)
def test_digest_changes_with_an_input(project, name, text):
    before = digests(project)
    change(project, name, text)
    after = digests(project)
    assert after["api"] != before["api"]
    assert after["web"] == before["web"]


def test_digest_changes_with_a_build_arg(project):
    assert digests(project, {"VERSION": "2"})["api"] != digests(project)["api"]
    assert digests(project, {"VERSION": "1"})["api"] == digests(project)["api"]


def test_digest_changes_with_the_exec_bit(project):
    before = digests(project)["api"]
    os.chmod(project / "api/main.py", 0o755)
    assert digests(project)["api"] != before


def test_digest_changes_when_a_file_is_renamed(project):
    before = digests(project)["api"]
    (project / "api/main.py").rename(project / "api/app.py")
    assert digests(project)["api"] != before


@pytest.mark.parametrize(
    "name",
    ["api/debug.log", "api/other.log", "api/node_modules/dep/index.js", "api/node_modules/new/x.js"],
)
def test_digest_ignores_dockerignored_files(project, name):
    before = digests(project)
    change(project, name, "whatever changed\n")
    assert digests(project) == before


def test_root_only_pattern_does_not_ignore_nested_files(project):
    """`*.log` matches at the context root only, as in Docker; pkg/x.log is sent."""
    before = digests(project)["api"]
    change(project, "api/pkg/other.log", "sent to the builder\n")
    assert digests(project)["api"] != before


def test_files_outside_every_context_do_not_count(project):
    before = digests(project)
    change(project, "README.md", "docs\n")
    assert digests(project) == before


def test_dockerfile_specific_ignore_file_wins(project):
    """moby/buildkit dockerfile_dockerignore_test.go testDockerignoreOverride: <Dockerfile>.dockerignore
    replaces the context's .dockerignore (not added to it)."""
    change(project, "api/Dockerfile.dockerignore", "*.py\n**/*.py\n")
    before = digests(project)["api"]
    change(project, "api/main.py", "print('ignored now')\n")
    assert digests(project)["api"] == before
    change(project, "api/debug.log", "no longer ignored\n")
    assert digests(project)["api"] != before


def test_custom_dockerfile_path(project):
    change(project, "api/docker/prod.Dockerfile", "FROM busybox\n")
    spec = {"context": "api", "dockerfile": "docker/prod.Dockerfile"}
    before = service_build_digest(project, spec)
    change(project, "api/docker/prod.Dockerfile", "FROM busybox:2\n")
    assert service_build_digest(project, spec) != before


def test_target_is_an_input(project):
    assert service_build_digest(project, {"context": "api", "target": "a"}) != service_build_digest(
        project, {"context": "api", "target": "b"}
    )


def test_tree_digest_of_same_content_is_the_same(tmp_path):
    for root in ("one", "two"):
        change(tmp_path, f"{root}/a/b.txt", "same\n")
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")


def test_missing_context_is_a_settings_error(project):
    with pytest.raises(SettingsError, match="build context .*nowhere does not exist"):
        service_build_digest(project, "./nowhere")


def test_missing_dockerfile_is_a_settings_error(project):
    with pytest.raises(SettingsError, match="Dockerfile .*Missing.Dockerfile does not exist"):
        service_build_digest(project, {"context": "api", "dockerfile": "Missing.Dockerfile"})


def test_malformed_yaml_names_file_and_line(tmp_path):
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  api:\n    image: a\n   build: [\n")
    with pytest.raises(SettingsError) as error:
        load_compose_file(compose, {})
    assert str(error.value).startswith(f"{compose}:4: malformed YAML")


@pytest.mark.parametrize("text", ["", "- a list\n", "services: [a]\n", "version: '3'\n"])
def test_compose_file_without_services_mapping(tmp_path, text):
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(text)
    with pytest.raises(SettingsError, match="top-level 'services' mapping"):
        load_compose_file(compose, {})


def test_unreadable_compose_file(tmp_path):
    with pytest.raises(SettingsError, match="cannot read compose file"):
        load_compose_file(tmp_path / "absent.yml", {})


def test_required_variable_missing(project):
    change(project, "docker-compose.yml", "services:\n  api:\n    build: ${CTX:?set CTX}\n")
    with pytest.raises(SettingsError) as error:
        local_builds(project / "docker-compose.yml", {}, "app")
    assert str(error.value) == (
        f"{project / 'docker-compose.yml'}: error while interpolating services.api.build: "
        "required variable CTX is missing a value: set CTX"
    )


def test_invalid_template_names_file_and_path(project):
    change(project, "docker-compose.yml", "services:\n  api:\n    image: a${\n    build: .\n")
    with pytest.raises(SettingsError, match=r"docker-compose.yml: invalid interpolation format for services.api.image"):
        local_builds(project / "docker-compose.yml", {}, "app")


def test_unclosed_bracket_names_the_line_it_was_opened_on_too(tmp_path):
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  api:\n    ports: [8000\n    image: a\n    build: x\n")
    with pytest.raises(SettingsError) as error:
        load_compose_file(compose, {})
    message = str(error.value)
    assert message.startswith(f"{compose}:4: malformed YAML: expected ',' or ']'"), message
    assert message.endswith("(while parsing a flow sequence at line 3)"), message


def test_dockerfile_inline_is_an_input(project):
    one = service_build_digest(project, {"context": "api", "dockerfile_inline": "FROM busybox\n"})
    two = service_build_digest(project, {"context": "api", "dockerfile_inline": "FROM busybox\nRUN true\n"})
    assert one != two
    # the same text inline or in a file is still a different build (compose sends it differently)
    assert one != service_build_digest(project, {"context": "api"})


def test_dockerfile_inline_does_not_need_a_dockerfile(project):
    (project / "api/Dockerfile").unlink()
    assert len(service_build_digest(project, {"context": "api", "dockerfile_inline": "FROM busybox\n"})) == 64


def test_dockerfile_and_dockerfile_inline_together_are_refused(project):
    with pytest.raises(SettingsError, match="mutually exclusive"):
        service_build_digest(project, {"context": "api", "dockerfile": "Dockerfile", "dockerfile_inline": "FROM x\n"})


def test_list_and_mapping_forms_give_the_same_digest(project):
    mapping = {"context": "api", "args": {"A": "1", "B": "x=y"}, "additional_contexts": {"shared": "./shared"}}
    listed = {"context": "api", "args": ["A=1", "B=x=y"], "additional_contexts": ["shared=./shared"]}
    assert service_build_digest(project, mapping) == service_build_digest(project, listed)


def test_a_bare_arg_takes_its_value_from_the_environment(project):
    spec = {"context": "api", "args": ["VERSION"]}
    assert service_build_digest(project, spec, {"VERSION": "1"}) != service_build_digest(project, spec, {"VERSION": "2"})
    assert service_build_digest(project, spec, {"VERSION": "1"}) == service_build_digest(
        project, {"context": "api", "args": {"VERSION": "1"}}
    )
    assert service_build_digest(project, {"context": "api", "args": {"N": 1, "T": True}}) == service_build_digest(
        project, {"context": "api", "args": ["N=1", "T=true"]}
    )


def test_a_list_form_additional_context_change_moves_the_digest(project):
    spec = {"context": "api", "additional_contexts": ["shared=./shared"]}
    before = service_build_digest(project, spec)
    change(project, "shared/lib.txt", "changed\n")
    assert service_build_digest(project, spec) != before


def test_non_local_additional_contexts_count_by_name(project):
    one = service_build_digest(project, {"context": "api", "additional_contexts": {"base": "docker-image://alpine:3.20"}})
    two = service_build_digest(project, {"context": "api", "additional_contexts": {"base": "docker-image://alpine:3.21"}})
    assert one != two
    assert service_build_digest(project, {"context": "api", "additional_contexts": ["svc=service:web"]})


def test_missing_local_additional_context_is_a_settings_error(project):
    with pytest.raises(SettingsError, match="additional_contexts: shared"):
        service_build_digest(project, {"context": "api", "additional_contexts": ["shared=./nowhere"]})


def test_bad_args_section_is_a_settings_error(project):
    with pytest.raises(SettingsError, match="build.args must be a mapping or a list"):
        service_build_digest(project, {"context": "api", "args": "A=1"})


def test_empty_directories_and_symlinks_are_part_of_the_context(project):
    before = service_build_digest(project, "api")
    (project / "api/empty").mkdir()
    with_dir = service_build_digest(project, "api")
    assert with_dir != before
    os.symlink("main.py", project / "api/link")
    with_link = service_build_digest(project, "api")
    (project / "api/link").unlink()
    os.symlink("pkg/util.py", project / "api/link")
    assert len({before, with_dir, with_link, service_build_digest(project, "api")}) == 4


def test_a_malformed_dockerignore_stops_the_digest_naming_file_and_line(project):
    change(project, "api/.dockerignore", "*.log\n!\n")
    with pytest.raises(SettingsError, match=r"api/.dockerignore:2: invalid pattern '!'"):
        service_build_digest(project, "api")
