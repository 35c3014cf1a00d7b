"""Demo data: Shenzhen's districts and streets (real, from shared/data/shenzhen), communities and sites
of our own making (is_demo), terminal profiles, simulated vendors and one user per demo role."""

import csv
import random
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from sqlalchemy.orm import Session

from govkiosk.contracts.terminal_api import DeviceClass
from govkiosk.platform.accounts import service as accounts
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.accounts.schemas import GrantCreate
from govkiosk.platform.configs.models import ConfigLayer
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind, OrgNode, SiteType
from govkiosk.platform.terminals import service as terminals
from govkiosk.sim import demo_channels
from govkiosk.sim.demo_catalog_seed import seed_catalog
from govkiosk.sim.demo_forms import seed_form_apps
from govkiosk.sim.demo_placement import seed_placement

SHARED_DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "shenzhen"

ALL_DEVICES = list(get_args(DeviceClass))
# The configuration standard (配置标准): code, name, required, optional, critical device classes.
PROFILES = [
    ("BASIC", "基础型 / Basic", ["IdCardReader", "BarcodeReader", "Printer"], ["Camera", "Audio"],
     ["IdCardReader", "Printer"]),
    ("STANDARD", "标准型 / Standard",
     ["IdCardReader", "BarcodeReader", "Camera", "Biometric", "DocumentScanner", "Printer", "Audio"],
     ["CardReader", "SignaturePad", "Keyboard", "Lights"], ["IdCardReader", "Biometric", "Printer"]),
    ("ENHANCED", "增强型 / Enhanced", ALL_DEVICES, [], ["IdCardReader", "Biometric", "Printer"]),
    ("BANK-REUSE", "银行利旧型 / Reused bank kiosk", ["IdCardReader", "CardReader", "Keyboard", "Printer"],
     ["Camera"], ["IdCardReader"]),
]  # fmt: skip
VENDORS = [
    ("SIM-A", "模拟厂商甲 (simulated)"),
    ("SIM-B", "模拟厂商乙 (simulated)"),
    ("SIM-C", "模拟厂商丙 (simulated)"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


DEMO_LOGINS = [
    DemoLogin("admin", "admin-demo-2026", "platform_admin"),
    DemoLogin("futian-op", "futian-demo-2026", "district_operator@福田区"),
    DemoLogin("auditor", "auditor-demo-2026", "auditor"),
    DemoLogin("vendor-a", "vendor-a-demo-2026", "vendor_maintainer@SIM-A"),
]


def _rows(name: str) -> list[dict[str, str]]:
    path = SHARED_DATA / name
    if not path.exists():
        raise FileNotFoundError(f"demo data needs {path} (the shared/ folder beside the checkout)")
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def seed_org_tree(session: Session, *, rng: random.Random) -> tuple[OrgNode, dict[str, OrgNode]]:
    """City → 10 districts → 74 streets (real) → 2 communities each → sites (demo)."""
    city = orgs.insert(
        session, parent=None, kind=OrgKind.CITY, name="深圳市", name_en="Shenzhen", code="440300"
    )
    districts: dict[str, OrgNode] = {}
    for row in _rows("districts.csv"):
        districts[row["name"]] = orgs.insert(
            session,
            parent=city,
            kind=OrgKind.DISTRICT,
            name=row["name"],
            name_en=row["name_en"],
            code=row["adcode"] or None,
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            population=int(row["population_2020"]),
        )
    for row in _rows("streets.csv"):
        district = districts[row["district"]]
        street = orgs.insert(session, parent=district, kind=OrgKind.STREET, name=row["street"])
        _seed_communities(session, street, district, rng)
    return city, districts


def _seed_communities(session: Session, street: OrgNode, district: OrgNode, rng: random.Random) -> None:
    stem = street.name.removesuffix("街道")
    for number, label in ((1, "一"), (2, "二")):
        community = orgs.insert(
            session, parent=street, kind=OrgKind.COMMUNITY, name=f"{stem}{label}社区（演示）", is_demo=True
        )
        sites = [(f"{stem}{label}社区党群服务中心", SiteType.COMMUNITY)]
        if number == 1:
            sites.append((f"{street.name}政务服务中心", SiteType.SERVICE_HALL))
        for name, site_type in sites:
            orgs.insert(
                session,
                parent=community,
                kind=OrgKind.SITE,
                name=name,
                site_type=site_type,
                is_demo=True,
                lat=round((district.lat or 22.55) + rng.uniform(-0.04, 0.04), 5),
                lon=round((district.lon or 114.05) + rng.uniform(-0.05, 0.05), 5),
                address=f"深圳市{district.name}{street.name}（演示地址）",
            )


def seed(session: Session, *, heartbeat_interval_s: int = 15) -> OrgNode:
    """Everything the demo needs except terminals; returns the city node."""
    rng = random.Random(503)
    city, districts = seed_org_tree(session, rng=rng)
    for code, name, required, optional, critical in PROFILES:
        terminals.ensure_profile(
            session, code=code, name=name, required=required, optional=optional, critical=critical
        )
    vendors = {code: terminals.ensure_vendor(session, code=code, name=name) for code, name in VENDORS}
    futian = districts["福田区"]
    grants = {
        "admin": GrantCreate(role=Role.PLATFORM_ADMIN, org_node_id=city.id),
        "futian-op": GrantCreate(role=Role.DISTRICT_OPERATOR, org_node_id=futian.id),
        "auditor": GrantCreate(role=Role.AUDITOR, org_node_id=city.id),
        "vendor-a": GrantCreate(
            role=Role.VENDOR_MAINTAINER, org_node_id=city.id, vendor_id=vendors["SIM-A"].id
        ),
    }
    for login in DEMO_LOGINS:
        accounts.bootstrap_user(
            session,
            username=login.username,
            display_name=f"演示 {login.role}",
            password=login.password,
            grants=[grants[login.username]],
            is_demo=True,
        )
    session.add(
        ConfigLayer(
            scope="org",
            scope_id=city.id,
            values={"heartbeat_interval_s": heartbeat_interval_s},
            updated_at=utcnow(),
            updated_by="demo",
        )
    )
    session.flush()
    seed_catalog(session, city, rng=rng)
    seed_form_apps(session, city)
    demo_channels.seed_channel_cases(session, city)
    seed_placement(session, city)
    return city


def site_ids(session: Session, city: OrgNode) -> list[int]:
    """Every site under the city, in tree order."""
    return [n.id for n in orgs.list_nodes(session, under=city, kind=OrgKind.SITE)]
