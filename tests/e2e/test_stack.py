"""End-to-end tests of the dev stack (infra/docker-compose.yml), issue 2's acceptance.

One stack at a time: the module brings the whole stack up once (project
`e2e-stack`, offline stand-in images, ports 1xxxx on 127.0.0.1) and tears it down
with its volumes at the end. The tests run in file order: the outage and the
down/up/down --volumes test comes last because they stop and recreate services.
"""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.e2e.browser import assert_healthy, browser_health
from tests.e2e.helpers import (
    REPO,
    element_text,
    extra_ca_pem,
    http_get,
    ps,
    psql,
    read_env_file,
    run,
    wait_for,
    write_env_file,
)

PROJECT = "e2e-stack"
COMPOSE_FILE = REPO / "infra" / "docker-compose.yml"
EXAMPLE_ENV = REPO / ".env.example"
CORE_SERVICES = {"postgres", "redis", "api", "web"}
ALL_SERVICES = CORE_SERVICES | {"pgadmin"}
PORTS = {
    "API_PORT": "18000",
    "WEB_PORT": "13000",
    "POSTGRES_PORT": "15432",
    "REDIS_PORT": "16379",
    "PGADMIN_PORT": "15050",
}
API = "http://127.0.0.1:18000"
WEB = "http://127.0.0.1:13000"
HEALTHY_TIMEOUT = 600  # cold start here: ~60 s (web's pnpm install + first compile)


def compose(env_file: Path, *args: str, check: bool = True, timeout: float = 900):
    return run(
        ["docker", "compose", "-p", PROJECT, "-f", str(COMPOSE_FILE), "--env-file", str(env_file), *args],
        check=check,
        timeout=timeout,
        cwd=REPO,
    )


def core_states() -> dict[str, str]:
    """service -> health (or state when it has no health) of the project's containers."""
    return {r["Service"]: (r.get("Health") or r.get("State", "")) for r in ps(PROJECT)}


def compose_logs(env_file: Path) -> str:
    out = compose(env_file, "logs", "--no-color", "--tail", "40", check=False, timeout=60)
    return (out.stdout + out.stderr)[-6000:]


def wait_core_healthy(env_file: Path, timeout: float = HEALTHY_TIMEOUT) -> dict[str, str]:
    """Bounded wait until all four core services report `healthy` (compose ps)."""

    def all_healthy():
        states = core_states()
        return states if all(states.get(s) == "healthy" for s in CORE_SERVICES) else None

    try:
        return wait_for(all_healthy, timeout=timeout, interval=3, what="the four core services to be healthy")
    except AssertionError as error:
        raise AssertionError(f"{error}\nstates: {core_states()}\n--- logs ---\n{compose_logs(env_file)}") from None


def get_health() -> tuple[int, dict]:
    status, body = http_get(f"{API}/health", timeout=10)
    return status, json.loads(body)


def wait_health_ok(timeout: float = 180) -> dict:
    def ok():
        status, body = get_health()
        return body if status == 200 else None

    return wait_for(ok, timeout=timeout, interval=2, what=f"{API}/health to answer 200")


def web_api_health_text() -> str | None:
    status, html = http_get(f"{WEB}/", timeout=60)
    if status != 200:
        return None
    return element_text(html, "api-health")


# ----------------------------------------------------------------- compose config (CLI only)


def config_services(*extra: str) -> set[str]:
    out = run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "--env-file", str(EXAMPLE_ENV), *extra, "config", "--services"],
        cwd=REPO,
    ).stdout
    return {line.strip() for line in out.splitlines() if line.strip()}


def test_config_is_valid_with_example_env():
    result = run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "--env-file", str(EXAMPLE_ENV), "config", "--format", "json"],
        cwd=REPO,
    )
    model = json.loads(result.stdout)
    assert set(model["services"]) == CORE_SERVICES
    # Published ports bind to loopback by default: a dev database is no open door.
    for name, service in model["services"].items():
        assert service.get("ports"), f"{name} publishes no port"
        for port in service["ports"]:
            assert port.get("host_ip") == "127.0.0.1", f"{name} publishes {port} beyond loopback"


def test_config_profiles_list_four_or_five_services():
    assert config_services() == CORE_SERVICES
    assert config_services("--profile", "pgadmin") == ALL_SERVICES


# ----------------------------------------------------------------- the running stack


