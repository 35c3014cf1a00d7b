"""A scripted citizen at a simulated kiosk, end to end against a live platform: identity, the kiosk's catalog,
the form app, a scanned material, the outbox, the printed receipt and the wiped session."""

import random
from pathlib import Path

import pytest
from sqlalchemy import select

from govkiosk.agent.citizen.session import CitizenSession
from govkiosk.agent.devices.printer import SimulatedPrinter
from govkiosk.agent.sync.agent import Agent
from govkiosk.crypto import sm3
from govkiosk.platform.cases.models import Case
from govkiosk.platform.support.elicence import WANG_FANG, ZHANG_SAN, DemoCitizen
from govkiosk.platform.support.forms.definition import FormDefinition
from govkiosk.platform.support.forms.engine import compute, prefill, validate
from govkiosk.platform.support.forms.examples import example_definition
from govkiosk.platform.support.forms.validators import china_today, id_age
from govkiosk.sim import citizen as scripted
from govkiosk.sim.citizen import (
    FLEXIBLE_EMPLOYMENT,
    INSURANCE_CERTIFICATE,
    MATERNITY_ALLOWANCE,
    NotOffered,
    Visit,
    answers,
    merge,
    serve,
)
from govkiosk.sim.fleet import Fleet
from tests.agent.fake_platform import wait_for
from tests.conftest import LivePlatform
from tests.kiosk_seed import kiosk, stored_case


def _printer(agent: Agent) -> SimulatedPrinter:
    driver = agent.devices.device_set.driver("Printer")
    assert isinstance(driver, SimulatedPrinter)
    return driver


def _assert_wiped(sessions: list[CitizenSession], visit: Visit) -> None:
    (session,) = sessions
    assert visit.session_end == "finished" and session.end_reason == "finished"
    assert session.identity is None and not session.materials and not session.drafts


async def test_flexible_employment_registration_end_to_end(
    live_platform: LivePlatform, tmp_path: Path
) -> None:
    sessions: list[CitizenSession] = []
    async with kiosk(live_platform, tmp_path / "k") as (agent, _):
        visit = await serve(
            agent, FLEXIBLE_EMPLOYMENT, ZHANG_SAN, random.Random(5), on_session=sessions.append
        )
    assert visit.outcome == "submitted" and visit.printed and visit.case_number, visit
    assert visit.applicant == "张*" and ZHANG_SAN.id_number not in repr(visit)
    data, materials, state = stored_case(live_platform, visit.case_number)
    assert state == "submitted"
    assert data["applicant"]["age"] == id_age(ZHANG_SAN.id_number)  # the computed field
    assert data["applicant"]["address"] == ZHANG_SAN.address  # prefilled from the ID card e-licence
    assert data["insurance"]["medical_tier"] in ("tier1", "tier2")
    assert data["insurance"]["start_date"] > china_today().isoformat()
    (material,) = materials
    assert material["slot"] == "居民身份证" and material["source"] == "scan"
    assert data["materials"]["id_card"] == [material["object_key"]]
    stored = live_platform.app.state.support.store.get(material["object_key"])
    assert material["sm3"] == sm3(stored).hex() and stored[:3] == b"\xff\xd8\xff"  # the scanned JPEG
    receipt = _printer(agent).jobs[-1]
    assert receipt.kind == "receipt" and receipt.cut and visit.case_number in (receipt.text or "")
    _assert_wiped(sessions, visit)


async def test_insurance_certificate_print_end_to_end(live_platform: LivePlatform, tmp_path: Path) -> None:
    sessions: list[CitizenSession] = []
    async with kiosk(live_platform, tmp_path / "k") as (agent, _):
        visit = await serve(
            agent, INSURANCE_CERTIFICATE, WANG_FANG, random.Random(2), on_session=sessions.append
        )
        queued = await serve(agent, INSURANCE_CERTIFICATE, WANG_FANG, random.Random(3), submit_timeout_s=0)
        slip = _printer(agent).jobs[-1]
        with pytest.raises(NotOffered):  # no form app for this item at this kiosk: the fleet falls back
            await serve(agent, "生育津贴申领", WANG_FANG, random.Random(2))
    assert visit.outcome == "submitted" and visit.printed and visit.case_number, visit
    data, materials, _ = stored_case(live_platform, visit.case_number)
    assert data["purpose"] in ("residence_permit", "school", "housing", "car", "other")
    assert data["period"]["to"] == china_today().isoformat() and data["period"]["from"] < data["period"]["to"]
    assert materials == []
    receipt = _printer(agent).jobs[-2]
    assert receipt.kind == "receipt" and visit.case_number in (receipt.text or "")
    assert queued.outcome == "queued" and queued.printed and queued.case_number is None  # no answer in time
    assert "已排队" in (slip.text or "") and "王*" in (slip.text or "") and "王芳" not in (slip.text or "")
    _assert_wiped(sessions, visit)


