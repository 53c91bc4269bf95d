"""commands.py: every builder asserted by its exact shell line, and a hostile value in
every argument it takes (it must come out as one quoted word, never as shell syntax)."""

from __future__ import annotations

import shlex

import pytest

from pyinfra_compose import commands as cmd
from pyinfra_compose.errors import SettingsError
from pyinfra_compose.project import ComposeProject

HOSTILE = "x; rm -rf /"
DIGEST = "ab" * 32
SIMPLE = ComposeProject("/srv/app", "app")
FULL = ComposeProject(
    "/srv/app",
    "app",
    files=("docker-compose.yml", "/etc/app/override.yml"),
    env_files=(".env", "/etc/app/secrets.env"),
    profiles=("web", "jobs"),
)
BASE = "docker compose --project-directory /srv/app -p app -f /srv/app/docker-compose.yml"
FULL_BASE = (
    "docker compose --project-directory /srv/app -p app"
    " -f /srv/app/docker-compose.yml -f /etc/app/override.yml"
    " --env-file /srv/app/.env --env-file /etc/app/secrets.env"
    " --profile web --profile jobs"
)
# Every value a user or the target controls, hostile, where validation lets it through.
EVIL = ComposeProject(f"/srv/{HOSTILE}", "app", files=(HOSTILE, f"/{HOSTILE}"), env_files=(HOSTILE,))
EVIL_BASE = (
    "docker compose --project-directory '/srv/x; rm -rf /' -p app"
    " -f '/srv/x; rm -rf /x; rm -rf /' -f '/x; rm -rf /'"
    " --env-file '/srv/x; rm -rf /x; rm -rf /'"
)


def test_shell_quotes_only_what_needs_quoting():
    assert cmd.shell(["docker", "ps", HOSTILE, "", "it's", "$HOME", "*"]) == (
        "docker ps 'x; rm -rf /' '' 'it'\"'\"'s' '$HOME' '*'"
    )


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        (SIMPLE, BASE),
        (FULL, FULL_BASE),
        (EVIL, EVIL_BASE),
        (ComposeProject("/", "app"), "docker compose --project-directory / -p app -f /docker-compose.yml"),
    ],
)
def test_compose_base(project, expected):
    assert cmd.shell(cmd.compose_base(project)) == expected


def test_config_hashes_quotes_the_star():
    assert cmd.shell(cmd.config_hashes(FULL)) == f"{FULL_BASE} config --hash '*'"
    assert cmd.shell(cmd.config_hashes(EVIL)) == f"{EVIL_BASE} config --hash '*'"


def test_config_check():
    assert cmd.shell(cmd.config_check(SIMPLE)) == f"{BASE} config --quiet"
    assert cmd.shell(cmd.config_check(EVIL)) == f"{EVIL_BASE} config --quiet"


def test_ps():
    assert cmd.shell(cmd.ps(SIMPLE)) == f"{BASE} ps --all --no-trunc --format json"
    assert cmd.shell(cmd.ps(EVIL)) == f"{EVIL_BASE} ps --all --no-trunc --format json"


def test_build_names_services_sorted():
    assert cmd.shell(cmd.build(SIMPLE, {"web", "api"})) == f"{BASE} build api web"
    assert cmd.shell(cmd.build(SIMPLE, [HOSTILE])) == f"{BASE} build 'x; rm -rf /'"


@pytest.mark.parametrize(
    ("kwargs", "tail"),
    [
        ({}, "up --detach --no-build --remove-orphans"),
        ({"remove_orphans": False}, "up --detach --no-build"),
        ({"services": ["web", "api"]}, "up --detach --no-build --remove-orphans api web"),
        (
            {"services": ["web"], "force_recreate": True},
            "up --detach --no-build --force-recreate --no-deps web",
        ),
        ({"services": [HOSTILE]}, "up --detach --no-build --remove-orphans 'x; rm -rf /'"),
    ],
)
def test_up(kwargs, tail):
    assert cmd.shell(cmd.up(SIMPLE, **kwargs)) == f"{BASE} {tail}"


@pytest.mark.parametrize("policy", ["always", "missing", "never", "build"])
def test_up_with_pull_policy(policy):
    project = ComposeProject("/srv/app", "app", pull=policy)
    assert cmd.shell(cmd.up(project)) == f"{BASE} up --detach --no-build --pull {policy} --remove-orphans"


def test_up_hostile_project():
    assert cmd.shell(cmd.up(EVIL)) == f"{EVIL_BASE} up --detach --no-build --remove-orphans"


def test_down():
    assert cmd.shell(cmd.down("app")) == "docker compose -p app down --remove-orphans"
    assert cmd.shell(cmd.down("app", volumes=True)) == "docker compose -p app down --remove-orphans --volumes"
    # down takes a bare name (it must work without the compose file); still one word.
    assert cmd.shell(cmd.down(HOSTILE)) == "docker compose -p 'x; rm -rf /' down --remove-orphans"


