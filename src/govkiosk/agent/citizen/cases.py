"""The citizen's case at the kiosk: submitting through the outbox, the receipt or the result document (or the
way forward), the text message, the rating (好差评) and the progress query."""

import asyncio
import re
from datetime import datetime
from typing import Any

from govkiosk.agent.citizen.application import field_error
from govkiosk.agent.citizen.desk import CitizenDesk
from govkiosk.agent.citizen.documents import print_document
from govkiosk.agent.citizen.errors import KioskError
from govkiosk.agent.citizen.identity import read_id_number
from govkiosk.agent.citizen.offers import FormOffer
from govkiosk.agent.citizen.qr import qr_svg
from govkiosk.agent.citizen.receipts import LOCAL_TZ, PrintOutcome, print_queued_slip, print_receipt
from govkiosk.agent.sync.client import PlatformRefused, PlatformUnavailable
from govkiosk.agent.sync.outbox import QUEUED_EN, QUEUED_ZH, OutboxEvent
from govkiosk.contracts.terminal_api import FormCheckRequest

FINAL_EVENTS = ("submitted", "dead_letter", "quarantined")
MOBILE = re.compile(r"^1\d{10}$")
_QUERY_TOKEN = re.compile(r"/q/([A-Za-z0-9_-]+)")
STATE_LABELS_EN = {
    "submitted": "Submitted, awaiting acceptance", "supplement_requested": "More documents needed",
    "accepted": "Accepted", "rejected": "Not accepted", "withdrawn": "Withdrawn", "in_review": "Under review",
    "suspended": "Suspended (special procedure)", "approved": "Approved", "denied": "Refused",
    "completed": "Completed", "delivered": "Delivered", "rated": "Rated",
}  # fmt: skip


async def wait_for_delivery(events: Any, entry_id: str, timeout_s: float) -> OutboxEvent | None:
    """The outbox's final word on an entry (submitted, dead letter, quarantined); None after the timeout.
    `events` is the agent (its `outbox_events`, the latest news of its outbox)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        found = final_event(events.outbox_events, entry_id)
        if found is not None or loop.time() >= deadline:
            return found
        await asyncio.sleep(0.05)


def final_event(events: list[OutboxEvent], entry_id: str) -> OutboxEvent | None:
    """The last final event of an entry among the outbox's recent events."""
    return next((e for e in reversed(events) if e.entry_id == entry_id and e.kind in FINAL_EVENTS), None)


# --- submitting -----------------------------------------------------------------------------------------


async def _checked(desk: CitizenDesk, offer: FormOffer, data: dict[str, Any]) -> dict[str, Any]:
    """The data with its computed fields; `invalid_form` listing every field; as it is when offline (the
    platform checks the submission again when it arrives)."""
    try:
        client, token = desk.platform()
        answer = await client.check_form(token, offer.app_id, FormCheckRequest(data=data))
    except (KioskError, PlatformUnavailable):
        return data
    if answer.errors:
        fields = [field_error(e.path, e.message_zh, e.message_en) for e in answer.errors]
        raise KioskError("invalid_form", status=422, errors=fields)
    return answer.data


async def _require_paid(desk: CitizenDesk, offer: FormOffer, payment_id: str | None) -> None:
    item = next((o for o in await desk.offers() if o.subject == "item" and o.id == offer.item_id), None)
    if item is None or not item.content.get("fees"):
        return
    if payment_id is None or payment_id not in desk.record.payments:
        raise KioskError("payment_required", status=402)
    if (await desk.payments.state(payment_id)).state != "paid":
        raise KioskError("payment_required", status=402)


async def submit(
    desk: CitizenDesk, app_id: int, data: dict[str, Any], material_ids: list[str], payment_id: str | None
) -> dict[str, Any]:
    """Into the outbox; the platform's answer when it comes within a few seconds, else `queued`."""
    session = desk.touch()
    offer = await desk.form_offer(app_id)
    await _require_paid(desk, offer, payment_id)
    materials = [desk.material(i).ref for i in material_ids]
    checked = await _checked(desk, offer, desk.with_materials(data))
    phone = checked.get("applicant", {}).get("mobile") if isinstance(checked.get("applicant"), dict) else None
    submission = session.submission(
        item_id=offer.item_id, item_version=offer.item_version, data=checked, materials=materials,
        phone=phone if isinstance(phone, str) and MOBILE.match(phone) else None, app_id=app_id,
        form_version=offer.form_version,
    )  # fmt: skip
    outbox = desk.agent.outbox
    if outbox is None:
        raise KioskError("offline", status=503)
    entry_id = outbox.enqueue(submission)
    desk.record.entries[entry_id] = offer.item_id
    event = await wait_for_delivery(desk.agent, entry_id, desk.timings.submit_wait_s)
    if event is None:
        return {"state": "queued", "entry_id": entry_id, "message": {"zh": QUEUED_ZH, "en": QUEUED_EN}}
    if event.kind != "submitted" or event.case_number is None:
        raise KioskError("submission_refused", status=422, errors=[])
    desk.record.cases.append(event.case_number)
    promised = local_date(event.promised_deadline)
    return {"state": "submitted", "case_number": event.case_number, "promised_date": promised}


# --- the receipt ----------------------------------------------------------------------------------------


