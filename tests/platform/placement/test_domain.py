"""The placement API: plans run on the stored data of a subtree, saved, listed and read within scope."""

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from govkiosk.platform.accounts.models import Role
from govkiosk.platform.db.session import Database
from govkiosk.platform.placement import service as placement
from govkiosk.platform.placement.models import DemandPoint, PlacementSite
from tests.factories import Tree, build, create_terminal, create_tree, create_user, login

PLANS = "/api/v1/placement/plans"


@dataclass
class World:
    tree: Tree
    headers: dict[str, dict[str, str]]


def _district_data(session: Session, node_id: int, tag: str, lon: float) -> None:
    """Three clusters 2 km apart, a candidate at each, an existing hall at the first."""
    points = [
        DemandPoint(
            code=f"{tag}-d{k}", org_node_id=node_id, lon=lon + 0.02 * k, lat=22.5, population=100 * (k + 1)
        )
        for k in range(3)
    ]
    sites = [
        PlacementSite(code=f"{tag}-c{k}", org_node_id=node_id, name=f"候选{k}", kind="mall",
                      lon=lon + 0.02 * k, lat=22.5, cost=1.0 + k)
        for k in range(1, 3)
    ] + [PlacementSite(code=f"{tag}-hall", org_node_id=node_id, name="大厅", kind="service_hall",
                       lon=lon, lat=22.5, existing=True)]  # fmt: skip
    placement.add_demand_points(session, points)
    placement.add_sites(session, sites)


@pytest.fixture
def world(db: Database, client: TestClient) -> World:
    tree = build(db, create_tree)
    build(db, _district_data, tree.district_a.id, "a", 114.0)
    build(db, _district_data, tree.district_b.id, "b", 114.3)
    build(db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    build(db, create_user, "operator", Role.DISTRICT_OPERATOR, tree.district_a)
    build(db, create_user, "auditor", Role.AUDITOR, tree.district_a)
    build(db, create_user, "vendor", Role.VENDOR_MAINTAINER, tree.city, tree.vendor_x)
    return World(tree, {name: login(client, name) for name in ("admin", "operator", "auditor", "vendor")})


def _plan(client: TestClient, headers: dict[str, str], **body: object):  # type: ignore[no-untyped-def]
    return client.post(PLANS, headers=headers, json={"radius": 1000, "time_limit": 5, **body})


def test_an_operator_runs_an_exact_mclp_in_its_district_and_it_is_saved(
    world: World, client: TestClient
) -> None:
    response = _plan(client, world.headers["operator"], org_node_id=world.tree.district_a.id, p=1)
    assert response.status_code == 201, response.text
    plan = response.json()
    assert plan["status"] == "optimal" and plan["method"] == "exact" and plan["created_by"] == "operator"
    # The hall covers 100; one new site covers the largest other cluster (300).
    assert plan["objective"] == 400 and plan["report"]["sites"] == ["a-c2"]
    assert plan["inputs"] == {
        "demand_points": 3, "population": 600.0, "candidates": 2, "existing": 1,
        "site_kinds": {"mall": 2, "service_hall": 1},
    }  # fmt: skip
    assert plan["report"]["plan"]["coverage"] == pytest.approx(400 / 600)
    features = plan["geojson"]["features"]
    assert {f["properties"]["status"] for f in features} == {"new", "existing"}

    listed = client.get(PLANS, headers=world.headers["auditor"]).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == plan["id"]
    detail = client.get(f"{PLANS}/{plan['id']}", headers=world.headers["admin"]).json()
    assert detail["report"]["sites"] == ["a-c2"] and detail["options"]["p"] == 1


def test_every_model_runs_on_the_whole_city_heuristically_and_exactly(
    world: World, client: TestClient
) -> None:
    for model, p in (("mclp", 2), ("lscp", None), ("pmedian", 2), ("pcenter", 2)):
        for exact in (False, True):
            response = _plan(client, world.headers["admin"], model=model, p=p, exact=exact)
            assert response.status_code == 201, (model, exact, response.text)
            body = response.json()
            assert body["inputs"]["demand_points"] == 6 and body["org_node_id"] == world.tree.city.id
            assert body["status"] in ("optimal", "feasible"), (model, body["status"])
    assert client.get(PLANS, headers=world.headers["admin"]).json()["total"] == 8


def test_scope_decides_who_plans_and_who_reads(world: World, client: TestClient) -> None:
    plan_b = _plan(client, world.headers["admin"], org_node_id=world.tree.district_b.id, p=1).json()
    assert (
        _plan(client, world.headers["operator"], org_node_id=world.tree.district_b.id, p=1).status_code == 403
    )
    assert (
        _plan(client, world.headers["auditor"], org_node_id=world.tree.district_a.id, p=1).status_code == 403
    )
    assert client.get(f"{PLANS}/{plan_b['id']}", headers=world.headers["operator"]).status_code == 403
    assert client.get(PLANS, headers=world.headers["operator"]).json()["total"] == 0
    for url in (PLANS, "/api/v1/placement/coverage", f"{PLANS}/{plan_b['id']}"):
        assert client.get(url, headers=world.headers["vendor"]).status_code == 403
    assert client.get(f"{PLANS}/999999", headers=world.headers["admin"]).status_code == 404


def test_bad_requests_are_422_with_a_reason(world: World, client: TestClient) -> None:
    admin = world.headers["admin"]
    too_many = _plan(client, admin, org_node_id=world.tree.district_a.id, p=5)
    assert too_many.status_code == 422 and "only 2 candidate sites" in too_many.json()["error"]["message"]
    assert _plan(client, admin, p=1, time_limit=600).status_code == 422  # beyond the request-thread cap
    street = _plan(client, admin, org_node_id=world.tree.site_a.id, p=1)
    assert street.status_code == 422 and "no demand points" in street.json()["error"]["message"]


def test_deployed_kiosks_count_as_existing_facilities(world: World, client: TestClient, db: Database) -> None:
    tree = world.tree
    client.patch(
        f"/api/v1/orgs/{tree.site_a.id}", headers=world.headers["admin"], json={"lat": 22.5, "lon": 114.04}
    )
    build(db, lambda s: create_terminal(s, site=tree.site_a, vendor=tree.vendor_x).id)
    body = _plan(client, world.headers["operator"], org_node_id=tree.district_a.id, p=0).json()
    assert body["inputs"]["existing"] == 2 and body["inputs"]["site_kinds"]["kiosk"] == 1
    assert body["report"]["current_network"]["covered_population"] == 400  # hall 100 + kiosk's cluster 300
    without = _plan(
        client, world.headers["operator"], org_node_id=tree.district_a.id, p=0, include_kiosks=False
    )
    assert without.json()["report"]["current_network"]["covered_population"] == 100


def test_the_coverage_index_of_a_district_and_of_the_city(world: World, client: TestClient) -> None:
    city = client.get("/api/v1/placement/coverage?radius=1500", headers=world.headers["admin"]).json()
    assert city["node_id"] == world.tree.city.id and city["total"]["population"] == 1200
    assert [d["name"] for d in city["districts"]] == ["甲区", "乙区"]
    assert city["total"]["covered_now"] == 0 and city["radius_m"] == 1500
    mine = client.get("/api/v1/placement/coverage", headers=world.headers["operator"]).json()
    assert mine["node_id"] == world.tree.district_a.id and mine["total"]["population"] == 600
