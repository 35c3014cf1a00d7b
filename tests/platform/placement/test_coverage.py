"""The live coverage index: hand-checkable cases, and a fleet whose kiosks go offline, fail and recover."""

from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy.orm import Session

from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.fleet import service as fleet_service
from govkiosk.platform.placement import coverage
from govkiosk.platform.placement import service as placement
from govkiosk.platform.placement.coverage import Demand, Kiosk, blocking_issues, compute_index
from govkiosk.platform.placement.models import DemandPoint
from tests.factories import build
from tests.platform.fleet.conftest import Fleet, fleet  # noqa: F401 - the fixture, reused
from tests.platform.fleet.helpers import printer

LON, LAT = 114.0, 22.5
# 0.005° of longitude at 22.5° N ≈ 514 m; 0.1° ≈ 10.3 km.
DEMAND = Demand(
    lonlat=np.array([(LON, LAT), (LON + 0.005, LAT), (LON + 0.1, LAT)]),
    population=np.array([100.0, 200.0, 300.0]),
    district=np.array([1, 1, 2]),
)


def test_a_serving_kiosk_covers_its_neighbours_and_a_failed_one_only_the_potential() -> None:
    kiosks = [Kiosk(1, LON, LAT, 1, serving=True), Kiosk(2, LON + 0.1, LAT, 2, serving=False)]
    index = compute_index(DEMAND, kiosks, radius=1000)
    assert index.total.population == 600
    assert index.total.covered_now == 300 and index.total.covered_deployed == 600
    assert index.total.share_now == pytest.approx(0.5) and index.total.share_deployed == 1.0
    assert (index.districts[1].covered_now, index.districts[1].covered_deployed) == (300, 300)
    assert (index.districts[2].covered_now, index.districts[2].covered_deployed) == (0, 300)
    assert (index.districts[2].kiosks, index.districts[2].serving) == (1, 0)
    assert index.covered_now.tolist() == [True, True, False]


def test_the_radius_decides_and_a_site_with_one_serving_kiosk_serves() -> None:
    kiosks = [Kiosk(1, LON, LAT, 1, serving=False), Kiosk(2, LON, LAT, 1, serving=True)]
    assert compute_index(DEMAND, kiosks, radius=400).total.covered_now == 100  # 514 m is beyond 400 m
    assert compute_index(DEMAND, kiosks, radius=600).total.covered_now == 300
    nobody = compute_index(DEMAND, [], radius=1000)
    assert nobody.total.covered_deployed == 0 and nobody.total.kiosks == 0


def test_only_critical_devices_missing_faulty_or_run_out_block_service() -> None:
    issues = ["missing:IdCardReader", "fault:Camera:hardwareError", "supply:Printer:paper:low"]
    assert blocking_issues(issues, ["IdCardReader", "Printer"]) == ["missing:IdCardReader"]
    assert blocking_issues(["supply:Printer:paper:out"], ["Printer"]) == ["supply:Printer:paper:out"]
    assert blocking_issues(issues, []) == []
    reasons = coverage.why_not_serving(approved=True, connectivity="offline", issues=[], critical=[])
    assert reasons == ("connectivity:offline",)


def test_the_coverage_matrix_is_cached_by_coordinates() -> None:
    kiosks = [Kiosk(1, LON, LAT, 1, serving=True)]
    compute_index(DEMAND, kiosks, radius=777)
    hits = coverage.MATRICES.hits
    compute_index(DEMAND, [Kiosk(1, LON, LAT, 1, serving=False)], radius=777)
    assert coverage.MATRICES.hits == hits + 1


# --- driven through the fleet's own services ---------------------------------------------------------

CARD = {"device_class": "IdCardReader", "state": "online", "supplies": [], "simulated": True}


def _place(fleet: Fleet) -> None:  # noqa: F811
    """Site A gets coordinates; district A gets two demand points around it, district B one far off."""
    tree = fleet.tree
    response = fleet.client.patch(
        f"/api/v1/orgs/{tree.site_a.id}", headers=fleet.admin, json={"lat": LAT, "lon": LON}
    )
    assert response.status_code == 200, response.text

    def add(session: Session) -> None:
        placement.add_demand_points(
            session,
            [
                DemandPoint(code="a1", org_node_id=tree.district_a.id, lon=LON, lat=LAT, population=1000),
                DemandPoint(
                    code="a2", org_node_id=tree.district_a.id, lon=LON + 0.005, lat=LAT, population=500
                ),
                DemandPoint(
                    code="b1", org_node_id=tree.district_b.id, lon=LON + 0.1, lat=LAT, population=2500
                ),
            ],
        )

    build(fleet.db, add)


def _index(fleet: Fleet) -> dict:  # noqa: F811
    response = fleet.client.get("/api/v1/placement/coverage", headers=fleet.admin)
    assert response.status_code == 200, response.text
    return response.json()


def _healthy(fleet: Fleet):  # type: ignore[no-untyped-def]  # noqa: F811
    kiosk = fleet.kiosk()
    fleet.client.patch(
        f"/api/v1/terminals/{kiosk.terminal_id}",
        headers=fleet.admin,
        json={"profile_id": fleet.tree.profile.id},
    )
    kiosk.heartbeat(peripherals=[CARD, printer()])
    fleet.flush()
    return kiosk


def test_coverage_drops_when_the_kiosk_goes_offline_and_comes_back(fleet: Fleet) -> None:  # noqa: F811
    _place(fleet)
    kiosk = _healthy(fleet)
    index = _index(fleet)
    assert index["total"]["covered_now"] == 1500 and index["total"]["population"] == 4000
    district_a = next(d for d in index["districts"] if d["node_id"] == fleet.tree.district_a.id)
    assert district_a["share_now"] == 1.0 and district_a["serving"] == 1

    with fleet.db.session(write=True) as session:  # the offline sweep, run past the kiosk's deadline
        assert fleet_service.sweep(session, utcnow() + timedelta(hours=1)) == [kiosk.terminal_id]
    offline = _index(fleet)
    assert offline["total"]["covered_now"] == 0 and offline["total"]["covered_deployed"] == 1500

    kiosk.heartbeat(peripherals=[CARD, printer()])
    fleet.flush()
    assert _index(fleet)["total"]["covered_now"] == 1500


def test_coverage_drops_when_a_critical_device_fails_not_when_another_does(fleet: Fleet) -> None:  # noqa: F811
    _place(fleet)
    kiosk = _healthy(fleet)  # the tree's profile: IdCardReader critical, Printer required only
    kiosk.heartbeat(peripherals=[CARD, printer(state="hardwareError")])
    fleet.flush()
    assert _index(fleet)["total"]["covered_now"] == 1500

    kiosk.heartbeat(peripherals=[CARD | {"state": "hardwareError"}, printer()])
    fleet.flush()
    failed = _index(fleet)
    assert failed["total"]["covered_now"] == 0 and failed["total"]["serving"] == 0
    assert failed["total"]["kiosks"] == 1

    kiosk.heartbeat(peripherals=[CARD, printer()])
    fleet.flush()
    assert _index(fleet)["total"]["covered_now"] == 1500


def test_a_revoked_kiosk_leaves_the_deployed_network(fleet: Fleet) -> None:  # noqa: F811
    _place(fleet)
    kiosk = _healthy(fleet)
    fleet.client.post(f"/api/v1/terminals/{kiosk.terminal_id}/revoke", headers=fleet.admin, json={})
    index = _index(fleet)
    assert index["total"]["kiosks"] == 0 and index["total"]["covered_deployed"] == 0
