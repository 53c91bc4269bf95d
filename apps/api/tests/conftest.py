import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

# Make `import app` work however pytest is started (repo root or apps/api).
API_ROOT = Path(__file__).resolve().parents[1]
if str(API_ROOT) not in sys.path:
    sys.path.insert(0, str(API_ROOT))

from app import checks  # noqa: E402
from app.main import create_app  # noqa: E402

PASSWORD = "s3cr3t-Pa55word"
DATABASE_URL = f"postgresql://appuser:{PASSWORD}@postgres:5432/app"


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", DATABASE_URL)
    monkeypatch.setenv("REDIS_URL", "redis://redis:6379/0")
    monkeypatch.setenv("CORS_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000")
    monkeypatch.setenv("HEALTH_CHECK_TIMEOUT", "0.5")


@pytest.fixture
def client():
    with TestClient(create_app()) as c:
        yield c


def ok_check(url, timeout):
    return None


@pytest.fixture
def secrets():
    """(DATABASE_URL, password) that must never show up in a response."""
    return DATABASE_URL, PASSWORD


@pytest.fixture
def both_ok(monkeypatch):
    monkeypatch.setattr(checks, "check_postgres", ok_check)
    monkeypatch.setattr(checks, "check_redis", ok_check)
