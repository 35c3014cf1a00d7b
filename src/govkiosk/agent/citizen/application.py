"""Filling in an application at the kiosk: the form's prefill and step checks (the platform's form engine),
the materials (document camera, e-licence, the citizen's phone, the on-screen signature) and the fee.

Each function serves one call of the local API for the citizen in session; what the platform stores comes back
as a reference the desk keeps under an opaque id, and what the browser gets is masked or opaque.
"""

import base64
import binascii
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from govkiosk.agent.citizen.desk import CitizenDesk
from govkiosk.agent.citizen.errors import KioskError
from govkiosk.agent.citizen.materials import attach_licence, find_licence, scan, upload_scan
from govkiosk.agent.citizen.payment import PaymentNotFound
from govkiosk.agent.citizen.qr import qr_svg
from govkiosk.agent.devices.base import DeviceError
from govkiosk.agent.sync.client import PlatformRefused, PlatformUnavailable
from govkiosk.contracts.masking import mask_id_number
from govkiosk.contracts.terminal_api import SIGNATURE_SLOT, FormCheckRequest, FormPrefillRequest, MaterialRef
from govkiosk.crypto import sm3

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def prefill(desk: CitizenDesk, app_id: int) -> dict[str, Any]:
    """The form's initial data: the identity (for the citizen to check) and what their e-licences say."""
    identity = desk.identity()
    await desk.form_offer(app_id)
    client, token = desk.platform()
    request = FormPrefillRequest(name=identity.name, id_number=identity.id_number)
    answer = await client.prefill_form(token, app_id, request)
    desk.touch()
    return {"data": answer.data}


async def check(desk: CitizenDesk, app_id: int, data: dict[str, Any], step: str | None) -> dict[str, Any]:
    """One step's problems and the data with its computed fields; `offline` when the platform cannot check."""
    desk.touch()
    await desk.form_offer(app_id)
    client, token = desk.platform()
    try:
        answer = await client.check_form(
            token, app_id, FormCheckRequest(data=desk.with_materials(data), step=step)
        )
    except PlatformUnavailable:
        return {"errors": [], "data": data, "offline": True}
    desk.require_session().save_draft(str(app_id), data)
    return {
        "errors": [field_error(e.path, e.message_zh, e.message_en) for e in answer.errors],
        "data": answer.data,
    }


def field_error(path: str, zh: str, en: str) -> dict[str, Any]:
    """One field's problem as the UI marks it."""
    return {"path": path, "message": {"zh": zh, "en": en}}


def _ref_view(stored_id: str, ref: MaterialRef) -> dict[str, Any]:
    return {"id": stored_id, "digest_short": ref.sm3[:8], "size": ref.size, "slot": ref.slot}


async def scan_material(desk: CitizenDesk, slot: str, app_id: int) -> dict[str, Any]:
    """A page from the document camera, stored for the slot; its reference and a preview come back."""
    session = desk.touch()
    offer = await desk.form_offer(app_id)
    try:
        page = await desk.device_work(scan(desk.agent.devices.device_set))
    except (DeviceError, TimeoutError, ValueError) as exc:
        raise KioskError("scan_failed", status=503) from exc
    session.add_material(slot, page)
    client, token = desk.platform()
    try:
        ref = await upload_scan(client, token, offer, slot, bytes(session.materials[slot]))
    finally:
        session.discard_material(slot)
    stored = desk.keep_material(ref)
    preview = "data:image/jpeg;base64," + base64.b64encode(page).decode()
    return {"ref": _ref_view(stored.id, ref), "preview": preview}


async def attach_elicence(desk: CitizenDesk, slot: str, app_id: int) -> dict[str, Any]:
    """The citizen's e-licence for the slot (the item's material says which type can replace it)."""
    identity = desk.identity()
    offer = await desk.form_offer(app_id)
    item = next(o for o in await desk.offers() if o.subject == "item" and o.id == offer.item_id)
    material = next((m for m in item.content.get("materials", []) if m.get("name") == slot), None)
    licence_type = (material or {}).get("elicence_type") or slot
    client, token = desk.platform()
    licence = await find_licence(client, token, identity.id_number, licence_type)
    if licence is None:
        raise KioskError("no_licence", status=404)
    ref = await attach_licence(client, token, offer, slot, licence)
    stored = desk.keep_material(ref)
    number = str(licence.get("number") or "")
    view = {"type": licence_type, "number_masked": mask_id_number(number)}
    return {"ref": _ref_view(stored.id, ref), "licence": view}


