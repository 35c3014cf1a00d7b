"""Factories: small org trees, users with roles, terminals — built through the services."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from govkiosk.crypto import SM2KeyPair
from govkiosk.platform.accounts import service as accounts
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.accounts.schemas import GrantCreate
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.db.session import Database
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind, OrgNode
from govkiosk.platform.terminals import service as terminals
from govkiosk.platform.terminals.models import EnrollmentState, Terminal, TerminalProfile, Vendor

PASSWORD = "correct-horse-battery"


@dataclass
class Tree:
    """city ─┬─ district A ─ street A ─ community A ─ site A
    └─ district B ─ street B ─ community B ─ site B"""

    city: OrgNode
    district_a: OrgNode
    site_a: OrgNode
    district_b: OrgNode
    site_b: OrgNode
    vendor_x: Vendor
    vendor_y: Vendor
    profile: TerminalProfile


def _branch(session: Session, city: OrgNode, name: str, code: str) -> tuple[OrgNode, OrgNode]:
    district = orgs.insert(session, parent=city, kind=OrgKind.DISTRICT, name=f"{name}区", code=code)
    street = orgs.insert(session, parent=district, kind=OrgKind.STREET, name=f"{name}街道")
    community = orgs.insert(session, parent=street, kind=OrgKind.COMMUNITY, name=f"{name}社区")
    site = orgs.insert(
        session, parent=community, kind=OrgKind.SITE, name=f"{name}服务中心", site_type="community"
    )
    return district, site


def create_tree(session: Session) -> Tree:
    city = orgs.insert(session, parent=None, kind=OrgKind.CITY, name="测试市", code="440300")
    district_a, site_a = _branch(session, city, "甲", "440304")
    district_b, site_b = _branch(session, city, "乙", "440305")
    profile = terminals.ensure_profile(
        session, code="STD", name="标准型", required=["IdCardReader", "Printer"], critical=["IdCardReader"]
    )
    return Tree(
        city=city,
        district_a=district_a,
        site_a=site_a,
        district_b=district_b,
        site_b=site_b,
        vendor_x=terminals.ensure_vendor(session, code="VX", name="Vendor X"),
        vendor_y=terminals.ensure_vendor(session, code="VY", name="Vendor Y"),
        profile=profile,
    )


def create_user(
    session: Session, username: str, role: Role, node: OrgNode, vendor: Vendor | None = None
) -> int:
    user = accounts.bootstrap_user(
        session,
        username=username,
        display_name=username,
        password=PASSWORD,
        grants=[GrantCreate(role=role, org_node_id=node.id, vendor_id=vendor.id if vendor else None)],
    )
    return user.id


def create_terminal(session: Session, *, site: OrgNode, vendor: Vendor, **overrides: object) -> Terminal:
    values: dict[str, object] = {
        "serial": f"T-{site.id}-{vendor.code}-{utcnow().timestamp():.6f}",
        "vendor_id": vendor.id,
        "model": "M1",
        "org_node_id": site.id,
        "public_key": SM2KeyPair.generate().public_hex,
        "enrollment_state": EnrollmentState.APPROVED,
        "enrolled_at": utcnow(),
    }
    values.update(overrides)
    terminal = Terminal(**values)
    session.add(terminal)
    session.flush()
    return terminal


def build(db: Database, fn, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
    """Run a factory in its own committed transaction."""
    with db.session(write=True) as session:
        result = fn(session, *args, **kwargs)
        session.expunge_all()
        return result


def login(client, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Authorization headers of an API token for `username`."""
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