@pytest.fixture(scope="module")
def stack_env(offline_images, tmp_path_factory) -> Path:
    """.env.example + stand-in images + e2e ports + this machine's extra CAs."""
    values = read_env_file(EXAMPLE_ENV)
    values.update(offline_images)
    values.update(PORTS)
    values.update(
        BIND_ADDRESS="127.0.0.1",
        NEXT_PUBLIC_API_BASE_URL=API,
        CORS_ORIGINS=f"{WEB},http://localhost:{PORTS['WEB_PORT']}",
        EXTRA_CA_CERTS=extra_ca_pem(),
        COREPACK_INTEGRITY_KEYS="0",
    )
    return write_env_file(tmp_path_factory.mktemp("e2e-stack") / "stack.env", values)


@pytest.fixture(scope="module")
def stack(stack_env) -> Path:
    """The whole stack, up and healthy; torn down with its volumes afterwards."""
    compose(stack_env, "--profile", "*", "down", "--volumes", "--remove-orphans", check=False, timeout=300)
    try:
        compose(stack_env, "up", "-d", "--build", timeout=1800)
        wait_core_healthy(stack_env)
        yield stack_env
    finally:
        compose(stack_env, "--profile", "*", "down", "--volumes", "--remove-orphans", check=False, timeout=300)


def test_env_file_carries_settings_intact(stack_env):
    """The double-quoted \\n form reaches the build args as the real multi-line PEM."""
    model = json.loads(compose(stack_env, "config", "--format", "json").stdout)
    assert model["name"] == PROJECT
    for service in ("api", "web"):
        args = model["services"][service]["build"]["args"]
        assert args["EXTRA_CA_CERTS"] == extra_ca_pem()
    assert model["services"]["web"]["build"]["args"]["COREPACK_INTEGRITY_KEYS"] == "0"
    assert model["services"]["postgres"]["image"] == "devstack-local/postgres:17"
    assert model["services"]["api"]["build"]["args"]["PYTHON_IMAGE"] == "devstack-local/python:3.13"
    published = {name: s["ports"][0]["published"] for name, s in model["services"].items()}
    assert published == {"postgres": "15432", "redis": "16379", "api": "18000", "web": "13000"}


def test_stack_is_healthy(stack):
    records = ps(PROJECT)
    assert {r["Service"] for r in records} == CORE_SERVICES, "pgadmin must only start with its profile"
    for record in records:
        assert record["Health"] == "healthy", record
        for publisher in record.get("Publishers") or []:
            if publisher.get("PublishedPort"):
                assert publisher["URL"] == "127.0.0.1", f"{record['Service']} published beyond loopback: {publisher}"

    status, body = get_health()
    assert status == 200, body
    assert body["status"] == "ok"
    assert body["checks"] == {"postgres": {"ok": True}, "redis": {"ok": True}}


def test_web_page_renders_api_health(stack):
    text = wait_for(web_api_health_text, timeout=180, interval=3, what="the web page's api-health element")
    assert "status: ok" in text, text
    assert "postgres: ok" in text and "redis: ok" in text, text


def wait_web_healthy(env_file: Path) -> None:
    wait_for(lambda: core_states().get("web") == "healthy", timeout=HEALTHY_TIMEOUT, interval=3, what="web healthy")


def test_a_real_browser_sees_the_api_health_and_a_wrong_api_url_fails(stack):
    """The browser-side check is what catches a wrong NEXT_PUBLIC_API_BASE_URL: the server
    side (API_INTERNAL_URL) stays fine. Web is recreated with the API one port off, then put back."""
    assert_healthy(browser_health(f"{WEB}/", "stack"))
    wrong = read_env_file(stack)
    wrong["NEXT_PUBLIC_API_BASE_URL"] = "http://127.0.0.1:18001"
    wrong_env = write_env_file(stack.with_name("wrong-api-url.env"), wrong)
    try:
        compose(wrong_env, "up", "-d", "--no-deps", "web", timeout=600)
        wait_web_healthy(wrong_env)
        page = browser_health(f"{WEB}/", "stack-wrong-api-url")
        text = page.health() or ""
        assert "status: unreachable" in text and "status: ok" not in text, f"{text!r} (screenshot {page.screenshot})"
        assert "status: ok" in (element_text(page.dom, "api-health") or ""), "the server side still sees the API"
    finally:
        wrong_env.unlink()
        compose(stack, "up", "-d", "--no-deps", "web", timeout=600)
        wait_web_healthy(stack)


_METRIC_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABELS = r'\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\}'
_SAMPLE = re.compile(rf"^{_METRIC_NAME}(?:{_LABELS})? [-+]?(?:[0-9.eE+-]+|NaN|Inf)(?: -?[0-9]+)?$")
_COMMENT = re.compile(rf"^# (?:HELP|TYPE) {_METRIC_NAME} .*$")


