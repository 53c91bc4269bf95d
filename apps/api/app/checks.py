"""Dependency checks for /health.

Each check is a plain blocking function that returns ``None`` on success and
raises on failure. ``run_health_checks`` runs them concurrently in worker
threads and bounds each one with an overall deadline, so a check that hangs
(DNS, a half-open TCP peer) cannot hold the request beyond the timeout.

Error texts are sanitised: they never contain the DATABASE_URL, its password,
or any URL credentials (psycopg/libpq messages may echo the DSN).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Callable
from urllib.parse import urlsplit

import psycopg
import redis

from app.settings import Settings

MAX_ERROR_LEN = 200
# Extra slack over the per-client timeouts before the request gives up waiting.
DEADLINE_SLACK = 1.0

# scheme://user:password@host  ->  scheme://***@host
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)[^\s/@]*@")
# libpq keyword form: password=secret / password='se cret'
_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def check_postgres(database_url: str, timeout: float) -> None:
    """Connect with a short connect_timeout and run ``SELECT 1``."""
    # libpq's connect_timeout is whole seconds with a minimum of 2.
    connect_timeout = max(2, int(round(timeout)))
    with psycopg.connect(
        database_url,
        connect_timeout=connect_timeout,
        options=f"-c statement_timeout={int(timeout * 1000)}",
    ) as conn:
        row = conn.execute("SELECT 1").fetchone()
    if not row or row[0] != 1:
        raise RuntimeError("unexpected result from SELECT 1")


def check_redis(redis_url: str, timeout: float) -> None:
    """PING with short socket timeouts."""
    client = redis.Redis.from_url(
        redis_url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry_on_timeout=False,
    )
    try:
        if not client.ping():
            raise RuntimeError("PING did not return PONG")
    finally:
        client.close()


def _secrets_of(url: str) -> list[str]:
    """The literal strings that must never appear in an error text."""
    secrets = [url] if url else []
    try:
        parts = urlsplit(url)
        if parts.password:
            secrets.append(parts.password)
    except ValueError:
        pass
    # Longest first so a password inside the URL does not break the URL match.
    return sorted({s for s in secrets if s}, key=len, reverse=True)


def sanitize_error(exc: BaseException, secret_urls: tuple[str, ...] = ()) -> str:
    """``ExceptionClass: message`` with credentials masked, one line, bounded."""
    message = " ".join(str(exc).split())
    for url in secret_urls:
        for secret in _secrets_of(url):
            message = message.replace(secret, "***")
    message = _URL_CREDENTIALS.sub(r"\g<scheme>***@", message)
    message = _KV_PASSWORD.sub(r"\1***", message)
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    if len(text) > MAX_ERROR_LEN:
        text = text[: MAX_ERROR_LEN - 3] + "..."
    return text


async def _run_one(
    fn: Callable[[str, float], None], url: str, timeout: float, secret_urls: tuple[str, ...]
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(
            loop.run_in_executor(None, fn, url, timeout), timeout=timeout + DEADLINE_SLACK
        )
    except asyncio.TimeoutError:
        return {"ok": False, "error": f"timed out after {timeout + DEADLINE_SLACK:g}s"}
    except Exception as exc:  # noqa: BLE001 - any failure is a failed check
        return {"ok": False, "error": sanitize_error(exc, secret_urls)}
    return {"ok": True}


async def run_health_checks(settings: Settings) -> dict[str, dict[str, Any]]:
    """Run all dependency checks concurrently; returns ``{name: result}``."""
    secret_urls = (settings.database_url, settings.redis_url)
    # Look the functions up at call time so tests can monkeypatch them.
    postgres, redis_result = await asyncio.gather(
        _run_one(check_postgres, settings.database_url, settings.check_timeout, secret_urls),
        _run_one(check_redis, settings.redis_url, settings.check_timeout, secret_urls),
    )
    return {"postgres": postgres, "redis": redis_result}