async def start_phone_upload(desk: CitizenDesk, slot: str, app_id: int) -> dict[str, Any]:
    """A one-time link for the citizen's phone to upload the slot's material (shown as a QR code)."""
    desk.touch()
    offer = await desk.form_offer(app_id)
    client, token = desk.platform()
    body = {"item_id": offer.item_id, "item_version": offer.item_version, "slot": slot}
    link = await client.start_phone_upload(token, body)
    desk.record.phone_uploads[link["token"]] = (slot, app_id)
    expires_in = (datetime.fromisoformat(link["expires_at"]) - datetime.now(UTC)).total_seconds()
    return {"token": link["token"], "qr_svg": qr_svg(link["url"]), "url": link["url"],
            "expires_in": max(int(expires_in), 0)}  # fmt: skip


async def phone_upload_state(desk: CitizenDesk, slot: str, upload_token: str) -> dict[str, Any]:
    """Whether the phone has uploaded: waiting, received (with the reference) or expired."""
    desk.require_session()
    if desk.record.phone_uploads.get(upload_token, ("", 0))[0] != slot:
        raise KioskError("not_found", status=404)
    client, token = desk.platform()
    try:
        state = await client.phone_upload_state(token, upload_token)
    except PlatformRefused as exc:
        if exc.status in (404, 410):
            return {"state": "expired"}
        raise
    if not state.get("done"):
        return {"state": "waiting"}
    ref = MaterialRef.model_validate(state["material"])
    stored = next((m for m in desk.record.materials.values() if m.ref == ref), None) or desk.keep_material(
        ref
    )
    return {"state": "received", "ref": _ref_view(stored.id, ref)}


def _png(data_url: str) -> bytes:
    """The bytes of a `data:image/png;base64,…` URL, or `invalid_request`."""
    head, _, body = data_url.partition(",")
    try:
        content = base64.b64decode(body, validate=True)
    except binascii.Error as exc:
        raise KioskError("invalid_request", status=422) from exc
    if head != "data:image/png;base64" or not content.startswith(PNG_MAGIC):
        raise KioskError("invalid_request", status=422)
    return content


async def store_signature(desk: CitizenDesk, png_data_url: str, app_id: int | None) -> dict[str, Any]:
    """The signature drawn on the screen, stored as the application's signature material; the form's
    signature field then carries its SM3 digest."""
    desk.touch()
    app_id = app_id if app_id is not None else desk.record.app_id
    if app_id is None:
        raise KioskError("invalid_request", status=422)
    offer = await desk.form_offer(app_id)
    content = _png(png_data_url)
    client, token = desk.platform()
    ref = await upload_scan(client, token, offer, SIGNATURE_SLOT, content, "image/png")
    stored = desk.keep_material(ref, value="sm3:" + sm3(content).hex())
    return {"ref": _ref_view(stored.id, ref)}


async def start_payment(desk: CitizenDesk, app_id: int) -> dict[str, Any]:
    """A QR payment order for the item's fees."""
    desk.touch()
    offer = await desk.form_offer(app_id)
    item = next(o for o in await desk.offers() if o.subject == "item" and o.id == offer.item_id)
    fees = item.content.get("fees") or []
    amount = sum((Decimal(str(f.get("amount_yuan", 0))) for f in fees), Decimal("0"))
    if amount <= 0:
        raise KioskError("no_fee", status=422)
    payment = await desk.payments.create(amount_yuan=amount, description=item.name)
    desk.record.payments.append(payment.payment_id)
    return {"payment_id": payment.payment_id, "amount": str(amount), "qr_svg": qr_svg(payment.qr_payload),
            "simulated": payment.simulated}  # fmt: skip


async def payment_state(desk: CitizenDesk, payment_id: str) -> dict[str, Any]:
    """Where a payment of this session stands."""
    desk.require_session()
    if payment_id not in desk.record.payments:
        raise KioskError("not_found", status=404)
    try:
        payment = await desk.payments.state(payment_id)
    except PaymentNotFound as exc:
        raise KioskError("not_found", status=404) from exc
    return {"state": payment.state, "simulated": payment.simulated}
