"""Materials at the kiosk: a scan checked by its magic bytes, an e-licence fetched for the citizen, a phone
upload through a one-time QR link; each stored with its SM3 digest and usable in a case."""

import io
import uuid
from datetime import UTC, datetime

import pytest
from PIL import Image

from govkiosk.crypto import sm3
from govkiosk.platform.onboarding import tasks as checks
from tests.catalog_factories import create_department, department_token, item_body
from tests.platform.fleet.conftest import Fleet
from tests.platform.fleet.helpers import API

ZHANG_SAN = "440304198503120312"  # a citizen of the simulated e-licence library


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def item_id(fleet: Fleet) -> int:
    department = create_department(fleet.client, fleet.admin, fleet.tree.city)
    dept = department_token(fleet.client, fleet.admin, department["id"])
    materials = [
        {"name": "居民身份证", "originals": 1, "copies": 0, "elicence_type": "居民身份证"},
        {"name": "户口簿首页", "originals": 1, "copies": 1},
    ]
    body = item_body(department["code"], 1, materials=materials, required_devices=[])
    item = fleet.client.post("/api/dept/v1/items", headers=dept, json=body).json()["id"]
    onboarding = fleet.client.post(
        "/api/dept/v1/onboarding", headers=dept, json={"subject": "item", "subject_id": item}
    )
    checks.check_pending(fleet.db)
    url = f"/api/v1/onboarding/{onboarding.json()['id']}"
    fleet.client.post(f"{url}/approve", headers=fleet.admin, json={})
    fleet.client.post(f"{url}/publish", headers=fleet.admin, json={"org_node_ids": [fleet.tree.city.id]})
    return item


def _scan(fleet: Fleet, headers: dict, item_id: int, slot: str, data: bytes, content_type: str):  # type: ignore[no-untyped-def]
    params = {"item_id": item_id, "item_version": 1, "slot": slot}
    return fleet.client.post(
        f"{API}/materials", params=params, content=data, headers={**headers, "Content-Type": content_type}
    )


def test_a_scan_is_checked_stored_and_referenced_by_a_case(fleet: Fleet, item_id: int) -> None:
    kiosk = fleet.kiosk()
    png = _png()
    stored = _scan(fleet, kiosk.headers, item_id, "户口簿首页", png, "image/png")
    assert stored.status_code == 201, stored.text
    ref = stored.json()
    assert (ref["sm3"], ref["size"], ref["source"]) == (sm3(png).hex(), len(png), "scan")
    lying = _scan(fleet, kiosk.headers, item_id, "户口簿首页", png, "application/pdf")
    assert lying.status_code == 422 and "application/pdf" in lying.json()["error"]["message"]
    unknown = _scan(fleet, kiosk.headers, item_id, "结婚证", png, "image/png")
    assert unknown.status_code == 422 and "结婚证" in unknown.json()["error"]["message"]
    assert _scan(fleet, {}, item_id, "户口簿首页", png, "image/png").status_code == 401
    case = fleet.client.post(
        f"{API}/cases",
        headers=kiosk.headers,
        json={
            "idempotency_key": uuid.uuid4().hex, "item_id": item_id, "item_version": 1, "materials": [ref],
            "applicant": {"name": "张三", "id_number": ZHANG_SAN, "verified_by": "idcard_face"},
            "submitted_at": datetime.now(UTC).isoformat(),
        },
    )  # fmt: skip
    assert case.status_code == 201, case.text


def test_an_e_licence_is_fetched_for_its_holder_only(fleet: Fleet, item_id: int) -> None:
    kiosk = fleet.kiosk()
    found = fleet.client.post(
        f"{API}/elicences/find", headers=kiosk.headers,
        json={"holder_id_number": ZHANG_SAN, "licence_type": "居民身份证"},
    ).json()  # fmt: skip
    assert len(found) == 1 and found[0]["simulated"] is True and found[0]["holder_name"] == "张三"
    attach = {
        "licence_id": found[0]["licence_id"],
        "item_id": item_id,
        "item_version": 1,
        "slot": "居民身份证",
    }
    ref = fleet.client.post(
        f"{API}/elicences/attach", headers=kiosk.headers, json={**attach, "holder_id_number": ZHANG_SAN}
    )
    assert ref.status_code == 201 and ref.json()["source"] == "elicence"
    someone_else = {**attach, "holder_id_number": "440303198711230421"}
    assert (
        fleet.client.post(f"{API}/elicences/attach", headers=kiosk.headers, json=someone_else).status_code
        == 403
    )


def test_a_phone_uploads_once_through_its_link(fleet: Fleet, item_id: int) -> None:
    kiosk = fleet.kiosk()
    link = fleet.client.post(
        f"{API}/uploads",
        headers=kiosk.headers,
        json={"item_id": item_id, "item_version": 1, "slot": "户口簿首页"},
    )
    assert link.status_code == 201, link.text
    token = link.json()["token"]
    assert link.json()["url"].endswith(f"/u/{token}")
    assert fleet.client.get(f"{API}/uploads/{token}", headers=kiosk.headers).json() == {
        "done": False,
        "material": None,
    }
    page = fleet.client.get(f"/u/{token}")
    assert page.status_code == 200 and 'type="file"' in page.text
    files = {"file": ("hukou.png", _png(), "image/png")}
    assert "上传成功" in fleet.client.post(f"/u/{token}", files=files).text
    state = fleet.client.get(f"{API}/uploads/{token}", headers=kiosk.headers).json()
    assert state["done"] is True and state["material"]["source"] == "phone_upload"
    again = fleet.client.post(f"/u/{token}", files=files)
    assert again.status_code == 409 and "已被使用" in again.text
