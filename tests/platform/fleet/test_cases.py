"""A case's journey: a kiosk submits (idempotently), a signed webhook reaches the department (at least once,
dead letter, replay), the department's signed callbacks move it through the state machine, citizens follow
it by the receipt's code or their ID card, operators see it masked."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from govkiosk.crypto.signing import sign_headers, verify_headers
from govkiosk.platform.connectors import tasks as webhooks
from govkiosk.platform.onboarding import tasks as checks
from tests.catalog_factories import create_department, department_token, item_body
from tests.platform.fleet.conftest import Fleet
from tests.platform.fleet.helpers import API

ID_NUMBER = "44030419900101002X"  # a well-formed test number (check digit X)


def _id(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


CITIZEN = _id("44030419900101002")


@pytest.fixture
def world(fleet: Fleet) -> dict:
    department = create_department(fleet.client, fleet.admin, fleet.tree.city)
    dept = department_token(fleet.client, fleet.admin, department["id"])
    body = item_body(department["code"], 1, promised_limit={"value": 5})
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
    return {"department": department, "dept": dept, "item_id": item_id, "secret": endpoint["hmac_secret"]}


def _submission(item_id: int, key: str | None = None) -> dict:
    return {
        "idempotency_key": key or uuid.uuid4().hex,
        "item_id": item_id,
        "item_version": 1,
        "data": {"purpose": "办理居住证"},
        "applicant": {
            "name": "张小三",
            "id_number": CITIZEN,
            "phone": "13800138000",
            "verified_by": "idcard_face",
        },
        "submitted_at": datetime.now(UTC).isoformat(),
    }


def _callback(
    fleet: Fleet, world: dict, case_number: str, action: str, event_id: str | None = None, key=None
):  # type: ignore[no-untyped-def]  # noqa: ANN001
    path = f"/api/dept/v1/cases/{case_number}/events"
    body = (
        f'{{"event_id": "{event_id or uuid.uuid4().hex}", "action": "{action}", "reason": "模拟"}}'.encode()
    )
    signed = sign_headers("POST", path, body, hmac_key=bytes.fromhex(key or world["secret"]))
    return fleet.client.post(
        path, content=body, headers={**world["dept"], **signed, "Content-Type": "application/json"}
    )


def test_a_retried_submission_is_the_same_case(fleet: Fleet, world: dict) -> None:
    kiosk = fleet.kiosk()
    body = _submission(world["item_id"], key="retry-key-000000001")
    first = fleet.client.post(f"{API}/cases", json=body, headers=kiosk.headers)
    assert first.status_code == 201, first.text
    again = fleet.client.post(f"{API}/cases", json=body, headers=kiosk.headers)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["case_number"] == first.json()["case_number"]
    other = fleet.client.post(f"{API}/cases", json=_submission(world["item_id"]), headers=kiosk.headers)
    assert other.json()["case_number"] != first.json()["case_number"]
    assert first.json()["case_number"].startswith("K")


def test_bad_submissions_are_refused_with_the_field_named(fleet: Fleet, world: dict) -> None:
    kiosk = fleet.kiosk()
    wrong_digit = _submission(world["item_id"])
    wrong_digit["applicant"]["id_number"] = CITIZEN[:-1] + ("1" if CITIZEN[-1] != "1" else "2")
    answer = fleet.client.post(f"{API}/cases", json=wrong_digit, headers=kiosk.headers)
    assert answer.status_code == 422 and "applicant.id_number" in answer.json()["error"]["message"]
    unpublished = {**_submission(world["item_id"]), "item_version": 9}
    assert fleet.client.post(f"{API}/cases", json=unpublished, headers=kiosk.headers).status_code == 422
    assert fleet.client.post(f"{API}/cases", json=_submission(world["item_id"])).status_code == 401


def test_webhooks_are_signed_retried_dead_lettered_and_replayed(fleet: Fleet, world: dict) -> None:
    kiosk = fleet.kiosk()
    fleet.client.post(f"{API}/cases", json=_submission(world["item_id"]), headers=kiosk.headers)
    seen: list[dict] = []
    healthy = {"up": False}

    def department(request: httpx.Request) -> httpx.Response:
        verify_headers(
            "POST",
            request.url.path,
            request.content,
            request.headers,
            hmac_key=bytes.fromhex(world["secret"]),
        )
        if not healthy["up"]:
            return httpx.Response(503, text="down for maintenance")
        seen.append(httpx.Response(200, content=request.content).json())
        return httpx.Response(200, json={"ok": True})

    client = httpx.Client(transport=httpx.MockTransport(department))
    assert webhooks.deliver_once(fleet.db, sealer=fleet.app.state.sealer, client=client) == 1
    messages = fleet.client.get("/api/v1/webhooks", headers=fleet.admin).json()["items"]
    assert (messages[0]["state"], messages[0]["attempts"]) == ("pending", 1) and "503" in messages[0][
        "last_error"
    ]
    assert (
        webhooks.deliver_once(fleet.db, sealer=fleet.app.state.sealer, client=client) == 0
    )  # not due yet: backoff
    _make_due(fleet)
    webhooks.deliver_once(fleet.db, sealer=fleet.app.state.sealer, client=client)
    _make_due(fleet)
    webhooks.deliver_once(fleet.db, sealer=fleet.app.state.sealer, client=client)
    dead = fleet.client.get("/api/v1/webhooks?state=dead", headers=fleet.admin).json()["items"]
    assert len(dead) == 1 and dead[0]["attempts"] == 3
    healthy["up"] = True
    replayed = fleet.client.post(f"/api/v1/webhooks/{dead[0]['id']}/replay", headers=fleet.admin)
    assert replayed.json()["state"] == "pending"
    webhooks.deliver_once(fleet.db, sealer=fleet.app.state.sealer, client=client)
    assert [m["type"] for m in seen] == ["case.submitted"]
    assert seen[0]["case"]["applicant"]["id_number"] == CITIZEN  # the department gets what it needs


def _make_due(fleet: Fleet) -> None:
    from sqlalchemy import update

    from govkiosk.platform.connectors.models import OutboundMessage

    with fleet.db.session(write=True) as session:
        session.execute(update(OutboundMessage).values(next_attempt_at=datetime(2000, 1, 1, tzinfo=UTC)))


def test_department_callbacks_follow_the_state_machine_and_are_idempotent(fleet: Fleet, world: dict) -> None:
    kiosk = fleet.kiosk()
    case_number = fleet.client.post(
        f"{API}/cases", json=_submission(world["item_id"]), headers=kiosk.headers
    ).json()["case_number"]
    accepted = _callback(fleet, world, case_number, "accept", event_id="evt-accept-0001")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted" and accepted.json()["due_at"] is not None
    repeat = _callback(fleet, world, case_number, "accept", event_id="evt-accept-0001")
    assert repeat.json() == {**accepted.json(), "duplicate": True}
    assert _callback(fleet, world, case_number, "deliver").status_code == 409  # not completed yet
    with fleet.db.engine.connect() as conn:  # a refused callback leaves an audit record
        from sqlalchemy import text

        refused = conn.execute(
            text("SELECT outcome, detail FROM audit_events WHERE outcome = 'failed'")
        ).all()
    assert any("invalid_transition" in str(detail) for _outcome, detail in refused)
    assert _callback(fleet, world, case_number, "start_review", key="00" * 32).status_code == 401
    for action in ("start_review", "approve", "complete", "deliver"):
        assert _callback(fleet, world, case_number, action).status_code == 200
    case = fleet.client.get("/api/v1/cases", headers=fleet.admin).json()["items"][0]
    assert case["state"] == "delivered"
    assert [s["to_state"] for s in case["steps"]] == [
        "submitted",
        "accepted",
        "in_review",
        "approved",
        "completed",
        "delivered",
    ]
    assert case["applicant_id_number"] == CITIZEN[:4] + "*" * 10 + CITIZEN[-4:]
    assert case["applicant_name"] == "张*三"
    other = create_department(fleet.client, fleet.admin, fleet.tree.city, seed=2)
    stranger = department_token(fleet.client, fleet.admin, other["id"])
    path = f"/api/dept/v1/cases/{case_number}/events"
    body = b'{"event_id": "evt-x-000001", "action": "accept"}'
    assert fleet.client.post(path, content=body, headers=stranger).status_code == 404


def test_citizens_follow_their_case_by_receipt_code_and_id_card(fleet: Fleet, world: dict) -> None:
    from govkiosk.platform.cases import repository

    kiosk = fleet.kiosk()
    receipt = fleet.client.post(
        f"{API}/cases", json=_submission(world["item_id"]), headers=kiosk.headers
    ).json()
    with fleet.db.session(write=False) as session:
        token = repository.by_number(session, receipt["case_number"]).query_token
    progress = fleet.client.get(f"/api/public/v1/progress/{token}").json()
    assert (progress["case_number"], progress["state_label"], progress["applicant"]) == (
        receipt["case_number"],
        "已提交，待受理",
        "张*三",
    )
    assert CITIZEN not in str(progress)
    page = fleet.client.get(f"/q/{token}")
    assert page.status_code == 200 and receipt["case_number"] in page.text and "已提交，待受理" in page.text
    assert CITIZEN not in page.text and "张小三" not in page.text
    assert fleet.client.get("/q/nope").status_code == 404
    assert fleet.client.get("/api/public/v1/progress/not-a-real-token").status_code == 404
    mine = fleet.client.post(f"{API}/cases/lookup", json={"id_number": CITIZEN}, headers=kiosk.headers).json()
    assert [c["case_number"] for c in mine] == [receipt["case_number"]]


def test_form_data_is_checked_against_the_apps_form(fleet: Fleet, world: dict) -> None:
    from govkiosk.platform.support.forms.examples import insurance_certificate_print

    form = insurance_certificate_print(item_id=world["item_id"], item_version=1)
    app = fleet.client.post(
        "/api/dept/v1/apps", headers=world["dept"],
        json={"name": "参保证明打印", "kind": "form", "item_id": world["item_id"], "form_definition": form},
    ).json()  # fmt: skip
    onboarding = fleet.client.post(
        "/api/dept/v1/onboarding", headers=world["dept"], json={"subject": "app", "subject_id": app["id"]}
    )
    checks.check_pending(fleet.db)
    url = f"/api/v1/onboarding/{onboarding.json()['id']}"
    assert fleet.client.post(f"{url}/approve", headers=fleet.admin, json={}).status_code == 200
    fleet.client.post(f"{url}/publish", headers=fleet.admin, json={"org_node_ids": [fleet.tree.city.id]})
    kiosk = fleet.kiosk()
    bad = {**_submission(world["item_id"]), "app_id": app["id"], "data": {"purpose": "nowhere"}}
    answer = fleet.client.post(f"{API}/cases", json=bad, headers=kiosk.headers)
    message = answer.json()["error"]["message"]
    assert answer.status_code == 422 and "data.period" in message and "data.purpose" in message  # every field
    good = {**bad, "idempotency_key": uuid.uuid4().hex,
            "data": {"purpose": "school", "period": {"from": "2025-01-01", "to": "2025-12-31"}}}  # fmt: skip
    assert fleet.client.post(f"{API}/cases", json=good, headers=kiosk.headers).status_code == 201


def test_ratings_once_each_and_a_poor_one_opens_a_followup(fleet: Fleet, world: dict) -> None:
    kiosk = fleet.kiosk()
    case_number = fleet.client.post(
        f"{API}/cases", json=_submission(world["item_id"]), headers=kiosk.headers
    ).json()["case_number"]
    for action in ("accept", "start_review", "approve", "complete", "deliver"):
        _callback(fleet, world, case_number, action)
    rating = {
        "subject": "case",
        "case_number": case_number,
        "applicant_id_number": CITIZEN,
        "level": 1,
        "comment": "等太久",
    }
    first = fleet.client.post(f"{API}/evaluations", json=rating, headers=kiosk.headers)
    assert first.status_code == 201, first.text
    assert first.json()["followup_state"] == "open" and first.json()["followup_due_at"] is not None
    again = fleet.client.post(f"{API}/evaluations", json={**rating, "level": 5}, headers=kiosk.headers)
    assert again.status_code == 200 and again.json()["level"] == 1  # rated once
    someone = {**rating, "applicant_id_number": "11010519491231002X"}
    assert fleet.client.post(f"{API}/evaluations", json=someone, headers=kiosk.headers).status_code == 404
    session_rating = {
        "subject": "session",
        "session_ref": "session-0001",
        "level": 5,
        "item_id": world["item_id"],
    }
    assert (
        fleet.client.post(f"{API}/evaluations", json=session_rating, headers=kiosk.headers).status_code == 201
    )
    cases = fleet.client.get("/api/v1/cases", headers=fleet.admin).json()["items"]
    assert cases[0]["state"] == "rated"
    by_item = fleet.client.get("/api/v1/evaluations/figures?by=item", headers=fleet.admin).json()
    assert [(f["count"], f["average"], f["poor"], f["followups_open"]) for f in by_item] == [(2, 3.0, 1, 1)]
    by_kiosk = fleet.client.get("/api/v1/evaluations/figures?by=terminal", headers=fleet.admin).json()
    assert by_kiosk[0]["name"].startswith("SN-")
    open_ = fleet.client.get("/api/v1/evaluations/followups", headers=fleet.admin).json()
    assert open_["total"] == 1
    evaluation_id = open_["items"][0]["id"]
    assert (
        fleet.client.post(
            f"/api/v1/evaluations/{evaluation_id}/close", json={"note": ""}, headers=fleet.admin
        ).status_code
        == 422
    )
    closed = fleet.client.post(
        f"/api/v1/evaluations/{evaluation_id}/close",
        json={"note": "已致电回访，增派窗口人员"},
        headers=fleet.admin,
    )
    assert closed.json()["followup_state"] == "closed" and closed.json()["followup_by"] == "admin"


def test_the_kiosk_prints_the_receipt_of_its_own_cases(fleet: Fleet, world: dict) -> None:
    import io

    from PIL import Image
    from pypdf import PdfReader

    kiosk, other = fleet.kiosk(), fleet.kiosk("SN-2")
    case_number = fleet.client.post(
        f"{API}/cases", json=_submission(world["item_id"]), headers=kiosk.headers
    ).json()["case_number"]
    pdf = fleet.client.get(f"{API}/cases/{case_number}/receipt", headers=kiosk.headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert case_number in text and CITIZEN not in text and CITIZEN[-4:] in text
    png = fleet.client.get(f"{API}/cases/{case_number}/receipt?format=png-80", headers=kiosk.headers)
    assert Image.open(io.BytesIO(png.content)).size[0] == 576
    lines = fleet.client.get(f"{API}/cases/{case_number}/receipt?format=text", headers=kiosk.headers).text
    assert case_number in lines and "张*三" in lines
    assert fleet.client.get(f"{API}/cases/{case_number}/receipt", headers=other.headers).status_code == 404
