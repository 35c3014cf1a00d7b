"""A scripted citizen at a simulated kiosk: what the kiosk UI does, through the agent and the terminal API.

`serve(agent, service, citizen, rng)` puts the citizen's ID card on the simulated reader, verifies them
(ID card + face liveness + face match), finds the service and its form app in the kiosk's catalog, fills the
form (the platform's prefill from the identity and the ID card e-licence, realistic answers, the platform's
computed fields), scans the materials with the document camera and uploads them, submits through the agent's
outbox, prints the receipt and ends the session, which wipes what it held. The returned `Visit` holds nothing
personal. The kiosk UI goes the same way through the agent's local API (`agent/local/kiosk_api.py`).
"""

import asyncio
import base64
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

from govkiosk.agent.citizen.cases import wait_for_delivery
from govkiosk.agent.citizen.errors import IdentityError
from govkiosk.agent.citizen.face import SimulatedFaceComparer
from govkiosk.agent.citizen.identity import IdCardFaceIdentifier, IdentityResult
from govkiosk.agent.citizen.materials import DEVICE_TIMEOUT_S, attach_licence, find_licence, scan, upload_scan
from govkiosk.agent.citizen.offers import FormOffer, NotOffered, find_form
from govkiosk.agent.citizen.receipts import PrintOutcome, print_queued_slip, print_receipt
from govkiosk.agent.citizen.session import CitizenSession, EndReason
from govkiosk.agent.devices.base import DeviceError
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.id_card_reader import SimulatedIdCardReader
from govkiosk.agent.devices.signature_pad import SignaturePadService
from govkiosk.agent.sync.agent import Agent
from govkiosk.contracts.devices import IdCardData
from govkiosk.contracts.masking import mask_name
from govkiosk.contracts.terminal_api import CatalogOffer, FormCheckRequest, FormPrefillRequest, MaterialRef
from govkiosk.crypto import sm3
from govkiosk.platform.support.elicence import COMPANIES, DemoCitizen
from govkiosk.platform.support.forms.validators import china_today

log = logging.getLogger(__name__)

FLEXIBLE_EMPLOYMENT = "灵活就业人员参保登记"
INSURANCE_CERTIFICATE = "社会保险参保证明打印"
MATERNITY_ALLOWANCE = "生育津贴申领"
SERVICES = (FLEXIBLE_EMPLOYMENT, INSURANCE_CERTIFICATE, MATERNITY_ALLOWANCE)
IDENTITY_DEVICES = ("IdCardReader", "Biometric", "Camera")
ID_CARD = "居民身份证"

Outcome = Literal["submitted", "queued", "refused", "identity_failed", "abandoned"]
__all__ = [
    "FLEXIBLE_EMPLOYMENT",
    "INSURANCE_CERTIFICATE",
    "MATERNITY_ALLOWANCE",
    "SERVICES",
    "FormOffer",
    "NotOffered",
    "Visit",
    "serve",
]


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


# --- the visit ------------------------------------------------------------------------------------------


