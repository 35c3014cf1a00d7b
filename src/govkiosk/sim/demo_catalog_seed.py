"""Seeds the demo's service catalog: Shenzhen departments and kiosk items (demo_catalog.py) brought through
onboarding (入驻) over the past ten weeks, a few still waiting for review, and the real district list
(../shared/data/catalog) imported under a sample node, as `govkiosk catalog import` would."""

import random
from datetime import timedelta
from pathlib import Path

import structlog
from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import Grant, Principal
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.catalog import imports
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.models import Department, ServiceItem
from govkiosk.platform.catalog.schemas import ItemCreate
from govkiosk.platform.connectors import service as connectors
from govkiosk.platform.connectors.schemas import EndpointWrite
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.onboarding import service as onboarding
from govkiosk.platform.onboarding.checks import static_checks
from govkiosk.platform.onboarding.schemas import PublishTargets
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind, OrgNode
from govkiosk.sim.citizen import SERVICES as KIOSK_UI_SERVICES
from govkiosk.sim.demo_catalog import DEMO_DEPARTMENTS, DEMO_ITEMS

REAL_LIST = Path(__file__).resolve().parents[4] / "shared" / "data" / "catalog" / "guangan-district-items.csv"
ACTOR = Actor(username="demo")
WEEKS = 10
log = structlog.get_logger("govkiosk.demo")


def _reviewer(city: OrgNode) -> Principal:
    return Principal(
        user_id=0,
        username="demo-reviewer",
        display_name="演示审核",
        grants=(Grant(role=Role.PLATFORM_ADMIN, org_node_id=city.id, path=city.path),),
    )


def _onboard(
    session: Session, item: ServiceItem, city: OrgNode, targets: list[int], fate: str, rng: random.Random
) -> None:
    row = onboarding.submit(
        session,
        ACTOR,
        department_id=item.department_id,
        subject="item",
        subject_id=item.id,
        reason="申请上线自助终端",
    )
    results, _ = static_checks(session, row)  # the real checks: demo items must pass them like any other
    checked = onboarding.record_checks(session, row.id, results)
    if fate == "review" or checked is None or checked.state != "in_review":
        return
    reviewer = _reviewer(city)
    onboarding.move(session, reviewer.actor, row, "approve", reason="材料齐全，同意入驻")
    onboarding.publish(session, reviewer, row, PublishTargets(org_node_ids=targets, reason="按计划上线"))
    days = rng.uniform(1, WEEKS * 7 - 1)
    onboarding.backdate(session, row.id, utcnow() - timedelta(days=days))


def seed_catalog(session: Session, city: OrgNode, *, rng: random.Random) -> None:
    """Departments, the demo items (most onboarded, some in review, some not yet asked), the real list."""
    districts = orgs.list_nodes(session, under=city, kind=OrgKind.DISTRICT)
    departments: dict[str, Department] = {
        d["name"]: catalog.ensure_department(session, name=d["name"], code=d["code"], org_node_id=city.id)
        for d in DEMO_DEPARTMENTS
    }
    for n, entry in enumerate(DEMO_ITEMS):
        department = departments[entry["department"]]
        content = {k: v for k, v in entry.items() if k not in ("department", "department_code")}
        data = ItemCreate(**content, department_id=department.id)
        item = catalog.create_item(session, ACTOR, department, data, audited=False)
        if not data.kiosk_eligible or n % 9 == 8:
            continue  # not for kiosks, or the department has not asked yet
        fate = "review" if n % 9 == 7 else "publish"
        targets = (
            [city.id] if n % 3 else [d.id for d in rng.sample(list(districts), k=min(4, len(districts)))]
        )
        if entry["name"] in KIOSK_UI_SERVICES:
            targets = [
                city.id
            ]  # the services with form apps: every kiosk, so the demo's kiosk UI offers them
        _onboard(session, item, city, targets, fate, rng)
    _import_real_list(session, city)


def _import_real_list(session: Session, city: OrgNode) -> None:
    if not REAL_LIST.exists():
        log.warning("real district list absent; not imported", path=str(REAL_LIST))
        return
    node = orgs.insert(session, parent=city, kind=OrgKind.DISTRICT, name="广安区（导入样例）")
    node.is_demo, node.code = True, "511602"
    report = imports.import_file(session, ACTOR, REAL_LIST, org_node_id=node.id)
    log.info("imported the real district list", created=report.created, warnings=len(report.warnings))


def department_token(session: Session, city: OrgNode) -> tuple[str, str]:
    """An open-API token of the first demo department, for trying the department API."""
    department = catalog.ensure_department(
        session, name=DEMO_DEPARTMENTS[0]["name"], code=DEMO_DEPARTMENTS[0]["code"], org_node_id=city.id
    )
    secret, _ = catalog.issue_token(session, _reviewer(city), department.id, label="demo", days=30)
    return secret, department.name


def connect_simulators(session: Session, base_url: str) -> list[dict[str, str]]:
    """Point every demo department's webhook endpoint at the department simulator (a fresh HMAC secret and
    token each start, kept in memory only): what the simulator needs to play each department."""
    city = orgs.get_root(session)
    reviewer = _reviewer(city)
    played = []
    for entry in DEMO_DEPARTMENTS:
        department = catalog.ensure_department(
            session, name=entry["name"], code=entry["code"], org_node_id=city.id
        )
        path = f"/dept/{entry['key']}/hooks"
        endpoint = EndpointWrite(url=f"{base_url}{path}", new_hmac_secret=True)
        _, secret = connectors.set_endpoint(session, reviewer, department.id, endpoint)
        token, _ = catalog.issue_token(session, reviewer, department.id, label="simulator", days=2)
        played.append({"path": path, "token": token, "secret": secret or "", "department": department.name})
    return played
