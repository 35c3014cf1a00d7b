"""A scripted citizen at a simulated kiosk: what the kiosk UI will do, through the agent and the terminal API.

`serve(agent, http, service, citizen, rng)` puts the citizen's ID card on the simulated reader, verifies them
(ID card + face liveness + face match), finds the service and its form app in the kiosk's catalog, fills the
form (prefill from the identity and the ID card e-licence, realistic answers, computed fields), scans the
materials with the document camera and uploads them, submits through the agent's outbox, prints the receipt
and ends the session, which wipes what it held. The returned `Visit` holds nothing personal.
"""

import asyncio
import base64
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

import httpx

from govkiosk.agent.citizen.errors import IdentityError
from govkiosk.agent.citizen.face import SimulatedFaceComparer
from govkiosk.agent.citizen.identity import IdCardFaceIdentifier, IdentityResult
from govkiosk.agent.citizen.receipts import PrintOutcome, mask_name, print_queued_slip, print_receipt
from govkiosk.agent.citizen.session import CitizenSession, EndReason
from govkiosk.agent.devices.base import DeviceError
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.document_scanner import DocumentScannerService
from govkiosk.agent.devices.id_card_reader import SimulatedIdCardReader
from govkiosk.agent.devices.signature_pad import SignaturePadService
from govkiosk.agent.sync.agent import Agent
from govkiosk.agent.sync.outbox import OutboxEvent
from govkiosk.contracts.devices import IdCardData, ScanCommand
from govkiosk.contracts.terminal_api import MaterialRef
from govkiosk.crypto import sm3
from govkiosk.platform.support.elicence import DemoCitizen
from govkiosk.platform.support.forms.definition import FormDefinition
from govkiosk.platform.support.forms.engine import compute, prefill
from govkiosk.platform.support.forms.validators import china_today

log = logging.getLogger(__name__)

FLEXIBLE_EMPLOYMENT = "灵活就业人员参保登记"
INSURANCE_CERTIFICATE = "社会保险参保证明打印"
SERVICES = (FLEXIBLE_EMPLOYMENT, INSURANCE_CERTIFICATE)
IDENTITY_DEVICES = ("IdCardReader", "Biometric", "Camera")
ID_CARD = "居民身份证"
_LICENCE_KEYS = {"住址": "address", "姓名": "name", "公民身份号码": "id_number"}  # label → prefill key
_FINAL_EVENTS = ("submitted", "dead_letter", "quarantined")
DEVICE_TIMEOUT_S = 15.0

Outcome = Literal["submitted", "queued", "refused", "identity_failed", "abandoned"]


class NotOffered(LookupError):
    """This kiosk cannot serve the service through a form now: not offered, no form app, or no devices."""


class _Abandoned(Exception):
    """The citizen cannot finish (a material cannot be had); `reason` is for the Visit, never personal."""


@dataclass(frozen=True)
class Visit:
    """One citizen's visit without personal data: the service, the case, the outcome, printed or not."""

    service: str
    outcome: Outcome
    applicant: str = ""  # masked name
    case_number: str | None = None
    printed: bool = False
    fallback: str | None = None  # why nothing was printed (the UI then shows the case number and QR code)
    materials: int = 0
    session_end: EndReason | None = None


@dataclass(frozen=True)
class FormOffer:
    """The service item and its form app as the kiosk's catalog offers them."""

    item_id: int
    item_version: int
    app_id: int
    definition: FormDefinition


# --- the visit ------------------------------------------------------------------------------------------


async def serve(
    agent: Agent,
    http: httpx.AsyncClient,
    service: str,
    citizen: DemoCitizen,
    rng: random.Random,
    *,
    submit_timeout_s: float = 20.0,
    on_session: Callable[[CitizenSession], None] | None = None,
) -> Visit:
    """One citizen applies for `service` at this kiosk; NotOffered when the kiosk cannot offer its form."""
    devices = agent.devices.device_set
    missing = [c for c in IDENTITY_DEVICES if c not in devices.services]
    if missing:
        raise NotOffered(f"no {', '.join(missing)} for ID card + face verification")
    offer = find_form(await fetch_offers(agent, http), service)
    present_card(devices, citizen)
    try:
        identity = await IdCardFaceIdentifier(
            devices, SimulatedFaceComparer(), timeout_s=DEVICE_TIMEOUT_S
        ).identify()
    except IdentityError as exc:
        log.info("citizen_visit service=%s outcome=identity_failed code=%s", service, exc.code)
        return Visit(service=service, outcome="identity_failed")
    session = CitizenSession(identity)
    if on_session is not None:
        on_session(session)
    try:
        visit = await _apply(agent, http, session, service, offer, citizen, rng, submit_timeout_s)
    finally:
        session.end("finished")
    log.info("citizen_visit service=%s outcome=%s case=%s printed=%s", service, visit.outcome,
             visit.case_number, visit.printed)  # fmt: skip
    return replace(visit, session_end=session.end_reason)


