import time

import psycopg
import redis

from app import checks


def ok_check(url, timeout):
    return None


def test_health_ok_when_both_checks_pass(client, both_ok):
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ok",
        "checks": {"postgres": {"ok": True}, "redis": {"ok": True}},
    }


def test_health_503_names_postgres(client, monkeypatch, secrets):
    database_url, password = secrets

    def pg_down(url, timeout):
        # libpq-style message that echoes the DSN, as psycopg can.
        raise psycopg.OperationalError(
            f'connection to server at "postgres" failed for {url}: '
            f"password authentication failed (password={password})"
        )

    monkeypatch.setattr(checks, "check_postgres", pg_down)
    monkeypatch.setattr(checks, "check_redis", ok_check)
    r = client.get("/health")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "fail"
    assert body["checks"]["redis"] == {"ok": True}
    pg = body["checks"]["postgres"]
    assert pg["ok"] is False
    assert pg["error"].startswith("OperationalError")
    assert password not in r.text
    assert database_url not in r.text


def test_health_503_names_redis(client, monkeypatch):
    def redis_down(url, timeout):
        raise redis.ConnectionError("Error -2 connecting to redis:6379. Name or service not known.")

    monkeypatch.setattr(checks, "check_postgres", ok_check)
    monkeypatch.setattr(checks, "check_redis", redis_down)
    r = client.get("/health")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "fail"
    assert body["checks"]["postgres"] == {"ok": True}
    assert body["checks"]["redis"]["ok"] is False
    assert "ConnectionError" in body["checks"]["redis"]["error"]


def test_password_never_in_body_with_real_psycopg_error(client, monkeypatch, secrets):
    _, password = secrets
    # The real check against an unreachable, unresolvable host: no services needed.
    url = f"postgresql://appuser:{password}@nonexistent.invalid:5432/app"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(checks, "check_redis", ok_check)
    r = client.get("/health")
    assert r.status_code == 503
    assert r.json()["checks"]["postgres"]["ok"] is False
    assert r.json()["checks"]["postgres"]["error"]
    assert password not in r.text
    assert url not in r.text


def test_hanging_check_is_bounded(client, monkeypatch):
    def hang(url, timeout):
        time.sleep(2.5)

    monkeypatch.setattr(checks, "check_postgres", hang)
    monkeypatch.setattr(checks, "check_redis", ok_check)
    started = time.monotonic()
    r = client.get("/health")
    elapsed = time.monotonic() - started
    assert r.status_code == 503
    assert "timed out" in r.json()["checks"]["postgres"]["error"]
    assert r.json()["checks"]["redis"] == {"ok": True}
    assert elapsed < 3  # timeout 0.5 s + 1 s slack


def test_sanitize_masks_url_credentials_and_kv_password():
    exc = RuntimeError(
        "failed: postgresql://u:pw@h:5432/db and redis://:rpw@r:6379/0 host=h password='x y'"
    )
    text = checks.sanitize_error(exc)
    assert "pw@" not in text and "rpw" not in text and "x y" not in text
    assert "postgresql://***@h:5432/db" in text
    assert text.startswith("RuntimeError: ")


def test_sanitize_masks_literal_password_and_url():
    url = "postgresql://u:hunter2@h/db"
    text = checks.sanitize_error(ValueError(f"bad {url} (hunter2)"), (url,))
    assert "hunter2" not in text
    assert url not in text
