"""Settings read from the environment (see .env.example)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "postgresql://app:app@postgres:5432/app"
DEFAULT_REDIS_URL = "redis://redis:6379/0"
DEFAULT_CORS_ORIGINS = "http://localhost:3000,http://127.0.0.1:3000"
DEFAULT_CHECK_TIMEOUT = 2.0


def _split_origins(raw: str) -> list[str]:
    return [o.strip() for o in raw.split(",") if o.strip()]


def _float_env(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    cors_origins: list[str] = field(default_factory=lambda: _split_origins(DEFAULT_CORS_ORIGINS))
    check_timeout: float = DEFAULT_CHECK_TIMEOUT

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            database_url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            redis_url=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
            cors_origins=_split_origins(os.environ.get("CORS_ORIGINS", DEFAULT_CORS_ORIGINS)),
            check_timeout=_float_env("HEALTH_CHECK_TIMEOUT", DEFAULT_CHECK_TIMEOUT),
        )


def get_settings() -> Settings:
    """Read the environment on each call (cheap; keeps tests simple)."""
    return Settings.from_env()