async def _apply(
    agent: Agent, http: httpx.AsyncClient, session: CitizenSession, service: str, offer: FormOffer,
    citizen: DemoCitizen, rng: random.Random, submit_timeout_s: float,
) -> Visit:  # fmt: skip
    """Fill the form, bring the materials, submit, print; the session is still open."""
    identity = _identity(session)
    masked = mask_name(identity.name)
    licence = await find_licence(agent, http, identity.id_number, ID_CARD)
    try:
        data, refs = await _fill(agent, http, session, offer, citizen, licence, rng)
    except _Abandoned as exc:
        return Visit(service=service, outcome="abandoned", applicant=masked, fallback=str(exc))
    base = Visit(service=service, outcome="queued", applicant=masked, materials=len(refs))
    entry_id = _enqueue(agent, session, offer, data, refs)
    event = await wait_for_delivery(agent, entry_id, submit_timeout_s)
    if event is None:
        return _with_print(base, await _print_slip(agent, entry_id, service, identity.name))
    if event.kind != "submitted":
        return replace(base, outcome="refused")
    submitted = replace(base, outcome="submitted", case_number=event.case_number)
    if event.case_number is None:
        return _with_print(submitted, None)
    token = agent.bearer()
    printed = await print_receipt(agent.client, token, agent.devices, event.case_number, paper="receipt")
    return _with_print(submitted, printed)


def _enqueue(
    agent: Agent, session: CitizenSession, offer: FormOffer, data: dict[str, Any], refs: list[MaterialRef]
) -> str:
    """The citizen presses submit: the submission goes to the agent's outbox (on disk, encrypted)."""
    submission = session.submission(
        item_id=offer.item_id, item_version=offer.item_version, data=data, materials=refs,
        phone=data.get("applicant", {}).get("mobile"), app_id=offer.app_id,
        form_version=f"{offer.definition.id}@{offer.definition.version}",
    )  # fmt: skip
    assert agent.outbox is not None, "the agent has not booted"
    return agent.outbox.enqueue(submission)


def _identity(session: CitizenSession) -> IdentityResult:
    """The session's identity (it is open)."""
    assert session.identity is not None
    return session.identity


def _with_print(visit: Visit, printed: PrintOutcome | None) -> Visit:
    """The visit with what the printer did (or why it did not)."""
    if printed is None:
        return replace(visit, fallback="nothing_to_print")
    return replace(visit, printed=printed.printed, fallback=printed.reason)


async def _print_slip(agent: Agent, entry_id: str, service: str, name: str) -> PrintOutcome | None:
    """The 已排队 slip for a submission still in the outbox."""
    queued = next((e for e in agent.outbox_events if e.entry_id == entry_id and e.kind == "queued"), None)
    if queued is None:
        return None
    return await print_queued_slip(agent.devices, queued, item_name=service, applicant_name=name)


async def wait_for_delivery(agent: Agent, entry_id: str, timeout_s: float) -> OutboxEvent | None:
    """The outbox's final word on an entry (submitted, dead letter, quarantined); None after the timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        for event in reversed(agent.outbox_events):
            if event.entry_id == entry_id and event.kind in _FINAL_EVENTS:
                return event
        if loop.time() >= deadline:
            return None
        await asyncio.sleep(0.05)


# --- the catalog ----------------------------------------------------------------------------------------


def _headers(agent: Agent) -> dict[str, str]:
    """The terminal's bearer token."""
    return {"Authorization": f"Bearer {agent.bearer()}"}


async def fetch_offers(agent: Agent, http: httpx.AsyncClient) -> list[dict[str, Any]]:
    """What the kiosk offers now (`GET /catalog` with the terminal's token)."""
    response = await http.get(f"{agent.client.base}/catalog", headers=_headers(agent))
    response.raise_for_status()
    return list(response.json()["offers"])


