"""The demo data: Shenzhen's real districts and streets, demo communities and sites, one user per role."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from govkiosk.platform.db.session import Database
from govkiosk.platform.orgs.models import OrgNode
from govkiosk.sim import demo_data

pytestmark = pytest.mark.skipif(
    not (demo_data.SHARED_DATA / "districts.csv").exists(), reason="../shared/data is not beside the checkout"
)


def test_seed_builds_shenzhen_and_demo_logins_work(db: Database, client: TestClient) -> None:
    with db.session(write=True) as session:
        demo_data.seed(session)
    with db.session(write=False) as session:
        count = lambda kind: session.scalar(select(func.count()).where(OrgNode.kind == kind))  # noqa: E731
        shenzhen = select(OrgNode.name).where(OrgNode.kind == "district", OrgNode.is_demo.is_(False))
        assert len(set(session.scalars(shenzhen))) == 10 and count("street") == 74
        names = set(session.scalars(shenzhen))
        assert {
            "福田区",
            "罗湖区",
            "盐田区",
            "南山区",
            "宝安区",
            "龙岗区",
            "龙华区",
            "坪山区",
            "光明区",
            "大鹏新区",
        } == names
        not_demo = session.scalar(
            select(func.count()).where(OrgNode.kind.in_(["community", "site"]), OrgNode.is_demo.is_(False))
        )
        assert not_demo == 0 and count("community") == 148
    profiles = {p["code"]: p for p in _profiles(client)}
    assert set(profiles) == {"BASIC", "STANDARD", "ENHANCED", "BANK-REUSE"}
    assert "SignaturePad" in profiles["STANDARD"]["optional_devices"]
    assert "Biometric" in profiles["STANDARD"]["required_devices"]
    for login in demo_data.DEMO_LOGINS:
        response = client.post(
            "/api/v1/auth/token", data={"username": login.username, "password": login.password}
        )
        assert response.status_code == 200, login.username
    operator = client.post(
        "/api/v1/auth/token", data={"username": "futian-op", "password": "futian-demo-2026"}
    )
    headers = {"Authorization": f"Bearer {operator.json()['access_token']}"}
    visible = client.get("/api/v1/orgs?kind=district", headers=headers).json()
    assert [d["name"] for d in visible["items"]] == ["福田区"]


def _profiles(client: TestClient) -> list[dict]:
    token = client.post("/api/v1/auth/token", data={"username": "admin", "password": "admin-demo-2026"})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    return client.get("/api/v1/profiles", headers=headers).json()["items"]


def test_the_demo_catalog_is_onboarded_and_kiosks_can_be_offered_it(db: Database, client: TestClient) -> None:
    from govkiosk.platform.onboarding import rates
    from govkiosk.sim.demo_catalog import DEMO_ITEMS
    from govkiosk.sim.demo_catalog_seed import REAL_LIST

    with db.session(write=True) as session:
        demo_data.seed(session)
    with db.session(write=False) as session:
        figures = {r.name: r for r in rates.by_district(session, ["/"])}
        assert figures["福田区"].eligible >= 30 and 0.5 < (figures["福田区"].rate or 0) < 1
        history = rates.history(session, ["/"], weeks=10)
        futian = next(s for s in history if s.name == "福田区")
        assert futian.points[0].enabled < futian.points[-1].enabled  # onboarding grew over the weeks
    page = client.get(
        "/api/v1/catalog/items", params={"q": "sbcb", "limit": 5}, headers=_admin(client)
    ).json()
    assert page["total"] >= 1 and any("社会保险" in i["name"] or "社保" in i["name"] for i in page["items"])
    everything = client.get("/api/v1/catalog/items", params={"limit": 1}, headers=_admin(client)).json()
    assert everything["total"] >= len(DEMO_ITEMS) + (1135 if REAL_LIST.exists() else 0)


def _admin(client: TestClient) -> dict[str, str]:
    login = demo_data.DEMO_LOGINS[0]
    token = client.post("/api/v1/auth/token", data={"username": login.username, "password": login.password})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}
