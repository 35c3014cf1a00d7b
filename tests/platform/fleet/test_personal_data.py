"""Personal data at rest: sealed in the database and the object store, opened only for the department and
the receipt, masked for everyone else, erased after the item's retention period; a reused idempotency key
with other content is refused."""

import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image
from sqlalchemy import text

from govkiosk.crypto.signing import sign_headers
from govkiosk.platform.cases import tasks as purge
from govkiosk.platform.connectors import tasks as webhooks
from govkiosk.platform.onboarding import tasks as checks
from tests.catalog_factories import create_department, department_token, item_body
from tests.platform.fleet.conftest import Fleet
from tests.platform.fleet.helpers import API
from tests.platform.fleet.test_cases import CITIZEN

PHONE = "13912345678"
SLOT = "户口簿首页"
RETENTION_DAYS = 30


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def world(fleet: Fleet) -> dict:
    department = create_department(fleet.client, fleet.admin, fleet.tree.city)
    dept = department_token(fleet.client, fleet.admin, department["id"])
    materials = [{"name": SLOT, "originals": 1, "copies": 1}]
    body = item_body(
        department["code"], 1, promised_limit={"value": 5}, retention_days=RETENTION_DAYS,
        required_devices=[], materials=materials,
    )  # fmt: skip
    item_id = fleet.client.post("/api/dept/v1/items", headers=dept, json=body).json()["id"]
    onboarding = fleet.client.post(
        "/api/dept/v1/onboarding", headers=dept, json={"subject": "item", "subject_id": item_id}
    )
    checks.check_pending(fleet.db)
    url = f"/api/v1/onboarding/{onboarding.json()['id']}"
    fleet.client.post(f"{url}/approve", headers=fleet.admin, json={})
    fleet.client.post(f"{url}/publish", headers=fleet.admin, json={"org_node_ids": [fleet.tree.city.id]})
    endpoint = fleet.client.put(
        f"/api/v1/catalog/departments/{department['id']}/endpoint", headers=fleet.admin,
        json={"url": "http://department.test/hooks", "max_attempts": 3},
    ).json()  # fmt: skip
    return {"dept": dept, "item_id": item_id, "secret": endpoint["hmac_secret"], "kiosk": fleet.kiosk()}


def _submit(fleet: Fleet, world: dict, key: str | None = None, **changes: object) -> httpx.Response:
    body = {
        "idempotency_key": key or uuid.uuid4().hex, "item_id": world["item_id"], "item_version": 1,
        "data": {"purpose": "办理居住证", "address": "福田区深南大道1号"},
        "applicant": {"name": "张小三", "id_number": CITIZEN, "phone": PHONE, "verified_by": "idcard_face"},
        "submitted_at": "2026-11-28T02:00:00+00:00", **changes,
    }  # fmt: skip
    return fleet.client.post(f"{API}/cases", json=body, headers=world["kiosk"].headers)


def _raw_case(fleet: Fleet, case_number: str) -> dict:
    with fleet.db.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM cases WHERE case_number = :n"), {"n": case_number})
        return dict(row.mappings().one())


def _scan(fleet: Fleet, world: dict, data: bytes) -> dict:
    params = {"item_id": world["item_id"], "item_version": 1, "slot": SLOT}
    headers = {**world["kiosk"].headers, "Content-Type": "image/png"}
    stored = fleet.client.post(f"{API}/materials", params=params, content=data, headers=headers)
    assert stored.status_code == 201, stored.text
    return stored.json()


def test_the_database_row_holds_no_plain_personal_data(fleet: Fleet, world: dict) -> None:
    case_number = _submit(fleet, world).json()["case_number"]
    row = _raw_case(fleet, case_number)
    dump = repr(row)
    for secret in (CITIZEN, CITIZEN[6:14], PHONE, "张小三", "深南大道"):
        assert secret not in dump, secret
    assert row["applicant_id_number_sealed"].startswith("v1:dev-")
    with fleet.db.engine.connect() as conn:  # the department's webhook waiting in the outbox is sealed too
        payloads = [str(r[0]) for r in conn.execute(text("SELECT payload FROM outbound_messages"))]
    assert payloads and all(CITIZEN not in p and "张小三" not in p for p in payloads)
    assert row["applicant_id_number_masked"] == CITIZEN[:4] + "*" * 10 + CITIZEN[-4:]
    listed = fleet.client.get("/api/v1/cases", headers=fleet.admin).json()["items"][0]
    assert (listed["applicant_id_number"], listed["applicant_name"]) == (
        row["applicant_id_number_masked"],
        "张*三",
    )
    receipt = fleet.client.get(
        f"{API}/cases/{case_number}/receipt?format=text", headers=world["kiosk"].headers
    )
    assert "张*三" in receipt.text and CITIZEN not in receipt.text and CITIZEN[-4:] in receipt.text


