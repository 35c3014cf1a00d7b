"""The catalog admin API: versions (a published item never changes), search, bad input, import, 入驻率."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govkiosk.cli import app as cli
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.db.session import Database
from govkiosk.platform.onboarding import tasks
from tests.catalog_factories import create_department, department_token, item_body
from tests.factories import Tree, build, create_tree, create_user, login

REAL_LIST = (
    Path(__file__).resolve().parents[3].parent / "shared" / "data" / "catalog" / "guangan-district-items.csv"
)


@pytest.fixture
def world(db: Database, client: TestClient) -> tuple[Tree, dict, dict]:
    tree = build(db, create_tree)
    build(db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    build(db, create_user, "operator", Role.DISTRICT_OPERATOR, tree.district_b)
    admin = login(client, "admin")
    return tree, admin, create_department(client, admin, tree.district_a)


def _publish(client: TestClient, db: Database, admin: dict, item_id: int, node_id: int) -> None:
    onboarding = client.post(
        "/api/v1/onboarding", headers=admin, json={"subject": "item", "subject_id": item_id}
    )
    assert onboarding.status_code == 201, onboarding.text
    tasks.check_pending(db)
    url = f"/api/v1/onboarding/{onboarding.json()['id']}"
    client.post(f"{url}/approve", headers=admin, json={})
    assert client.post(f"{url}/publish", headers=admin, json={"org_node_ids": [node_id]}).status_code == 200


def test_a_published_item_is_immutable_and_an_edit_makes_a_new_version(
    world: tuple, client: TestClient, db: Database
) -> None:
    tree, admin, department = world
    body = item_body(department["code"], 1)
    item = client.post(
        "/api/v1/catalog/items", headers=admin, json={**body, "department_id": department["id"]}
    )
    item_id = item.json()["id"]
    edited = client.put(f"/api/v1/catalog/items/{item_id}", headers=admin, json={**body, "name": "草稿改名"})
    assert (edited.json()["version"], edited.json()["name"]) == (1, "草稿改名")  # a draft changes in place
    _publish(client, db, admin, item_id, tree.district_a.id)
    again = client.put(f"/api/v1/catalog/items/{item_id}", headers=admin, json={**body, "name": "第二版"})
    assert (again.json()["version"], again.json()["status"]) == (2, "draft")
    versions = client.get(f"/api/v1/catalog/items/{item_id}/versions", headers=admin).json()
    assert [(v["version"], v["status"], v["name"]) for v in versions] == [
        (1, "published", "草稿改名"),
        (2, "draft", "第二版"),
    ]
    assert (
        client.get(f"/api/v1/catalog/items/{item_id}?version=1", headers=admin).json()["name"] == "草稿改名"
    )


def test_bad_input_is_named(world: tuple, client: TestClient) -> None:
    _tree, admin, department = world
    body = {**item_body(department["code"], 2), "department_id": department["id"]}
    assert client.post("/api/v1/catalog/items", headers=admin, json=body).status_code == 201
    duplicate = client.post("/api/v1/catalog/items", headers=admin, json={**body, "name": "另一个"})
    assert duplicate.status_code == 409 and body["task_code"] in duplicate.json()["error"]["message"]
    wrong = client.post(
        "/api/v1/catalog/items", headers=admin, json={**body, "item_type": "XX", "task_code": None}
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["message"].startswith("item_type:")
    unknown = client.post(
        "/api/v1/catalog/items", headers=admin, json={**body, "department_id": 9999, "task_code": None}
    )
    assert unknown.status_code == 404 and "department 9999" in unknown.json()["error"]["message"]


def test_search_answers_items_and_total_and_respects_the_subtree(world: tuple, client: TestClient) -> None:
    _tree, admin, department = world
    for n, name in enumerate(["社会保险参保证明打印", "住房公积金缴存证明打印", "居住证签注"]):
        client.post(
            "/api/v1/catalog/items",
            headers=admin,
            json={**item_body(department["code"], 10 + n, name=name), "department_id": department["id"]},
        )
    found = client.get("/api/v1/catalog/items", params={"q": "sbcb"}, headers=admin).json()
    assert found["total"] == 1 and found["items"][0]["name"] == "社会保险参保证明打印"
    assert client.get("/api/v1/catalog/items", params={"q": "证明"}, headers=admin).json()["total"] == 2
    outsider = login(client, "operator")  # district B: the department is in district A
    assert client.get("/api/v1/catalog/items", params={"q": "证明"}, headers=outsider).json()["total"] == 0


def test_onboarding_rate_per_district_and_department(world: tuple, client: TestClient, db: Database) -> None:
    tree, admin, department = world
    ids = []
    for n in range(4):
        body = {**item_body(department["code"], 20 + n), "department_id": department["id"]}
        ids.append(client.post("/api/v1/catalog/items", headers=admin, json=body).json()["id"])
    _publish(client, db, admin, ids[0], tree.district_a.id)
    # An eligible item that is published in the catalog but not onboarded counts in the denominator only.
    dept = department_token(client, admin, department["id"])
    client.post("/api/dept/v1/onboarding", headers=dept, json={"subject": "item", "subject_id": ids[1]})
    tasks.check_pending(db)
    onboarding = client.get("/api/v1/onboarding?state=in_review", headers=admin).json()["items"][0]
    client.post(f"/api/v1/onboarding/{onboarding['id']}/approve", headers=admin, json={})
    client.post(
        f"/api/v1/onboarding/{onboarding['id']}/publish",
        headers=admin,
        json={"org_node_ids": [tree.site_a.id]},
    )
    client.post(f"/api/v1/onboarding/{onboarding['id']}/withdraw", headers=admin, json={"reason": "停用"})
    by_dept = client.get("/api/v1/onboarding/rates?by=department", headers=admin).json()
    assert [(r["eligible"], r["enabled"], r["rate"]) for r in by_dept] == [(2, 1, 0.5)]
    by_district = {r["name"]: r for r in client.get("/api/v1/onboarding/rates", headers=admin).json()}
    assert (by_district["甲区"]["eligible"], by_district["甲区"]["enabled"]) == (2, 1)
    assert by_district["乙区"]["eligible"] == 0
    history = client.get("/api/v1/onboarding/rates/history?weeks=3", headers=admin).json()
    series = {s["name"]: [p["enabled"] for p in s["points"]] for s in history}
    assert series["甲区"] == [0, 0, 1]


@pytest.mark.skipif(not REAL_LIST.exists(), reason="../shared/data/catalog is absent")
def test_the_real_district_list_imports_whole_and_again_unchanged(
    db_url: str, db: Database, tmp_path: Path
) -> None:
    build(db, create_tree)
    runner = CliRunner()
    report = tmp_path / "report.json"
    first = runner.invoke(cli, ["catalog", "import", str(REAL_LIST), "--db", db_url, "--report", str(report)])
    assert first.exit_code == 0, first.output
    assert "created 1135 items" in first.output and "0 errors" in first.output
    assert '"severity": "warning"' in report.read_text()
    second = runner.invoke(cli, ["catalog", "import", str(REAL_LIST), "--db", db_url])
    assert "created 0 items, 0 new versions, 1135 unchanged" in second.output


def test_an_import_with_errors_writes_nothing(db_url: str, db: Database, tmp_path: Path) -> None:
    build(db, create_tree)
    bad = tmp_path / "bad.csv"
    code = "511A0000000001-511602000000-000-11511301008778183N-1-00"
    good_row = f"区民政局,未分类,婚姻登记预约,{code},1,511602000000,1"
    bad.write_text(
        "department,main_item,name,task_code,task_type,area_code,dept_code\n"
        + good_row
        + "\n区民政局,未分类,,511A0000000002-511602000000-000-11511301008778183N-1-00,1,511602000000,1\n"
    )
    result = CliRunner().invoke(cli, ["catalog", "import", str(bad), "--db", db_url])
    assert result.exit_code == 1 and "NOTHING WRITTEN" in result.output
    assert "row 3 name:" in result.output
    export = tmp_path / "out.json"
    CliRunner().invoke(cli, ["catalog", "export", str(export), "--db", db_url])
    assert json.loads(export.read_text())["items"] == []
    skipped = CliRunner().invoke(cli, ["catalog", "import", str(bad), "--db", db_url, "--skip-invalid"])
    assert skipped.exit_code == 0 and "created 1 items" in skipped.output