def _outcome(outcome: PrintOutcome) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "printed": outcome.printed,
        "message": {"zh": outcome.message_zh, "en": outcome.message_en},
        "simulated": outcome.simulated,
        "kind": outcome.kind,
    }
    if outcome.reason is not None:
        answer["reason"] = outcome.reason
    if outcome.fallback is not None:
        fallback = outcome.fallback
        answer["fallback"] = {
            "case_number": fallback.case_number, "entry_id": fallback.entry_id, "sms": fallback.sms,
            "qr_svg": qr_svg(fallback.qr_url) if fallback.qr_url else None, "url": fallback.qr_url,
        }  # fmt: skip
    return answer


async def print_for(desk: CitizenDesk, *, case_number: str | None, entry_id: str | None) -> dict[str, Any]:
    """The receipt of a case of this session, or the 已排队 slip of an entry still in the outbox."""
    identity = desk.identity()
    if entry_id is not None:
        if entry_id not in desk.record.entries:
            raise KioskError("no_case", status=404)
        delivered = final_event(desk.agent.outbox_events, entry_id)
        if delivered is None or delivered.case_number is None:
            return _outcome(await desk.device_work(_slip(desk, entry_id, identity.name)))
        case_number = delivered.case_number
        desk.record.cases.append(case_number)
    if case_number is None or case_number not in desk.record.cases:
        raise KioskError("no_case", status=404)
    client, token = desk.platform()
    printing = print_receipt(
        client, token, desk.agent.devices, case_number, paper="receipt", phone_known=True
    )
    return _outcome(await desk.device_work(printing))


async def print_document_for(desk: CitizenDesk, case_number: str) -> dict[str, Any]:
    """The result document (e.g. a 参保证明) of a case of this session, once the department delivers it."""
    desk.identity()
    if case_number not in desk.record.cases:
        raise KioskError("no_case", status=404)
    client, token = desk.platform()
    printing = print_document(
        client, token, desk.agent.devices, case_number, wait_s=desk.timings.document_wait_s, phone_known=True
    )
    return _outcome(await desk.device_work(printing))


async def _slip(desk: CitizenDesk, entry_id: str, name: str) -> PrintOutcome:
    queued = next(e for e in desk.agent.outbox_events if e.entry_id == entry_id and e.kind == "queued")
    item_id = desk.record.entries[entry_id]
    item = next((o.name for o in await desk.offers() if o.subject == "item" and o.id == item_id), "")
    return await print_queued_slip(desk.agent.devices, queued, item_name=item, applicant_name=name)


async def send_sms(desk: CitizenDesk, case_number: str, phone: str) -> dict[str, Any]:
    """The case number by text message to the citizen's phone (when nothing could be printed)."""
    desk.touch()
    if case_number not in desk.record.cases:
        raise KioskError("no_case", status=404)
    if not MOBILE.match(phone):
        raise KioskError("phone_invalid", status=422)
    text = f"【政务服务】您的办件编号为{case_number}，可凭身份证在自助终端或扫描回执二维码查询办理进度。"
    await desk.sms.send(phone, text)
    return {"sent": True, "simulated": desk.sms.simulated}


# --- rating and progress --------------------------------------------------------------------------------


async def evaluate(
    desk: CitizenDesk, level: int, case_number: str | None, comment: str | None
) -> dict[str, Any]:
    """The citizen rates their case (or, without one, this session)."""
    session, identity = desk.touch(), desk.identity()
    body: dict[str, Any] = {"level": level, "comment": comment or None}
    if case_number is not None:
        if case_number not in desk.record.cases:
            raise KioskError("no_case", status=404)
        body |= {"subject": "case", "case_number": case_number, "applicant_id_number": identity.id_number}
    else:
        body |= {"subject": "session", "session_ref": session.id}
    client, token = desk.platform()
    answer = await client.evaluate(token, body)
    return {"id": answer["id"]}


async def progress(desk: CitizenDesk, *, qr: str | None, idcard: bool) -> dict[str, Any]:
    """The citizen's cases: by the receipt's QR code, or by their ID card (the session's, or read now)."""
    client, token = desk.platform()
    try:
        if qr is not None:
            match = _QUERY_TOKEN.search(qr)
            if match is None:
                raise KioskError("qr_invalid", status=422)
            found = [await client.progress(match.group(1))]
        elif idcard:
            found = await client.lookup_cases(token, await _id_number(desk))
        else:
            raise KioskError("invalid_request", status=422)
    except PlatformRefused as exc:
        raise KioskError("no_case", status=404) from exc
    return {"cases": [_case_view(c) for c in found]}


async def _id_number(desk: CitizenDesk) -> str:
    """The ID number of the citizen in session, or read from the card on the reader (no session opened)."""
    if desk.session is not None and desk.session.identity is not None:
        return desk.identity().id_number
    return await read_id_number(desk.agent.devices.device_set, timeout_s=desk.timings.card_wait_s)


def _case_view(case: dict[str, Any]) -> dict[str, Any]:
    state = str(case.get("state", ""))
    due = case.get("due_at")
    return {
        "case_number": case.get("case_number"),
        "item": case.get("item_name"),
        "state": state,
        "state_label": {"zh": case.get("state_label", state), "en": STATE_LABELS_EN.get(state, state)},
        "promised_date": local_date(datetime.fromisoformat(due) if isinstance(due, str) else due),
    }


def local_date(moment: datetime | None) -> str | None:
    """The day in Shenzhen of an aware instant (2026-12-18), or None."""
    return moment.astimezone(LOCAL_TZ).date().isoformat() if moment is not None else None