def test_the_department_still_gets_everything(fleet: Fleet, world: dict) -> None:
    _submit(fleet, world)
    seen: list[dict] = []

    def department(request: httpx.Request) -> httpx.Response:
        seen.append(httpx.Response(200, content=request.content).json())
        return httpx.Response(200, json={"ok": True})

    webhooks.deliver_once(
        fleet.db,
        sealer=fleet.app.state.sealer,
        client=httpx.Client(transport=httpx.MockTransport(department)),
    )
    applicant = seen[0]["case"]["applicant"]
    assert (applicant["id_number"], applicant["phone"], applicant["name"]) == (CITIZEN, PHONE, "张小三")
    assert seen[0]["case"]["data"]["address"] == "福田区深南大道1号"
    listed = fleet.client.get("/api/dept/v1/cases", headers=world["dept"]).json()["items"][0]
    assert listed["applicant"]["id_number"] == CITIZEN and listed["data"]["purpose"] == "办理居住证"


def test_materials_are_sealed_on_disk(fleet: Fleet, world: dict) -> None:
    png = _png()
    ref = _scan(fleet, world, png)
    root = fleet.app.state.settings.materials_dir
    on_disk = (root / ref["object_key"]).read_bytes()
    assert png not in on_disk and not on_disk.startswith(b"\x89PNG") and on_disk.startswith(b"v1:")
    assert png[-40:] not in on_disk
    assert fleet.app.state.support.store.get(ref["object_key"]) == png


def test_a_reused_idempotency_key_with_other_content_is_refused(fleet: Fleet, world: dict) -> None:
    first = _submit(fleet, world, key="reused-key-000000001")
    assert first.status_code == 201, first.text
    retry = _submit(fleet, world, key="reused-key-000000001")
    assert retry.status_code == 200 and retry.json()["case_number"] == first.json()["case_number"]
    other = _submit(fleet, world, key="reused-key-000000001", data={"purpose": "别的事"})
    assert other.status_code == 422, other.text
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert "different submission" in other.json()["error"]["message"]


def _reject(fleet: Fleet, world: dict, case_number: str) -> None:
    path = f"/api/dept/v1/cases/{case_number}/events"
    body = f'{{"event_id": "{uuid.uuid4().hex}", "action": "reject", "reason": "材料不全"}}'.encode()
    signed = sign_headers("POST", path, body, hmac_key=bytes.fromhex(world["secret"]))
    headers = {**world["dept"], **signed, "Content-Type": "application/json"}
    answer = fleet.client.post(path, content=body, headers=headers)
    assert answer.status_code == 200, answer.text


def test_the_purge_erases_old_closed_cases_and_keeps_their_statistics(fleet: Fleet, world: dict) -> None:
    ref = _scan(fleet, world, _png())
    closed = _submit(fleet, world, materials=[ref]).json()["case_number"]
    open_ = _submit(fleet, world).json()["case_number"]
    _reject(fleet, world, closed)
    store, settings = fleet.app.state.support.store, fleet.app.state.settings
    closed_at = _raw_case(fleet, closed)["closed_at"]
    assert closed_at is not None
    early = datetime.now(UTC) + timedelta(days=RETENTION_DAYS - 1)
    assert purge.purge_once(fleet.db, store, settings, now=early) == 0  # within the item's retention
    later = datetime.now(UTC) + timedelta(days=RETENTION_DAYS + 1)
    assert purge.purge_once(fleet.db, store, settings, now=later) == 1
    assert purge.purge_once(fleet.db, store, settings, now=later) == 0  # nothing left to do
    row = _raw_case(fleet, closed)
    assert row["applicant_id_number_sealed"] == row["applicant_name_sealed"] == row["data_sealed"] == "purged"
    assert row["applicant_phone_sealed"] is None and row["applicant_digest"] is None
    assert row["purged_at"] is not None and not store.exists(ref["object_key"])
    for kept in ("case_number", "item_id", "item_version", "state", "department_id", "received_at"):
        assert row[kept] is not None, kept
    assert (row["state"], row["closed_at"]) == ("rejected", closed_at)
    still = _raw_case(fleet, open_)
    assert still["purged_at"] is None and still["applicant_id_number_sealed"].startswith("v1:")
    mine = fleet.client.post(
        f"{API}/cases/lookup", json={"id_number": CITIZEN}, headers=world["kiosk"].headers
    ).json()
    assert [c["case_number"] for c in mine] == [open_]
    listed = {
        c["case_number"]: c for c in fleet.client.get("/api/v1/cases", headers=fleet.admin).json()["items"]
    }
    assert listed[closed]["applicant_id_number"] == "已清除" and listed[closed]["state"] == "rejected"
    dept = {
        c["case_number"]: c
        for c in fleet.client.get("/api/dept/v1/cases", headers=world["dept"]).json()["items"]
    }
    assert dept[closed]["applicant"]["id_number"] is None and dept[closed]["data"] == {}
    with fleet.db.engine.connect() as conn:
        events = conn.execute(text("SELECT detail FROM audit_events WHERE action = 'cases.purged'")).all()
    assert len(events) == 1 and closed in str(events[0][0]) and CITIZEN not in str(events[0][0])
    with fleet.db.engine.connect() as conn:
        kept = conn.execute(
            text(
                "SELECT m.payload FROM outbound_messages m JOIN cases c ON c.id = m.case_id"
                " WHERE c.case_number = :n"
            ),
            {"n": closed},
        ).all()
    assert kept and all("purged" in str(r[0]) for r in kept)
