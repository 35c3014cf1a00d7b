"""Onboarding (入驻) through the department open API and the admin API: submit → checks → review →
publish → suspend / resume / withdraw, every step with who, when and why, seen by the department."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from govkiosk.platform.accounts.models import Role
from govkiosk.platform.db.session import Database
from govkiosk.platform.onboarding import tasks
from tests.catalog_factories import create_department, department_token, item_body
from tests.factories import Tree, build, create_tree, create_user, login


@pytest.fixture
def world(db: Database, client: TestClient) -> tuple[Tree, dict, dict, dict]:
    tree = build(db, create_tree)
    build(db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    build(db, create_user, "operator", Role.DISTRICT_OPERATOR, tree.district_a)
    admin = login(client, "admin")
    department = create_department(client, admin, tree.district_a)
    return tree, admin, department, department_token(client, admin, department["id"])


def _submit(client: TestClient, dept: dict, body: dict) -> tuple[int, int]:
    item = client.post("/api/dept/v1/items", headers=dept, json=body)
    assert item.status_code == 201, item.text
    submitted = client.post(
        "/api/dept/v1/onboarding",
        headers=dept,
        json={"subject": "item", "subject_id": item.json()["id"], "reason": "上线自助终端"},
    )
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["state"] == "submitted"
    return item.json()["id"], submitted.json()["id"]


def test_the_whole_workflow_is_recorded_and_the_department_sees_it(
    world: tuple, client: TestClient, db: Database
) -> None:
    tree, admin, department, dept = world
    item_id, onboarding_id = _submit(client, dept, item_body(department["code"], 1))
    assert tasks.check_pending(db) == 1
    seen = client.get(f"/api/dept/v1/onboarding/{onboarding_id}", headers=dept).json()
    assert seen["state"] == "in_review"
    assert {c["name"]: c["passed"] for c in seen["checks"]} == {
        "required_fields": True,
        "codes_valid": True,
        "devices_available": True,
    }

    operator = login(client, "operator")
    url = f"/api/v1/onboarding/{onboarding_id}"
    assert (
        client.post(f"{url}/approve", headers=operator, json={"reason": "材料齐全"}).json()["state"]
        == "approved"
    )
    published = client.post(
        f"{url}/publish", headers=operator, json={"org_node_ids": [tree.district_a.id], "reason": "甲区先上"}
    )
    assert published.status_code == 200, published.text
    item = client.get(f"/api/dept/v1/items/{item_id}", headers=dept).json()
    assert (item["status"], item["kiosk_enabled"]) == ("published", True)

    no_reason = client.post(f"{url}/suspend", headers=operator, json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["message"]
    client.post(f"{url}/suspend", headers=operator, json={"reason": "系统升级"})
    assert client.get(f"/api/dept/v1/items/{item_id}", headers=dept).json()["kiosk_enabled"] is False
    client.post(f"{url}/resume", headers=operator, json={})
    client.post(
        f"/api/dept/v1/onboarding/{onboarding_id}/withdraw", headers=dept, json={"reason": "事项调整"}
    )

    steps = client.get(f"/api/dept/v1/onboarding/{onboarding_id}", headers=dept).json()["steps"]
    assert [(s["from_state"], s["to_state"]) for s in steps] == [
        (None, "submitted"),
        ("submitted", "in_review"),
        ("in_review", "approved"),
        ("approved", "published"),
        ("published", "suspended"),
        ("suspended", "published"),
        ("published", "withdrawn"),
    ]
    assert [s["actor"] for s in steps][2:4] == ["operator", "operator"]
    assert steps[0]["actor"].startswith("dept:") and steps[1]["actor"] == "system"
    assert [s["reason"] for s in steps][3:5] == ["甲区先上", "系统升级"]
    assert client.get(f"/api/dept/v1/items/{item_id}", headers=dept).json()["kiosk_enabled"] is False


def test_failed_checks_say_what_is_wrong(world: tuple, client: TestClient, db: Database) -> None:
    _tree, _admin, department, dept = world
    body = item_body(
        department["code"],
        2,
        task_code=f"440C0000000002-440300000000-000-{department['code'][:-1]}Z-1-00",
        required_devices=["SignaturePad"],
        conditions=[],
    )
    _, onboarding_id = _submit(client, dept, body)
    tasks.check_pending(db)
    seen = client.get(f"/api/dept/v1/onboarding/{onboarding_id}", headers=dept).json()
    assert seen["state"] == "checks_failed"
    checks = {c["name"]: c for c in seen["checks"]}
    assert not checks["codes_valid"]["passed"] and "USCC" in checks["codes_valid"]["message"]
    assert (
        not checks["devices_available"]["passed"] and "SignaturePad" in checks["devices_available"]["message"]
    )
    assert "受理条件" in checks["required_fields"]["message"]
    assert "automatic checks failed" in seen["steps"][-1]["reason"]


def test_reviewers_act_only_inside_their_subtree(world: tuple, client: TestClient, db: Database) -> None:
    tree, admin, department, dept = world
    _, onboarding_id = _submit(client, dept, item_body(department["code"], 3))
    tasks.check_pending(db)
    operator = login(client, "operator")
    url = f"/api/v1/onboarding/{onboarding_id}"
    assert client.post(f"{url}/reject", headers=operator, json={}).status_code == 422
    client.post(f"{url}/approve", headers=operator, json={})
    outside = client.post(f"{url}/publish", headers=operator, json={"org_node_ids": [tree.district_b.id]})
    assert outside.status_code == 403
    assert client.post(f"{url}/approve", headers=operator, json={}).status_code == 409  # already approved


def test_a_department_token_reaches_only_its_own_department(world: tuple, client: TestClient) -> None:
    tree, admin, department, dept = world
    other = create_department(client, admin, tree.district_b, seed=2)
    other_token = department_token(client, admin, other["id"])
    item_id = client.post("/api/dept/v1/items", headers=dept, json=item_body(department["code"], 4)).json()[
        "id"
    ]
    assert client.get(f"/api/dept/v1/items/{item_id}", headers=other_token).status_code == 404
    assert (
        client.put(
            f"/api/dept/v1/items/{item_id}", headers=other_token, json=item_body(other["code"], 4)
        ).status_code
        == 404
    )
    assert client.get("/api/dept/v1/items", headers={"Authorization": "Bearer gkd_nope"}).status_code == 401
    assert client.get("/api/dept/v1/me", headers=other_token).json()["department_id"] == other["id"]


def test_h5_app_url_is_probed(world: tuple, client: TestClient, db: Database, live_platform) -> None:  # noqa: ANN001
    _tree, _admin, _department, dept = world
    app = {
        "name": "公积金H5",
        "kind": "h5",
        "url": f"{live_platform.url}/livez",
        "allowed_origins": [live_platform.url],
        "device_permissions": {"Printer": "use"},
        "required_devices": ["Printer"],
    }
    good = client.post("/api/dept/v1/apps", headers=dept, json=app).json()
    bad = client.post(
        "/api/dept/v1/apps", headers=dept, json={**app, "name": "坏的", "url": "http://127.0.0.1:9/x"}
    ).json()
    ids = [
        client.post(
            "/api/dept/v1/onboarding", headers=dept, json={"subject": "app", "subject_id": a["id"]}
        ).json()["id"]
        for a in (good, bad)
    ]
    tasks.check_pending(db, probe_timeout_s=2)
    states = [client.get(f"/api/dept/v1/onboarding/{i}", headers=dept).json() for i in ids]
    assert [s["state"] for s in states] == ["in_review", "checks_failed"]
    assert "did not answer" in {c["name"]: c for c in states[1]["checks"]}["url_answers"]["message"]


def test_an_h5_app_may_not_require_a_device_it_is_not_permitted(world: tuple, client: TestClient) -> None:
    _tree, _admin, _department, dept = world
    app = {"name": "X", "kind": "h5", "url": "https://example.org", "required_devices": ["Camera"]}
    response = client.post("/api/dept/v1/apps", headers=dept, json=app)
    assert response.status_code == 422 and "device_permissions" in response.json()["error"]["message"]


def test_the_open_api_lists_the_department_and_terminal_routes(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    assert "/api/dept/v1/onboarding/{onboarding_id}" in paths and "/api/terminal/v1/catalog" in paths
