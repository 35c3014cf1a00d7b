"""A scripted citizen at a simulated kiosk, end to end against a live platform: identity, the kiosk's catalog,
the form app, a scanned material, the outbox, the printed receipt and the wiped session."""

import asyncio
import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from govkiosk.agent.citizen.session import CitizenSession
from govkiosk.agent.devices.device_set import ALL_DEVICE_CLASSES
from govkiosk.agent.devices.printer import SimulatedPrinter
from govkiosk.agent.devices.simulated import SimulatedDevices
from govkiosk.agent.sync.agent import Agent
from govkiosk.crypto import sm3
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.cases import repository as cases
from govkiosk.platform.cases.models import Case
from govkiosk.platform.cases.service import DATA
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.schemas import ItemCreate
from govkiosk.platform.orgs.models import OrgNode
from govkiosk.platform.support.elicence import WANG_FANG, ZHANG_SAN
from govkiosk.platform.support.forms.definition import FormDefinition
from govkiosk.platform.support.forms.engine import compute, prefill, validate
from govkiosk.platform.support.forms.examples import example_definition
from govkiosk.platform.support.forms.validators import china_today, id_age
from govkiosk.platform.terminals import service as terminals
from govkiosk.sim import citizen as scripted
from govkiosk.sim.citizen import (
    FLEXIBLE_EMPLOYMENT,
    INSURANCE_CERTIFICATE,
    NotOffered,
    Visit,
    answers,
    find_form,
    merge,
    serve,
)
from govkiosk.sim.demo_catalog import DEMO_DEPARTMENTS, DEMO_ITEMS
from govkiosk.sim.demo_catalog_seed import ACTOR, _onboard
from govkiosk.sim.demo_forms import seed_form_apps
from govkiosk.sim.fleet import Fleet
from tests.agent.fake_platform import fast_options, wait_for
from tests.conftest import LivePlatform
from tests.factories import PASSWORD, build, create_tree, create_user


def _seed(session: Session, city: OrgNode) -> list[int]:
    """The two demo items onboarded as in the demo, their form apps, a kiosk profile with every device."""
    terminals.ensure_profile(
        session, code="ENH", name="增强型", required=list(ALL_DEVICE_CLASSES), critical=["IdCardReader"]
    )
    for entry in DEMO_ITEMS:
        if entry["name"] not in (FLEXIBLE_EMPLOYMENT, INSURANCE_CERTIFICATE):
            continue
        dept = next(d for d in DEMO_DEPARTMENTS if d["name"] == entry["department"])
        department = catalog.ensure_department(
            session, name=dept["name"], code=dept["code"], org_node_id=city.id
        )
        content = {k: v for k, v in entry.items() if k not in ("department", "department_code")}
        item = catalog.create_item(
            session, ACTOR, department, ItemCreate(**content, department_id=department.id)
        )
        _onboard(session, item, city, [city.id], "publish", random.Random(1))
    return seed_form_apps(session, city)