def test_metrics_in_prometheus_text_format(stack):
    assert get_health()[0] == 200  # at least one /health sample recorded
    with urllib.request.urlopen(f"{API}/metrics", timeout=10) as response:
        assert response.status == 200
        content_type = response.headers["Content-Type"]
        body = response.read().decode()
    # The text exposition format: 0.0.4, or 1.0.0 (same syntax, UTF-8 names) from
    # prometheus_client >= 0.22. Not OpenMetrics, not protobuf.
    media_type, *params = [part.strip() for part in content_type.split(";")]
    assert media_type == "text/plain", content_type
    assert {"version=0.0.4", "version=1.0.0"} & set(params), content_type

    lines = [line for line in body.splitlines() if line]
    bad = [line for line in lines if not (_SAMPLE.match(line) or _COMMENT.match(line))]
    assert not bad, f"not Prometheus text format: {bad[:5]}"
    assert "# TYPE api_http_requests_total counter" in lines
    assert "# TYPE api_dependency_up gauge" in lines
    assert 'api_dependency_up{dependency="postgres"} 1.0' in lines
    assert 'api_dependency_up{dependency="redis"} 1.0' in lines
    health_count = [
        float(line.rsplit(" ", 1)[1])
        for line in lines
        if line.startswith("api_http_requests_total{") and 'path="/health"' in line and 'status="200"' in line
    ]
    assert health_count and health_count[0] >= 1, body


def test_health_reports_postgres_outage_and_recovery(stack):
    compose(stack, "stop", "postgres", timeout=120)
    try:
        assert core_states().get("postgres") == "exited"

        def failing():
            status, body = get_health()
            return (status, body) if status != 200 else None

        status, body = wait_for(failing, timeout=60, interval=2, what="/health to fail without postgres")
        assert status == 503, body
        assert body["status"] == "fail"
        assert body["checks"]["postgres"]["ok"] is False
        assert "postgres" in json.dumps(body) and body["checks"]["postgres"].get("error"), body
        assert body["checks"]["redis"] == {"ok": True}, "redis is still up: only postgres may fail"
        # The error names the dependency, never its credentials.
        assert "app-dev-password" not in json.dumps(body)

        text = wait_for(
            lambda: (t := web_api_health_text()) and "status: fail" in t and t,
            timeout=60,
            interval=3,
            what="the web page to show the failing API health",
        )
        assert "postgres: fail" in text and "redis: ok" in text, text
    finally:
        compose(stack, "start", "postgres", timeout=180)

    body = wait_health_ok(timeout=180)
    assert body["checks"] == {"postgres": {"ok": True}, "redis": {"ok": True}}
    wait_core_healthy(stack, timeout=180)


def volume_exists(name: str) -> bool:
    return run(["docker", "volume", "inspect", name], check=False).returncode == 0


def test_data_survives_down_and_up_but_not_down_volumes(stack):
    """The spec's direct compose usage; the package.json scripts (pyinfra) are tested in
    test_deploy_changes.py."""
    values = read_env_file(stack)
    user, db = values["POSTGRES_USER"], values["POSTGRES_DB"]
    token = uuid.uuid4().hex
    psql(PROJECT, "CREATE TABLE IF NOT EXISTS e2e_marker (token text PRIMARY KEY)", user=user, db=db)
    psql(PROJECT, f"INSERT INTO e2e_marker VALUES ('{token}')", user=user, db=db)

    compose(stack, "--profile", "*", "down", timeout=300)
    assert ps(PROJECT) == [], "down leaves no container"
    assert volume_exists(f"{PROJECT}_postgres_data"), "down keeps the data volume"

    compose(stack, "up", "-d", "--build", "--wait", timeout=1200)
    wait_core_healthy(stack, timeout=60)  # `--wait` returned: already healthy
    wait_health_ok(timeout=60)
    assert psql(PROJECT, f"SELECT token FROM e2e_marker WHERE token = '{token}'", user=user, db=db) == token

    compose(stack, "--profile", "*", "down", "--volumes", timeout=300)
    assert ps(PROJECT) == []
    for volume in ("postgres_data", "web_node_modules", "web_next"):
        assert not volume_exists(f"{PROJECT}_{volume}"), f"down --volumes must remove {volume}"

    compose(stack, "up", "-d", "--build", "--wait", timeout=1200)
    wait_core_healthy(stack, timeout=60)
    wait_health_ok(timeout=60)
    assert psql(PROJECT, "SELECT to_regclass('public.e2e_marker') IS NULL", user=user, db=db) == "t"
