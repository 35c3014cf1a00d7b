"""Result documents (办理结果/证照): a department delivers a PDF with `complete` (checked, sealed, digested,
audited), and only the kiosk that submitted the case may fetch it, only for a while after it arrived."""

import base64
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text

from govkiosk.crypto import sm3
from govkiosk.crypto.signing import sign_headers
from govkiosk.platform.cases import repository
from govkiosk.platform.core.clock import utcnow
from tests.platform.fleet.conftest import Fleet
from tests.platform.fleet.helpers import API, Kiosk
from tests.platform.fleet.test_cases import _submission

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def _event(
    fleet: Fleet, world: dict, case_number: str, action: str, document: Any = None, key: str | None = None
) -> httpx.Response:
    path = f"/api/dept/v1/cases/{case_number}/events"
    event: dict[str, Any] = {"event_id": uuid.uuid4().hex, "action": action}
    if document is not None:
        event["document"] = document
    body = json.dumps(event).encode()
    signed = sign_headers("POST", path, body, hmac_key=bytes.fromhex(key or world["secret"]))
    headers = {**world["dept"], **signed, "Content-Type": "application/json"}
    return fleet.client.post(path, content=body, headers=headers)


def _pdf(data: bytes = PDF, content_type: str = "application/pdf") -> dict[str, str]:
    return {
        "content_base64": base64.b64encode(data).decode(),
        "content_type": content_type,
        "title": "参保证明",
    }


def _submitted(fleet: Fleet, world: dict, kiosk: Kiosk) -> str:
    answer = fleet.client.post(f"{API}/cases", json=_submission(world["item_id"]), headers=kiosk.headers)
    return str(answer.json()["case_number"])


def _code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def test_a_department_delivers_a_checked_sealed_document(fleet: Fleet, world: dict) -> None:
    kiosk, other = fleet.kiosk(), fleet.kiosk("SN-2")
    case_number = _submitted(fleet, world, kiosk)
    document = f"{API}/cases/{case_number}/document"
    not_ready = fleet.client.get(document, headers=kiosk.headers)
    assert not_ready.status_code == 409 and _code(not_ready) == "document_not_ready"
    wrong_step = _event(fleet, world, case_number, "accept", _pdf())
    assert wrong_step.status_code == 422 and _code(wrong_step) == "document_not_allowed"
    for action in ("accept", "start_review", "approve"):
        assert _event(fleet, world, case_number, action).status_code == 200

    bad_base64 = {"content_base64": "%%% not base64 %%%", "content_type": "application/pdf"}
    assert _code(_event(fleet, world, case_number, "complete", bad_base64)) == "document_invalid"
    assert _code(_event(fleet, world, case_number, "complete", _pdf(PNG, "image/png"))) == (
        "material_type_not_allowed"
    )
    assert _code(_event(fleet, world, case_number, "complete", _pdf(PDF, "image/jpeg"))) == (
        "material_type_mismatch"
    )
    fleet.app.state.support.max_bytes = len(PDF) - 1
    too_large = _event(fleet, world, case_number, "complete", _pdf())
    assert too_large.status_code == 422 and _code(too_large) == "material_too_large"
    fleet.app.state.support.max_bytes = 1024 * 1024
    forged = _event(fleet, world, case_number, "complete", _pdf(), key="00" * 32)
    assert forged.status_code == 401
    assert fleet.client.get(document, headers=kiosk.headers).status_code == 409  # nothing was kept

    completed = _event(fleet, world, case_number, "complete", _pdf())
    assert completed.status_code == 200, completed.text
    assert completed.json()["state"] == "completed" and completed.json()["document_sm3"] == sm3(PDF).hex()
    fetched = fleet.client.get(document, headers=kiosk.headers)
    assert fetched.status_code == 200 and fetched.content == PDF
    assert (
        fetched.headers["content-type"] == "application/pdf"
        and fetched.headers["cache-control"] == "no-store"
    )
    assert fetched.headers["x-document-sm3"] == sm3(PDF).hex()
    assert fleet.client.get(document, headers=other.headers).status_code == 404  # another kiosk's case

    entry = _stored_entry(fleet, case_number)
    assert (entry["slot"], entry["source"], entry["size"]) == ("办理结果", "department", len(PDF))
    sealed = fleet.app.state.support.store.inner.get(entry["object_key"])
    assert not sealed.startswith(b"%PDF") and b"trailer" not in sealed  # sealed at rest
    receipt = fleet.client.get(f"{API}/cases/{case_number}/receipt?format=text", headers=kiosk.headers)
    assert ". 办理结果" not in receipt.text  # the receipt lists only what the citizen handed in
    _assert_audited(fleet, case_number)


def _stored_entry(fleet: Fleet, case_number: str) -> dict[str, Any]:
    with fleet.db.session(write=False) as session:
        case = repository.by_number(session, case_number)
        assert case is not None
        return next(m for m in case.materials if m.get("source") == "department")


def _assert_audited(fleet: Fleet, case_number: str) -> None:
    with fleet.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT action, outcome, detail FROM audit_events")).all()
    kept = [detail for action, outcome, detail in rows if action == "case.result_document"]
    assert len(kept) == 1 and case_number in str(kept[0])
    refused = " ".join(str(d) for a, o, d in rows if o == "failed" and "/events" in str(a))
    for code in ("document_invalid", "material_type_not_allowed", "material_too_large", "unauthenticated"):
        assert code in refused


def test_the_document_is_printable_only_for_a_while(fleet: Fleet, world: dict) -> None:
    kiosk = fleet.kiosk()
    case_number = _submitted(fleet, world, kiosk)
    for action in ("accept", "start_review", "approve"):
        _event(fleet, world, case_number, action)
    assert _event(fleet, world, case_number, "complete").status_code == 200
    document = f"{API}/cases/{case_number}/document"
    none = fleet.client.get(document, headers=kiosk.headers)
    assert none.status_code == 404 and _code(none) == "no_document"  # completed without one: stop waiting
    assert _event(fleet, world, case_number, "deliver", _pdf()).status_code == 200  # delivered with it
    assert fleet.client.get(document, headers=kiosk.headers).status_code == 200
    window = fleet.app.state.settings.result_document_window_s
    with fleet.db.session(write=True) as session:  # the document arrived longer ago than the window
        case = repository.by_number(session, case_number)
        assert case is not None
        earlier = (utcnow() - timedelta(seconds=window + 60)).isoformat()
        case.materials = [{**m, "attached_at": earlier} for m in case.materials]
    expired = fleet.client.get(document, headers=kiosk.headers)
    assert expired.status_code == 410 and _code(expired) == "document_expired"
    assert "department keeps it" in expired.json()["error"]["message"]