def find_form(offers: list[dict[str, Any]], service: str) -> FormOffer:
    """The offered item named `service` and the form app that carries its form (pinned to that version)."""
    item = next((o for o in offers if o["subject"] == "item" and o["name"] == service), None)
    if item is None:
        raise NotOffered(f"{service} is not offered at this kiosk")
    for offer in offers:
        content = offer["content"]
        if offer["subject"] != "app" or content.get("kind") != "form" or content.get("item_id") != item["id"]:
            continue
        definition = FormDefinition.model_validate(content.get("form_definition") or {})
        if definition.item_version == item["version"]:
            return FormOffer(item["id"], item["version"], offer["id"], definition)
    raise NotOffered(f"{service} has no form app for version {item['version']} at this kiosk")


# --- identity -------------------------------------------------------------------------------------------


def id_card_of(citizen: DemoCitizen) -> IdCardData:
    """The second-generation ID card a demo citizen carries."""
    issuer = citizen.police if "市" in citizen.police else f"深圳市公安局{citizen.police}"
    return IdCardData(
        cardType="resident", name=citizen.name, sex="male" if citizen.sex == "男" else "female",
        ethnicity="汉",
        birthDate=citizen.birth.isoformat(), address=citizen.address, idNumber=citizen.id_number,
        issuingAuthority=issuer, validFrom="2016-01-01", validTo="2036-01-01",
    )  # fmt: skip


def present_card(devices: DeviceSet, citizen: DemoCitizen) -> None:
    """The citizen lays their ID card on the reader (only a simulated reader needs telling)."""
    driver = devices.get("IdCardReader").driver
    if not isinstance(driver, SimulatedIdCardReader):
        return
    card = id_card_of(citizen)
    driver.cards = [c for c in driver.cards if c.idNumber != card.idNumber] + [card]
    driver.card_index = len(driver.cards) - 1


# --- e-licences and materials ---------------------------------------------------------------------------


async def find_licence(
    agent: Agent, http: httpx.AsyncClient, id_number: str, licence_type: str
) -> dict[str, Any] | None:
    """The citizen's e-licence of a type (`/elicences/find`), or None when there is none or no library."""
    body = {"holder_id_number": id_number, "licence_type": licence_type}
    response = await http.post(f"{agent.client.base}/elicences/find", json=body, headers=_headers(agent))
    if response.status_code != 200:
        return None
    found = response.json()
    return found[0] if found else None


