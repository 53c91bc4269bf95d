"""Prometheus metrics (default registry, created once at import)."""

from prometheus_client import Counter, Gauge

REQUESTS = Counter(
    "api_http_requests_total",
    "HTTP requests handled, by method, route path and status code.",
    ["method", "path", "status"],
)
HEALTH_CHECKS = Counter(
    "api_health_checks_total",
    "Dependency health-check results, by dependency and result (ok/fail).",
    ["dependency", "result"],
)
DEPENDENCY_UP = Gauge(
    "api_dependency_up",
    "1 if the dependency's last health check passed, else 0.",
    ["dependency"],
)
