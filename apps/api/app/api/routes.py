"""HTTP routes: /, /health, /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app import checks
from app.metrics import DEPENDENCY_UP, HEALTH_CHECKS
from app.settings import get_settings

router = APIRouter()


@router.get("/")
async def index() -> dict:
    return {
        "service": "api",
        "links": {"health": "/health", "metrics": "/metrics", "docs": "/docs"},
    }


@router.get("/health")
async def health() -> JSONResponse:
    results = await checks.run_health_checks(get_settings())
    for name, result in results.items():
        ok = bool(result.get("ok"))
        HEALTH_CHECKS.labels(dependency=name, result="ok" if ok else "fail").inc()
        DEPENDENCY_UP.labels(dependency=name).set(1 if ok else 0)
    all_ok = all(r.get("ok") for r in results.values())
    return JSONResponse(
        status_code=200 if all_ok else 503,
        content={"status": "ok" if all_ok else "fail", "checks": results},
    )


@router.get("/metrics")
async def metrics() -> Response:
    return Response(content=generate_latest(), media_type=CONTENT_TYPE_LATEST)
