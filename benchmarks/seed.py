"""A benchmark database: migrated, a small org tree, N approved terminals (bulk-inserted), their tokens."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from sqlalchemy import insert, select

from govkiosk.contracts.terminal_api import DeviceClass, HeartbeatRequest
from govkiosk.crypto import SM2KeyPair
from govkiosk.platform.configs.models import ConfigLayer
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.core.security import TokenSigner
from govkiosk.platform.db import migrate
from govkiosk.platform.db.session import Database
from govkiosk.platform.fleet.runtime import FleetRuntime
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind
from govkiosk.platform.terminals import service as terminals
from govkiosk.platform.terminals.models import EnrollmentState, Terminal

SITES = 50
CHUNK = 10_000
TOKEN_TTL_S = 6 * 3600


@dataclass
class Fleet:
    db_url: str
    secret: str
    ids: list[int]
    tokens: list[str]
    root_org_id: int


def heartbeat_body() -> dict[str, Any]:
    """What a typical kiosk reports: all 11 device classes, a printer low on toner, versions, metrics."""
    classes = get_args(DeviceClass)
    peripherals: list[dict[str, Any]] = []
    for cls in classes:
        device: dict[str, Any] = {"device_class": cls, "state": "online", "supplies": [], "simulated": False}
        if cls == "Printer":
            device["supplies"] = [{"name": "paper", "level": "ok"}, {"name": "toner", "level": "low"}]
        if cls == "DocumentScanner":
            device["supplies"] = [{"name": "media", "level": "ok"}]
        peripherals.append(device)
    body = {
        "status": "idle",
        "peripherals": peripherals,
        "installed": {
            "govkiosk-agent": "0.1.0",
            "kiosk-ui": "0.1.0",
            "xfs4iot-bridge": "2.3.1",
            "os": "UOS 20 1070",
            "idcard-driver": "5.2.0",
            "printer-driver": "3.14.2",
        },
        "metrics": {
            "cpu_pct": 12.5,
            "mem_pct": 41.2,
            "disk_free_mb": 51234,
            "uptime_s": 86400,
            "temp_c": 45.5,
            "sessions_today": 37,
            "net_rtt_ms": 18.0,
        },
        "config_etag": "0123456789abcdef0123456789abcdef",
    }
    HeartbeatRequest.model_validate(body)  # the body must be what the platform accepts
    return body


def heartbeat_json() -> str:
    return json.dumps(heartbeat_body(), separators=(",", ":"))


def create_fleet(path: Path, n: int, *, interval_s: int | None = None) -> Fleet:
    """Create `path` (SQLite), migrate it and register `n` approved terminals; `interval_s` adds a root
    configuration layer setting the heartbeat interval."""
    db_url = f"sqlite:///{path}"
    secret = secrets.token_hex(32)
    db = Database(db_url)
    try:
        migrate.upgrade(db.engine)
        with db.session(write=True) as session:
            city = orgs.insert(session, parent=None, kind=OrgKind.CITY, name="基准市")
            district = orgs.insert(session, parent=city, kind=OrgKind.DISTRICT, name="基准区")
            street = orgs.insert(session, parent=district, kind=OrgKind.STREET, name="基准街道")
            community = orgs.insert(session, parent=street, kind=OrgKind.COMMUNITY, name="基准社区")
            sites = [
                orgs.insert(
                    session, parent=community, kind=OrgKind.SITE, name=f"站点{i}", site_type="community"
                ).id
                for i in range(SITES)
            ]
            vendor = terminals.ensure_vendor(session, code="BENCH", name="Bench Vendor")
            profile = terminals.ensure_profile(
                session,
                code="STD",
                name="标准型",
                required=["IdCardReader", "Printer"],
                critical=["IdCardReader"],
            )
            vendor_id, profile_id, root_id = vendor.id, profile.id, city.id
            if interval_s is not None:
                session.add(
                    ConfigLayer(
                        scope="org",
                        scope_id=root_id,
                        values={"heartbeat_interval_s": interval_s},
                        updated_at=utcnow(),
                        updated_by="bench",
                    )
                )
        public_key = SM2KeyPair.generate().public_hex
        now = utcnow()
        for start in range(0, n, CHUNK):
            rows = [
                {
                    "serial": f"BENCH-{i:07d}",
                    "vendor_id": vendor_id,
                    "model": "M1",
                    "profile_id": profile_id,
                    "org_node_id": sites[i % SITES],
                    "public_key": public_key,
                    "key_algorithm": "sm2",
                    "enrollment_state": EnrollmentState.APPROVED.value,
                    "credential_epoch": 1,
                    "connectivity": "unknown",
                    "hardware": {},
                    "versions": {},
                    "peripherals": [],
                    "metrics": {},
                    "enrolled_at": now,
                    "decided_at": now,
                    "decided_by": "bench",
                }
                for i in range(start, min(n, start + CHUNK))
            ]
            with db.session(write=True) as session:
                session.execute(insert(Terminal), rows)
        with db.session(write=False) as session:
            ids = list(session.scalars(select(Terminal.id).order_by(Terminal.id)).all())
    finally:
        db.dispose()
    runtime = FleetRuntime(signer=TokenSigner(secret.encode()))
    tokens = [runtime.issue_token(tid, 1, TOKEN_TTL_S) for tid in ids]
    return Fleet(db_url=db_url, secret=secret, ids=ids, tokens=tokens, root_org_id=root_id)