async def serve(
    agent: Agent,
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
    offer = find_form(await fetch_offers(agent), service)
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
        visit = await _apply(agent, session, service, offer, citizen, rng, submit_timeout_s)
    finally:
        session.end("finished")
    log.info("citizen_visit service=%s outcome=%s case=%s printed=%s", service, visit.outcome,
             visit.case_number, visit.printed)  # fmt: skip
    return replace(visit, session_end=session.end_reason)


async def _apply(
    agent: Agent, session: CitizenSession, service: str, offer: FormOffer, citizen: DemoCitizen,
    rng: random.Random, submit_timeout_s: float,
) -> Visit:  # fmt: skip
    """Fill the form, bring the materials, submit, print; the session is still open."""
    identity = _identity(session)
    masked = mask_name(identity.name)
    licence = await find_licence(agent.client, agent.bearer(), identity.id_number, ID_CARD)
    try:
        data, refs = await _fill(agent, session, offer, citizen, licence, rng)
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
        phone=data.get("applicant", {}).get("mobile"), app_id=offer.app_id, form_version=offer.form_version,
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


# --- the catalog ----------------------------------------------------------------------------------------


async def fetch_offers(agent: Agent) -> list[CatalogOffer]:
    """What the kiosk offers now (`GET /catalog` with the terminal's token)."""
    catalog = await agent.client.catalog(agent.bearer())
    assert catalog is not None  # asked without an ETag: never "unchanged"
    return list(catalog.offers)


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


async def _material(
    agent: Agent, session: CitizenSession, offer: FormOffer, slot: str, licence: dict[str, Any] | None
) -> MaterialRef:
    """A scan of the material; the ID card e-licence instead when the document camera cannot scan."""
    try:
        session.add_material(slot, await scan(agent.devices.device_set))
    except (DeviceError, TimeoutError, ValueError) as exc:
        if slot != ID_CARD or licence is None:
            raise _Abandoned(f"scan_failed: {type(exc).__name__}") from exc
        return await attach_licence(agent.client, agent.bearer(), offer, slot, licence)
    try:
        return await upload_scan(agent.client, agent.bearer(), offer, slot, bytes(session.materials[slot]))
    finally:
        session.discard_material(slot)


# --- the form -------------------------------------------------------------------------------------------


async def _fill(
    agent: Agent, session: CitizenSession, offer: FormOffer, citizen: DemoCitizen,
    licence: dict[str, Any] | None, rng: random.Random,
) -> tuple[dict[str, Any], list[MaterialRef]]:  # fmt: skip
    """The form's data as the citizen leaves it (computed fields filled) and the materials' references."""
    client, token, definition = agent.client, agent.bearer(), offer.definition
    identity = _identity(session)
    known = await client.prefill_form(
        token, offer.app_id, FormPrefillRequest(name=identity.name, id_number=identity.id_number)
    )
    data = merge(answers(str(definition.get("id")), citizen, rng, china_today()), known.data)
    refs = []
    for path, slot in offer.material_slots().items():
        ref = await _material(agent, session, offer, slot, licence)
        refs.append(ref)
        _put(data, path, [ref.object_key])
    if "signature" in definition.get("schema", {}).get("properties", {}):
        data["signature"] = await sign(agent.devices.device_set, session.id)
    checked = await client.check_form(token, offer.app_id, FormCheckRequest(data=data))
    if checked.errors:  # e.g. a man claiming for his spouse without a marriage e-licence to bring her details
        raise _Abandoned(f"form_incomplete: {checked.errors[0].path}")
    session.save_draft(offer.form_version, checked.data)
    return checked.data, refs


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
    if form_id == "si-maternity-allowance":
        return _maternity(citizen, rng, today)
    raise NotOffered(f"the scripted citizen has no answers for form {form_id}")


def _maternity(citizen: DemoCitizen, rng: random.Random, today: date) -> dict[str, Any]:
    """生育津贴申领: a woman claims for her own delivery, a man for his spouse's (whose details the marriage
    e-licence prefills); the leave days are computed by the form."""
    hospital = rng.choice(("深圳市妇幼保健院", "北京大学深圳医院", "深圳市人民医院", "香港大学深圳医院"))
    babies = 2 if rng.random() < 0.05 else 1  # twins now and then
    return {
        "applicant": {"mobile": demo_mobile(rng), "employer_uscc": rng.choice(COMPANIES).uscc},
        "claim": {"claimant": "self" if citizen.sex == "女" else "spouse"},
        "delivery": {
            "date": (today - timedelta(days=rng.randint(20, 120))).isoformat(),
            "mode": rng.choice(("normal", "normal", "difficult")),
            "hospital": hospital,
        },
        "children": [
            {
                "name": f"{citizen.name[0]}{rng.choice('安宁悦辰欣怡')}",
                "sex": rng.choice(("male", "female")),
                "registered": "no",
            }
            for _ in range(babies)
        ],  # fmt: skip
        "bank": {"bank_name": "中国建设银行深圳分行", "account_no": f"62170032{rng.randrange(10**11):011d}"},
    }


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
