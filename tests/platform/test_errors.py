"""Faults answer with clear errors: database down → 503 with Retry-After, never a stack trace."""

from fastapi.testclient import TestClient

from govkiosk.platform.app import create_app
from tests.conftest import make_settings


def test_database_unavailable_is_503_with_retry_after(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(f"sqlite:///{tmp_path}/missing/dir/db.sqlite"))
    with TestClient(app, raise_server_exceptions=False) as client:
        login = client.post("/api/v1/auth/token", data={"username": "a", "password": "b"})
        assert login.status_code == 503
        assert login.headers["retry-after"] == "5"
        assert login.json()["error"]["code"] == "database_unavailable"
        assert "Traceback" not in login.text and "sqlite3" not in login.text
        token = app.state.runtime.issue_token(1, 1, 60)
        heartbeat = client.post(
            "/api/terminal/v1/heartbeat", json={}, headers={"Authorization": f"Bearer {token}"}
        )
        assert heartbeat.status_code == 503 and heartbeat.headers["retry-after"] == "5"
        assert client.get("/healthz").status_code == 503
        assert client.get("/livez").status_code == 200


def test_unknown_route_and_method(client: TestClient) -> None:
    assert client.get("/api/v1/nothing-here").status_code == 404
    assert client.delete("/api/v1/terminals").status_code == 405


def test_openapi_and_metrics_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/terminals" in spec["paths"] and "/api/terminal/v1/heartbeat" in spec["paths"]
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and "govkiosk_heartbeat_buffer" in metrics.text
    assert "govkiosk_heartbeats_total 0.0" in metrics.text
    assert client.get("/healthz").json()["status"] == "ok"