def test_remove_volumes():
    assert cmd.shell(cmd.remove_volumes(["app_db", "app_cache"])) == "docker volume rm --force app_db app_cache"
    assert cmd.shell(cmd.remove_volumes([HOSTILE])) == "docker volume rm --force 'x; rm -rf /'"


def test_remove_containers():
    assert cmd.shell(cmd.remove_containers(["c1", "c2"])) == "docker rm --force --volumes c1 c2"
    assert cmd.shell(cmd.remove_containers([HOSTILE])) == "docker rm --force --volumes 'x; rm -rf /'"


def test_project_resources():
    assert [cmd.shell(argv) for argv in cmd.project_resources("app")] == [
        "docker ps --all --quiet --filter label=com.docker.compose.project=app",
        "docker network ls --quiet --filter label=com.docker.compose.project=app",
        "docker volume ls --quiet --filter label=com.docker.compose.project=app",
    ]
    assert [cmd.shell(argv) for argv in cmd.project_resources(HOSTILE)] == [
        "docker ps --all --quiet --filter 'label=com.docker.compose.project=x; rm -rf /'",
        "docker network ls --quiet --filter 'label=com.docker.compose.project=x; rm -rf /'",
        "docker volume ls --quiet --filter 'label=com.docker.compose.project=x; rm -rf /'",
    ]


def test_image_id():
    assert cmd.shell(cmd.image_id("app-api")) == "docker image inspect --format '{{.Id}}' app-api"
    assert cmd.shell(cmd.image_id(HOSTILE)) == "docker image inspect --format '{{.Id}}' 'x; rm -rf /'"


def test_health_log():
    assert cmd.shell(cmd.health_log("c1")) == "docker inspect --format '{{json .State.Health}}' c1"
    assert cmd.shell(cmd.health_log(HOSTILE)) == "docker inspect --format '{{json .State.Health}}' 'x; rm -rf /'"


def test_logs():
    assert cmd.shell(cmd.logs(SIMPLE, "api")) == f"{BASE} logs --no-color --no-log-prefix --tail 30 api"
    assert cmd.shell(cmd.logs(SIMPLE, "api", tail=5)) == f"{BASE} logs --no-color --no-log-prefix --tail 5 api"
    assert cmd.shell(cmd.logs(SIMPLE, HOSTILE)) == (
        f"{BASE} logs --no-color --no-log-prefix --tail 30 'x; rm -rf /'"
    )


def test_logs_tail_must_be_a_number():
    with pytest.raises(ValueError):
        cmd.logs(SIMPLE, "api", tail=HOSTILE)  # type: ignore[arg-type]


def test_or_absent():
    assert cmd.or_absent(cmd.image_id("app-api")) == (
        "docker image inspect --format '{{.Id}}' app-api 2>/dev/null | grep . || echo __pyinfra_compose_absent__"
    )
    assert cmd.or_absent(["echo", HOSTILE]) == (
        "echo 'x; rm -rf /' 2>/dev/null | grep . || echo __pyinfra_compose_absent__"
    )


@pytest.mark.parametrize(
    ("image", "repository"),
    [
        ("app-api", "app-api"),
        ("app-api:1.2", "app-api"),
        ("reg:5000/team/app", "reg:5000/team/app"),
        ("reg:5000/team/app:1", "reg:5000/team/app"),
        ("app@sha256:" + DIGEST, "app"),
        ("reg:5000/app:1@sha256:" + DIGEST, "reg:5000/app"),
    ],
)
def test_image_repository(image, repository):
    assert cmd.image_repository(image) == repository


def test_build_tag():
    assert cmd.build_tag("reg:5000/app:1", DIGEST + "ffff") == f"reg:5000/app:pyinfra-build-{DIGEST}"


def test_tag_build():
    keep = f"app-api:pyinfra-build-{DIGEST}"
    assert cmd.tag_build("app-api", DIGEST) == (
        f"docker image tag app-api {keep} && "
        "{ docker image ls --format '{{.Repository}}:{{.Tag}}' app-api"
        f" | grep -F :pyinfra-build- | grep -vxF {keep}"
        " | xargs -r docker image rm >/dev/null || true; }"
    )


def test_tag_build_hostile_image():
    line = cmd.tag_build(HOSTILE, DIGEST)
    keep = f"x; rm -rf /:pyinfra-build-{DIGEST}"
    assert line == (
        f"docker image tag 'x; rm -rf /' '{keep}' && "
        "{ docker image ls --format '{{.Repository}}:{{.Tag}}' 'x; rm -rf /'"
        f" | grep -F :pyinfra-build- | grep -vxF '{keep}'"
        " | xargs -r docker image rm >/dev/null || true; }"
    )
    words = shlex.split(line)
    assert HOSTILE in words and keep in words and "-rf" not in words


@pytest.mark.parametrize("name", [HOSTILE, "App", "-app", "", "app\n", "app name"])
def test_hostile_project_name_is_rejected(name):
    with pytest.raises(SettingsError, match="project_name"):
        ComposeProject("/srv/app", name)


@pytest.mark.parametrize("profile", [HOSTILE, "-web", "", "web\n", "$(id)"])
def test_hostile_profile_is_rejected(profile):
    with pytest.raises(SettingsError, match="profiles"):
        ComposeProject("/srv/app", "app", profiles=(profile,))


def test_hostile_pull_policy_is_rejected():
    with pytest.raises(SettingsError, match="pull"):
        ComposeProject("/srv/app", "app", pull=HOSTILE)


# Every builder, fed the hostile value wherever it takes one: shell() must round-trip.
ROUND_TRIP = {
    "compose_base": lambda: cmd.compose_base(EVIL),
    "config_hashes": lambda: cmd.config_hashes(EVIL),
    "config_check": lambda: cmd.config_check(EVIL),
    "ps": lambda: cmd.ps(EVIL),
    "build": lambda: cmd.build(EVIL, [HOSTILE]),
    "up": lambda: cmd.up(EVIL, [HOSTILE]),
    "up[force_recreate]": lambda: cmd.up(EVIL, [HOSTILE], force_recreate=True),
    "down": lambda: cmd.down(HOSTILE, volumes=True),
    "remove_volumes": lambda: cmd.remove_volumes([HOSTILE, HOSTILE]),
    "remove_containers": lambda: cmd.remove_containers([HOSTILE]),
    "project_resources[containers]": lambda: cmd.project_resources(HOSTILE)[0],
    "project_resources[networks]": lambda: cmd.project_resources(HOSTILE)[1],
    "project_resources[volumes]": lambda: cmd.project_resources(HOSTILE)[2],
    "image_id": lambda: cmd.image_id(HOSTILE),
    "health_log": lambda: cmd.health_log(HOSTILE),
    "logs": lambda: cmd.logs(EVIL, HOSTILE, tail=3),
}


@pytest.mark.parametrize("builder", sorted(ROUND_TRIP))
def test_hostile_value_round_trips(builder):
    argv = ROUND_TRIP[builder]()
    assert any("x; rm -rf /" in arg for arg in argv)
    assert shlex.split(cmd.shell(argv)) == argv


def test_round_trip_covers_every_argv_builder():
    builders = {
        name
        for name, value in vars(cmd).items()
        if callable(value) and getattr(value, "__module__", "") == cmd.__name__
    }
    not_argv = {"shell", "or_absent", "image_repository", "build_tag", "tag_build", "file_texts", "env_digests", "run_traits"}  # tested above
    covered = {name.split("[")[0] for name in ROUND_TRIP}
    assert builders - not_argv <= covered


def test_file_texts():
    assert cmd.file_texts(["/srv/app/docker-compose.yml"]) == (
        "if [ -f /srv/app/docker-compose.yml ]; then printf 'file:'; base64 -w0 < /srv/app/docker-compose.yml; echo; "
        "else echo __pyinfra_compose_absent__; fi"
    )
    assert cmd.file_texts([]) == "true"


def test_file_texts_and_env_digests_hostile_path(tmp_path):
    """A hostile path stays one quoted word: run for real, it creates nothing."""
    import subprocess

    marker = tmp_path / "pwned"
    hostile = f"x; touch {marker}; $(touch {marker}) `touch {marker}`"
    for line in (cmd.file_texts([hostile]), cmd.env_digests(hostile, "ab" * 8)):
        assert f"'{hostile}'" in line
        out = subprocess.run(["sh", "-c", line], capture_output=True, text=True, cwd=tmp_path).stdout
        assert out.strip() == cmd.ABSENT and not marker.exists()


def test_run_traits_quotes_the_project_and_keeps_the_template_one_argument():
    line = cmd.run_traits("x; rm -rf /")
    assert line.endswith(" || true")
    ids, inspect = line.removesuffix(" || true").split(" | ", 1)
    assert shlex.split(ids) == ["docker", "compose", "-p", "x; rm -rf /", "ps", "--all", "-q"]
    assert shlex.split(inspect) == [
        "xargs", "-r", "docker", "inspect", "--format",
        '{{.Id}} {{with index .Config "Healthcheck"}}{{with index . "Test"}}{{index . 0}}{{end}}{{end}} {{.HostConfig.RestartPolicy.Name}}',
    ]
