"""FastAPI application: ``uvicorn app.main:app``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware

from app.api.routes import router
from app.metrics import REQUESTS
from app.settings import get_settings


def create_app() -> FastAPI:
    settings = get_settings()
    application = FastAPI(title="api", version="0.1.0")

    @application.middleware("http")
    async def count_requests(request: Request, call_next):
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            # Label by route template, not raw URL, to keep cardinality bounded.
            route = request.scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            REQUESTS.labels(method=request.method, path=path, status=str(status)).inc()

    # Added last so it is the outermost middleware (handles preflight first).
    application.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "OPTIONS"],
        allow_headers=["*"],
    )
    application.include_router(router)
    return application


app = create_app()
