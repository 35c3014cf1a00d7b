"""Seeds the demo's other channels' cases (窗口 window, 网上 online) of the demo items over the last weeks,
so the 办件率 has a denominator beyond the kiosks: synthetic rows (`synthetic`, ids `DEMO-…`)."""

import random
from datetime import timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from govkiosk.platform.cases.channel_models import ChannelCase
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind, OrgNode
from govkiosk.sim.demo_catalog import DEMO_DEPARTMENTS

WEEKS = 10
WINDOW_PER_WEEK = (0, 0, 1, 1, 2)  # per item and district; drawn uniformly
ONLINE_PER_WEEK = (0, 0, 0, 1)
OPEN_STATES = ("submitted", "accepted", "in_review", "completed")


def seed_channel_cases(session: Session, city: OrgNode, *, weeks: int = WEEKS, seed: int = 503) -> int:
    """Window cases at the districts' sites and online cases at the district nodes, for every published
    kiosk item of the demo departments, spread over the last `weeks` weeks; returns how many."""
    rng, now = random.Random(seed), utcnow()
    departments = {
        catalog.ensure_department(session, name=d["name"], code=d["code"], org_node_id=city.id).id
        for d in DEMO_DEPARTMENTS
    }
    items = sorted((i, d) for i, d, _enabled in catalog.eligible_items(session) if d in departments)
    sites: dict[int, list[int]] = {}
    for district in orgs.list_nodes(session, under=city, kind=OrgKind.DISTRICT):
        found = [n.id for n in orgs.list_nodes(session, under=district, kind=OrgKind.SITE)]
        if found:
            sites[district.id] = found
    rows: list[dict] = []
    for item_id, department_id in items:
        for district_id, district_sites in sites.items():
            for week in range(weeks):
                draws = [("window", rng.choice(WINDOW_PER_WEEK)), ("online", rng.choice(ONLINE_PER_WEEK))]
                for channel, count in draws:
                    for _ in range(count):
                        at = now - timedelta(weeks=week, seconds=rng.uniform(60, 7 * 24 * 3600))
                        state = "completed" if week else rng.choice(OPEN_STATES)
                        rows.append(
                            {
                                "department_id": department_id,
                                "external_id": f"DEMO-{len(rows) + 1:08d}",
                                "item_id": item_id,
                                "channel": channel,
                                "org_node_id": rng.choice(district_sites)
                                if channel == "window"
                                else district_id,
                                "received_at": at,
                                "state": state,
                                "reported_at": now,
                                "synthetic": True,
                            }
                        )
    if rows:
        session.execute(insert(ChannelCase), rows)
    return len(rows)