async def test_maternity_allowance_for_herself_and_for_his_wife_end_to_end(
    live_platform: LivePlatform, tmp_path: Path
) -> None:
    services = (MATERNITY_ALLOWANCE,)
    async with kiosk(live_platform, tmp_path / "k", services=services) as (agent, _):
        hers = await serve(agent, MATERNITY_ALLOWANCE, WANG_FANG, random.Random(4))
        his = await serve(agent, MATERNITY_ALLOWANCE, ZHANG_SAN, random.Random(4))
    assert hers.outcome == "submitted" and hers.case_number and hers.materials == 2, hers  # both scans
    data, materials, _ = stored_case(live_platform, hers.case_number)
    assert data["claim"] == {"claimant": "self"} and data["applicant"]["name"] == WANG_FANG.name
    assert data["delivery"]["leave_days"] >= 178  # computed: 98 national + 80 Guangdong days, at least
    assert {m["slot"] for m in materials} == {"出生医学证明", "本人社会保障卡或银行账户信息"}
    # he claims for his wife: her name and ID number come from their marriage e-licence (结婚证)
    assert his.outcome == "submitted" and his.case_number, his
    data, _, _ = stored_case(live_platform, his.case_number)
    assert data["claim"] == {"claimant": "spouse"}
    assert data["spouse"] == {"name": WANG_FANG.name, "id_number": WANG_FANG.id_number}


async def _not_offered(*args: object, **kwargs: object) -> Visit:
    raise NotOffered("no form app here")


async def test_the_fleets_citizens_use_forms_and_fall_back_to_a_bare_case(
    live_platform: LivePlatform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with kiosk(live_platform, tmp_path / "k") as (agent, _):
        fleet = Fleet(live_platform.url, 0, "unused", tmp_path / "fleet", seed=3, echo=None)
        try:
            await fleet._one_citizen(agent, random.Random(4))
            monkeypatch.setattr(scripted, "serve", _not_offered)
            await fleet._one_citizen(agent, random.Random(4))
            await wait_for(lambda: agent.outbox is not None and agent.outbox.pending_count == 0, timeout=10)
        finally:
            await fleet.stop()
    with live_platform.db.session(write=False) as session:
        apps = sorted((c.app_id is not None) for c in session.scalars(select(Case)))
    assert fleet.submitted == 2 and apps == [False, True]  # one through a form app, one bare


@pytest.mark.parametrize(
    ("service", "citizen"),
    [(FLEXIBLE_EMPLOYMENT, ZHANG_SAN), (INSURANCE_CERTIFICATE, ZHANG_SAN), (MATERNITY_ALLOWANCE, WANG_FANG)],
)
def test_the_scripted_answers_pass_the_form_engine(service: str, citizen: DemoCitizen) -> None:
    definition = FormDefinition.model_validate(example_definition(service, item_id=1))
    known = prefill(definition, {"name": citizen.name, "id_number": citizen.id_number}, {})
    data = merge(answers(definition.id, citizen, random.Random(0), china_today()), known)
    if service != INSURANCE_CERTIFICATE:
        data |= {
            "materials": {slot: ["key"] for slot in _required_materials(definition)},
            "signature": "sm3:00",
        }
    assert validate(definition, compute(definition, data)) == []


def _required_materials(definition: FormDefinition) -> list[str]:
    return list(definition.json_schema["properties"]["materials"]["required"])


def test_a_man_claims_maternity_allowance_for_his_wife_only_with_her_details() -> None:
    definition = FormDefinition.model_validate(example_definition(MATERNITY_ALLOWANCE, item_id=1))
    data = answers(definition.id, ZHANG_SAN, random.Random(0), china_today())
    assert data["claim"] == {"claimant": "spouse"}
    data = merge(data, prefill(definition, {"name": ZHANG_SAN.name, "id_number": ZHANG_SAN.id_number}, {}))
    data |= {"materials": {"birth_certificate": ["key"]}, "signature": "sm3:00"}
    # without the marriage e-licence the spouse's details are missing: the scripted citizen gives up
    assert {e.path.split(".")[0] for e in validate(definition, compute(definition, data))} == {"spouse"}
