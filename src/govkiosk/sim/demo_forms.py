"""Form apps (表单应用) for the demo: the example forms of `platform/support/forms/examples.py` bound to the
demo items of the same name, brought through onboarding (入驻) with the real automatic checks and published
where their items are, so kiosks offer a form for those items."""

import structlog
from sqlalchemy.orm import Session

from govkiosk.contracts.terminal_api import DeviceClass
from govkiosk.platform.catalog import repository as catalog_repository
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.models import ServiceApp, ServiceItem
from govkiosk.platform.catalog.schemas import AppContent, AppKind
from govkiosk.platform.onboarding import repository as onboarding_repository
from govkiosk.platform.onboarding import service as onboarding
from govkiosk.platform.onboarding.checks import static_checks
from govkiosk.platform.onboarding.schemas import PublishTargets
from govkiosk.platform.orgs.models import OrgNode
from govkiosk.platform.support.forms.examples import EXAMPLES, example_definition
from govkiosk.sim.demo_catalog import DEMO_ITEMS
from govkiosk.sim.demo_catalog_seed import ACTOR, _reviewer

log = structlog.get_logger("govkiosk.demo")

# Devices a form needs beyond its item's: a document camera for scanned materials, a printer for a print.
FORM_DEVICES: dict[str, list[DeviceClass]] = {
    "灵活就业人员参保登记": ["DocumentScanner"],
    "生育津贴申领": ["DocumentScanner"],
    "社会保险参保证明打印": ["Printer"],
}


def seed_form_apps(session: Session, city: OrgNode) -> list[int]:
    """A published form app for each published demo item that has an example form; their ids."""
    app_ids = []
    for entry in DEMO_ITEMS:
        if entry["name"] not in EXAMPLES:
            continue
        item = _published_item(session, entry["task_code"])
        if item is None:
            log.info("no published demo item for a form app", item=entry["name"])
            continue
        app = _create_app(session, item, entry["name"])
        if _onboard(session, app, _targets(session, item, city), city):
            app_ids.append(app.id)
    return app_ids


def _published_item(session: Session, task_code: str) -> ServiceItem | None:
    """The demo item with this implementation code, when a version of it is published."""
    items = [i for i in catalog_repository.items_with_code(session, task_code) if i.published_version]
    return items[0] if items else None


def _create_app(session: Session, item: ServiceItem, name: str) -> ServiceApp:
    """The form app of one item: the example definition pinned to the item's published version."""
    assert item.published_version is not None
    content = AppContent(
        name=name,
        kind=AppKind.FORM,
        item_id=item.id,
        form_definition=example_definition(name, item_id=item.id, item_version=item.published_version),
        required_devices=FORM_DEVICES.get(name, []),
        description=f"{name}（演示表单）",
    )
    department = catalog.get_department(session, item.department_id)
    return catalog.create_app(session, ACTOR, department, content)


def _targets(session: Session, item: ServiceItem, city: OrgNode) -> list[int]:
    """Where the item is live (so every kiosk offering it offers its form); the city otherwise."""
    live = onboarding_repository.open_for(session, "item", item.id, states=onboarding.LIVE_STATES)
    nodes = sorted({node for row in live for node in row.org_node_ids or []})
    return nodes or [city.id]


def _onboard(session: Session, app: ServiceApp, targets: list[int], city: OrgNode) -> bool:
    """submit → the real automatic checks → approve → publish; False when the checks did not pass."""
    row = onboarding.submit(
        session, ACTOR, department_id=app.department_id, subject="app", subject_id=app.id,
        reason="表单应用申请上线自助终端",
    )  # fmt: skip
    results, _ = static_checks(session, row)
    checked = onboarding.record_checks(session, row.id, results)
    if checked is None or checked.state != "in_review":
        failed = [r.name for r in results if not r.passed]
        log.warning("demo form app failed its checks", app=app.id, failed=failed)
        return False
    reviewer = _reviewer(city)
    onboarding.move(session, reviewer.actor, row, "approve", reason="表单校验通过，同意入驻")
    onboarding.publish(session, reviewer, row, PublishTargets(org_node_ids=targets, reason="随事项上线"))
    return True