def _prefill_sources(licence: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The ID card e-licence's printed fields under the keys the forms' prefill names (住址 → address)."""
    if licence is None:
        return {}
    fields = licence.get("fields", {})
    return {ID_CARD: {key: fields[label] for label, key in _LICENCE_KEYS.items() if label in fields}}


async def scan(devices: DeviceSet) -> bytes:
    """One page from the document camera (colour JPEG, cropped and deskewed), under the service's lock."""
    service = devices.get("DocumentScanner")
    if not isinstance(service, DocumentScannerService):
        raise ValueError("DocumentScanner is not a document camera")
    command = ScanCommand(dpi=300, color="color", format="jpeg")
    async with service.lock:
        image = await asyncio.wait_for(service.driver.scan(command), timeout=DEVICE_TIMEOUT_S)
    return base64.b64decode(image.data)


async def upload_scan(
    agent: Agent, http: httpx.AsyncClient, offer: FormOffer, slot: str, content: bytes
) -> MaterialRef:
    """Store a scan for one of the item's material slots (`POST /materials`); its reference comes back."""
    params: dict[str, str | int] = {
        "item_id": offer.item_id,
        "item_version": offer.item_version,
        "slot": slot,
    }
    headers = {**_headers(agent), "Content-Type": "image/jpeg"}
    response = await http.post(
        f"{agent.client.base}/materials", params=params, content=content, headers=headers
    )
    response.raise_for_status()
    return MaterialRef.model_validate(response.json())


async def attach_licence(
    agent: Agent, http: httpx.AsyncClient, offer: FormOffer, slot: str, licence: dict[str, Any]
) -> MaterialRef:
    """Store the citizen's e-licence as the material for a slot (`POST /elicences/attach`)."""
    body = {
        "licence_id": licence["licence_id"], "holder_id_number": licence["holder_id_number"],
        "item_id": offer.item_id, "item_version": offer.item_version, "slot": slot,
    }  # fmt: skip
    response = await http.post(f"{agent.client.base}/elicences/attach", json=body, headers=_headers(agent))
    response.raise_for_status()
    return MaterialRef.model_validate(response.json())


async def _material(
    agent: Agent, http: httpx.AsyncClient, session: CitizenSession, offer: FormOffer, slot: str,
    licence: dict[str, Any] | None,
) -> MaterialRef:  # fmt: skip
    """A scan of the material; the ID card e-licence instead when the document camera cannot scan."""
    try:
        session.add_material(slot, await scan(agent.devices.device_set))
    except (DeviceError, TimeoutError, ValueError) as exc:
        if slot != ID_CARD or licence is None:
            raise _Abandoned(f"scan_failed: {type(exc).__name__}") from exc
        return await attach_licence(agent, http, offer, slot, licence)
    try:
        return await upload_scan(agent, http, offer, slot, bytes(session.materials[slot]))
    finally:
        session.discard_material(slot)


# --- the form -------------------------------------------------------------------------------------------


async def _fill(
    agent: Agent, http: httpx.AsyncClient, session: CitizenSession, offer: FormOffer, citizen: DemoCitizen,
    licence: dict[str, Any] | None, rng: random.Random,
) -> tuple[dict[str, Any], list[MaterialRef]]:  # fmt: skip
    """The form's data as the citizen leaves it (computed fields filled) and the materials' references."""
    definition = offer.definition
    identity = _identity(session)
    known = prefill(definition, {"name": identity.name, "id_number": identity.id_number},
                    _prefill_sources(licence))  # fmt: skip
    data = merge(answers(definition.id, citizen, rng, china_today()), known)
    refs = []
    for path, widget in definition.ui.widgets.items():
        if widget.widget == "material" and widget.material:
            ref = await _material(agent, http, session, offer, widget.material, licence)
            refs.append(ref)
            _put(data, path, [ref.object_key])
    if "signature" in definition.json_schema.get("properties", {}):
        data["signature"] = await sign(agent.devices.device_set, session.id)
    data = compute(definition, data)
    session.save_draft(definition.id, data)
    return data, refs


def answers(form_id: str, citizen: DemoCitizen, rng: random.Random, today: date) -> dict[str, Any]:
    """What the citizen types and picks on the form's screens (prefilled fields come on top)."""
    if form_id == "si-flexible-employment":
        region = citizen.region if citizen.region.startswith("4403") else rng.choice(("440304", "440305"))
        start = (today.replace(day=1) + timedelta(days=32)).replace(day=1)  # the first of next month
        return {
            "applicant": {"mobile": demo_mobile(rng), "hukou_region": region, "address": citizen.address},
            "insurance": {"start_date": start.isoformat(), "medical_tier": rng.choice(("tier1", "tier2"))},
        }
    if form_id == "si-insurance-certificate":
        purpose = rng.choice(("residence_permit", "school", "housing", "car", "other"))
        since = today.replace(year=today.year - 1, day=1)
        return {"purpose": purpose, "period": {"from": since.isoformat(), "to": today.isoformat()}}
    raise NotOffered(f"the scripted citizen has no answers for form {form_id}")


def demo_mobile(rng: random.Random) -> str:
    """A mobile number of the demo's own (138 0013 xxxx)."""
    return f"1380013{rng.randrange(10_000):04d}"


async def sign(devices: DeviceSet, session_id: str) -> str:
    """The signature field: the SM3 digest of the pad's image, or of an on-screen signature without a pad."""
    service = devices.services.get("SignaturePad")
    if isinstance(service, SignaturePadService):
        try:
            async with service.lock:
                result = await asyncio.wait_for(service.driver.capture(_no_events), timeout=DEVICE_TIMEOUT_S)
            return "sm3:" + sm3(base64.b64decode(result.image.data)).hex()
        except (DeviceError, TimeoutError):
            pass  # a broken pad: the citizen signs on the touch screen
    return "sm3:" + sm3(f"on-screen signature {session_id}".encode()).hex()


def _no_events(name: str, payload: Any) -> None:
    """Device events are not needed here."""


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`base` with `over` laid on top, objects merged key by key."""
    result = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = value
    return result


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path's value, making the objects on the way."""
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value
