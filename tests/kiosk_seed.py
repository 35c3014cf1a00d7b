"""A kiosk ready to serve citizens, for tests: the two demo services with their form apps on a live platform,
and an enrolled, approved agent with simulated devices whose catalog offers both forms."""

import asyncio
import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.orm import Session

from govkiosk.agent.citizen.offers import NotOffered, find_form
from govkiosk.agent.devices.device_set import ALL_DEVICE_CLASSES
from govkiosk.agent.devices.simulated import SimulatedDevices
from govkiosk.agent.sync.agent import Agent
from govkiosk.contracts.terminal_api import CatalogOffer
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.cases import repository as cases
from govkiosk.platform.cases.service import DATA
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.schemas import ItemCreate
from govkiosk.platform.orgs.models import OrgNode
from govkiosk.platform.terminals import service as terminals
from govkiosk.sim.citizen import FLEXIBLE_EMPLOYMENT, INSURANCE_CERTIFICATE
from govkiosk.sim.demo_catalog import DEMO_DEPARTMENTS, DEMO_ITEMS
from govkiosk.sim.demo_catalog_seed import ACTOR, _onboard
from govkiosk.sim.demo_forms import seed_form_apps
from tests.agent.fake_platform import fast_options, wait_for
from tests.conftest import LivePlatform
from tests.factories import PASSWORD, build, create_tree, create_user

TWO_SERVICES = (FLEXIBLE_EMPLOYMENT, INSURANCE_CERTIFICATE)


def seed_two_services(session: Session, city: OrgNode, names: tuple[str, ...] = TWO_SERVICES) -> list[int]:
    """The demo items (by default the two) onboarded as in the demo, their form apps, a kiosk profile with
    every device."""
    terminals.ensure_profile(
        session, code="ENH", name="增强型", required=list(ALL_DEVICE_CLASSES), critical=["IdCardReader"]
    )
    for entry in DEMO_ITEMS:
        if entry["name"] not in names:
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
async def kiosk(
    live: LivePlatform, state_dir: Path, **options: Any
) -> AsyncIterator[tuple[Agent, httpx.AsyncClient]]:
    """One enrolled, approved kiosk with simulated devices, once its catalog offers both forms; `options`
    are more agent options (e.g. `ui_port`, or `http` for the agent's own client). Yields the agent and an
    HTTP client of the platform."""
    tree = build(live.db, create_tree)
    build(live.db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    services = options.pop("services", TWO_SERVICES)
    assert len(build(live.db, seed_two_services, tree.city, services)) == len(services)
    agent_http = options.pop("http", None)
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as http:
        token = await http.post("/api/v1/auth/token", data={"username": "admin", "password": PASSWORD})
        admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
        issued = await http.post(
            "/api/v1/enrollment-tokens", headers=admin, json={"label": "k", "org_node_id": tree.site_a.id}
        )
        settings = {"interval_override": 0.3, **options}
        agent_options = fast_options(
            state_dir, platform=live.url, enroll_token=issued.json()["token"], **settings
        )
        agent = Agent(agent_options, devices=SimulatedDevices(), http=agent_http)
        await agent.start()
        try:
            await wait_for(lambda: agent.terminal_id is not None, timeout=10)
            await http.post(f"/api/v1/terminals/{agent.terminal_id}/approve", headers=admin, json={})
            await wait_for(lambda: agent.online, timeout=15)
            await until_offered(agent, services)
            yield agent, http
        finally:
            await agent.stop()


async def until_offered(agent: Agent, services: tuple[str, ...] = TWO_SERVICES) -> list[CatalogOffer]:
    """The platform learns the kiosk's devices from its heartbeats; then the services' forms are offered."""
    for _ in range(100):
        answer = await agent.client.catalog(agent.bearer())
        offers = list(answer.offers) if answer else []
        try:
            for service in services:
                find_form(offers, service)
            return offers
        except NotOffered:
            await asyncio.sleep(0.1)
    raise AssertionError("the kiosk's catalog never offered the forms")


def stored_case(live: LivePlatform, case_number: str) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """The stored case's form data (opened), its material references and state."""
    with live.db.session(write=False) as session:
        case = cases.by_number(session, case_number)
        assert case is not None
        data = live.app.state.sealer.open_text(case.data_sealed, purpose=DATA)
        return json.loads(data), list(case.materials), case.state