@asynccontextmanager
async def _kiosk(live: LivePlatform, state_dir: Path) -> AsyncIterator[tuple[Agent, httpx.AsyncClient]]:
    """One enrolled, approved kiosk with simulated devices, once its catalog offers both forms."""
    tree = build(live.db, create_tree)
    build(live.db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    assert len(build(live.db, _seed, tree.city)) == 2
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as http:
        token = await http.post("/api/v1/auth/token", data={"username": "admin", "password": PASSWORD})
        admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
        issued = await http.post(
            "/api/v1/enrollment-tokens", headers=admin, json={"label": "k", "org_node_id": tree.site_a.id}
        )
        options = fast_options(state_dir, platform=live.url, enroll_token=issued.json()["token"],
                               interval_override=0.3)  # fmt: skip
        agent = Agent(options, devices=SimulatedDevices())
        await agent.start()
        try:
            await wait_for(lambda: agent.terminal_id is not None, timeout=10)
            await http.post(f"/api/v1/terminals/{agent.terminal_id}/approve", headers=admin, json={})
            await wait_for(lambda: agent.online, timeout=15)
            await _until_offered(agent, http)
            yield agent, http
        finally:
            await agent.stop()


async def _until_offered(agent: Agent, http: httpx.AsyncClient) -> None:
    """The platform learns the kiosk's devices from its heartbeats; then both forms are offered."""
    for _ in range(100):
        offers = (await http.get("/api/terminal/v1/catalog", headers=_bearer(agent))).json()["offers"]
        try:
            find_form(offers, FLEXIBLE_EMPLOYMENT), find_form(offers, INSURANCE_CERTIFICATE)
            return
        except NotOffered:
            await asyncio.sleep(0.1)
    raise AssertionError("the kiosk's catalog never offered both forms")


def _bearer(agent: Agent) -> dict[str, str]:
    return {"Authorization": f"Bearer {agent.bearer()}"}


def _case(live: LivePlatform, case_number: str) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """The stored case's form data (opened), its material references and state."""
    with live.db.session(write=False) as session:
        case = cases.by_number(session, case_number)
        assert case is not None
        data = live.app.state.sealer.open_text(case.data_sealed, purpose=DATA)
        return json.loads(data), list(case.materials), case.state


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
    async with _kiosk(live_platform, tmp_path / "k") as (agent, http):
        visit = await serve(
            agent, http, FLEXIBLE_EMPLOYMENT, ZHANG_SAN, random.Random(5), on_session=sessions.append
        )
    assert visit.outcome == "submitted" and visit.printed and visit.case_number, visit
    assert visit.applicant == "张*" and ZHANG_SAN.id_number not in repr(visit)
    data, materials, state = _case(live_platform, visit.case_number)
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
    async with _kiosk(live_platform, tmp_path / "k") as (agent, http):
        visit = await serve(
            agent, http, INSURANCE_CERTIFICATE, WANG_FANG, random.Random(2), on_session=sessions.append
        )
        queued = await serve(
            agent, http, INSURANCE_CERTIFICATE, WANG_FANG, random.Random(3), submit_timeout_s=0
        )
        slip = _printer(agent).jobs[-1]
        with pytest.raises(NotOffered):  # no form app for this item at this kiosk: the fleet falls back
            await serve(agent, http, "生育津贴申领", WANG_FANG, random.Random(2))
    assert visit.outcome == "submitted" and visit.printed and visit.case_number, visit
    data, materials, _ = _case(live_platform, visit.case_number)
    assert data["purpose"] in ("residence_permit", "school", "housing", "car", "other")
    assert data["period"]["to"] == china_today().isoformat() and data["period"]["from"] < data["period"]["to"]
    assert materials == []
    receipt = _printer(agent).jobs[-2]
    assert receipt.kind == "receipt" and visit.case_number in (receipt.text or "")
    assert queued.outcome == "queued" and queued.printed and queued.case_number is None  # no answer in time
    assert "已排队" in (slip.text or "") and "王*" in (slip.text or "") and "王芳" not in (slip.text or "")
    _assert_wiped(sessions, visit)


async def _not_offered(*args: object, **kwargs: object) -> Visit:
    raise NotOffered("no form app here")


async def test_the_fleets_citizens_use_forms_and_fall_back_to_a_bare_case(
    live_platform: LivePlatform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _kiosk(live_platform, tmp_path / "k") as (agent, _):
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


@pytest.mark.parametrize("service", [FLEXIBLE_EMPLOYMENT, INSURANCE_CERTIFICATE])
def test_the_scripted_answers_pass_the_form_engine(service: str) -> None:
    definition = FormDefinition.model_validate(example_definition(service, item_id=1))
    known = prefill(definition, {"name": ZHANG_SAN.name, "id_number": ZHANG_SAN.id_number}, {})
    data = merge(answers(definition.id, ZHANG_SAN, random.Random(0), china_today()), known)
    if service == FLEXIBLE_EMPLOYMENT:
        data |= {"materials": {"id_card": ["key"]}, "signature": "sm3:00"}
    assert validate(definition, compute(definition, data)) == []
