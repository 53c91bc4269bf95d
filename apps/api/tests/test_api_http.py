from prometheus_client import CONTENT_TYPE_LATEST


def test_index_links(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.json()["links"]["health"] == "/health"


def test_metrics_content_type_and_counters(client, both_ok):
    client.get("/health")
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"] == CONTENT_TYPE_LATEST
    text = r.text
    assert "# TYPE api_http_requests_total counter" in text
    assert 'api_http_requests_total{method="GET",path="/health",status="200"}' in text
    assert 'api_health_checks_total{dependency="postgres",result="ok"}' in text
    assert 'api_dependency_up{dependency="redis"} 1.0' in text


def test_cors_header_for_allowed_origin(client, both_ok):
    r = client.get("/health", headers={"Origin": "http://localhost:3000"})
    assert r.headers.get("access-control-allow-origin") == "http://localhost:3000"


def test_cors_preflight_for_allowed_origin(client):
    r = client.options(
        "/health",
        headers={"Origin": "http://127.0.0.1:3000", "Access-Control-Request-Method": "GET"},
    )
    assert r.status_code == 200
    assert r.headers.get("access-control-allow-origin") == "http://127.0.0.1:3000"


def test_no_cors_header_for_other_origin(client, both_ok):
    r = client.get("/health", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers
