"""办件率: departments report their window and online cases (idempotently, checked row by row); the rate is
kiosk cases ÷ all cases of the items offered at kiosks, per district, department and item, and week by week.

The world, by hand: department D1 (city) with items I1 and I4 at kiosks and I2 (window only, not at kiosks);
department D2 (district B). Kiosk cases of I1: 3 at site A, 1 at site B. D1 reports I1 window ×2 in
district A, I1 online ×2 at its own (city) node, I1 window ×3 at site B 15 days ago, I2 window ×5 at site A
(not counted: not a kiosk item) and I4 window ×2 at site A."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from govkiosk.crypto import SM2KeyPair
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.db.session import Database
from govkiosk.platform.onboarding import tasks as checks
from govkiosk.platform.orgs.models import OrgNode
from tests.catalog_factories import create_department, department_token, item_body
from tests.factories import Tree, build, create_tree, create_user, login
from tests.platform.fleet.helpers import API, Kiosk

REPORT = "/api/dept/v1/cases/report"
CITIZEN = "44030419900101002X"
CHANNELS = ["window", "online", "kiosk"]


def _ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


class World:
    """The hand-checkable world of the module docstring."""

    def __init__(self, client: TestClient, db: Database):
        self.client, self.db = client, db
        self.tree: Tree = build(db, create_tree)
        build(db, create_user, "admin", Role.PLATFORM_ADMIN, self.tree.city)
        build(db, create_user, "op-a", Role.DISTRICT_OPERATOR, self.tree.district_a)
        self.admin = login(client, "admin")
        d1 = create_department(client, self.admin, self.tree.city, seed=1)
        d2 = create_department(client, self.admin, self.tree.district_b, seed=2)
        self.d1_id, self.d2_id = d1["id"], d2["id"]
        self.d1 = department_token(client, self.admin, d1["id"])
        self.d2 = department_token(client, self.admin, d2["id"])
        self.i1 = self.publish(self.d1, item_body(d1["code"], 1, name="参保证明打印", channels=CHANNELS))
        self.i4 = self.publish(self.d1, item_body(d1["code"], 4, name="缴费记录打印", channels=CHANNELS))
        body = item_body(d1["code"], 2, name="窗口专办", channels=["window"], kiosk_eligible=False)
        body["required_devices"] = []
        self.i2 = client.post("/api/dept/v1/items", headers=self.d1, json=body).json()["id"]
        self.i3 = client.post("/api/dept/v1/items", headers=self.d2, json=item_body(d2["code"], 3)).json()[
            "id"
        ]

    def publish(self, dept: dict, body: dict) -> int:
        item_id = self.client.post("/api/dept/v1/items", headers=dept, json=body).json()["id"]
        onboarding = self.client.post(
            "/api/dept/v1/onboarding", headers=dept, json={"subject": "item", "subject_id": item_id}
        )
        checks.check_pending(self.db)
        url = f"/api/v1/onboarding/{onboarding.json()['id']}"
        assert self.client.post(f"{url}/approve", headers=self.admin, json={}).status_code == 200
        published = self.client.post(
            f"{url}/publish", headers=self.admin, json={"org_node_ids": [self.tree.city.id]}
        )
        assert published.status_code == 200, published.text
        return item_id

    def kiosk(self, node: OrgNode, serial: str) -> Kiosk:
        token = self.client.post(
            "/api/v1/enrollment-tokens", headers=self.admin, json={"label": serial, "org_node_id": node.id}
        ).json()["token"]
        kiosk = Kiosk(self.client, SM2KeyPair.generate())
        kiosk.enroll(token, serial)
        self.client.post(f"/api/v1/terminals/{kiosk.terminal_id}/approve", headers=self.admin, json={})
        assert kiosk.authenticate() == 200
        return kiosk

    def submit(self, kiosk: Kiosk, item_id: int) -> None:
        body = {
            "idempotency_key": uuid.uuid4().hex, "item_id": item_id, "item_version": 1, "data": {},
            "applicant": {"name": "张小三", "id_number": CITIZEN, "verified_by": "idcard_face"},
            "submitted_at": datetime.now(UTC).isoformat(),
        }  # fmt: skip
        answer = self.client.post(f"{API}/cases", json=body, headers=kiosk.headers)
        assert answer.status_code == 201, answer.text

    def report(self, rows: list[dict], dept: dict | None = None):  # type: ignore[no-untyped-def]
        return self.client.post(REPORT, headers=dept or self.d1, json={"cases": rows})

    def rate(self, by: str, headers: dict | None = None, **params: str) -> dict[str, dict]:
        answer = self.client.get(
            "/api/v1/cases-rate", headers=headers or self.admin, params={"by": by, **params}
        )
        assert answer.status_code == 200, answer.text
        return {p["name"]: p for p in answer.json()}


def row(external_id: str, item_id: int, channel: str = "window", **extra: object) -> dict:
    return {
        "external_id": external_id,
        "item_id": item_id,
        "channel": channel,
        "received_at": _ago(hours=1),
        **extra,
    }


@pytest.fixture
def world(client: TestClient, db: Database) -> World:
    return World(client, db)


@pytest.fixture
def filled(world: World) -> World:
    t = world.tree
    site_a, site_b = world.kiosk(t.site_a, "SN-A"), world.kiosk(t.site_b, "SN-B")
    for _ in range(3):
        world.submit(site_a, world.i1)
    world.submit(site_b, world.i1)
    rows = [
        row("W-1", world.i1, org_node_id=t.site_a.id, state="completed"),
        row("W-2", world.i1, org_node_id=t.district_a.id, received_at=_ago(hours=2)),
        row("O-1", world.i1, "online"),
        row("O-2", world.i1, "online"),
        *(row(f"B-{n}", world.i1, org_node_id=t.site_b.id, received_at=_ago(days=15)) for n in range(3)),
        *(row(f"X-{n}", world.i2, org_node_id=t.site_a.id) for n in range(5)),
        *(row(f"I4-{n}", world.i4, org_node_id=t.site_a.id) for n in range(2)),
    ]
    answer = world.report(rows)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["created"], answer.json()["duplicates"]) == (14, 0)
    return world


def _figures(point: dict) -> tuple:
    return point["kiosk"], point["window"], point["online"], point["total"], point["rate"]


def test_rate_per_district_department_and_item(filled: World) -> None:
    districts = filled.rate("district")
    assert _figures(districts["甲区"]) == (3, 4, 0, 7, 0.4286)  # 3 ÷ (3 + W-1, W-2, I4-0, I4-1)
    assert _figures(districts["乙区"]) == (1, 3, 0, 4, 0.25)  # the online cases at the city node: no district
    assert list(districts) == ["甲区", "乙区"]  # highest rate first
    departments = filled.rate("department")
    assert _figures(departments["社保局1"]) == (4, 7, 2, 13, 0.3077)  # I2's five window cases do not count
    assert "社保局2" not in departments
    items = filled.rate("item")
    assert _figures(items["参保证明打印"]) == (4, 5, 2, 11, 0.3636)
    assert _figures(items["缴费记录打印"]) == (0, 2, 0, 2, 0.0)
    assert "窗口专办" not in items  # not offered at kiosks: neither side of the rate


def test_since_counts_only_recent_cases(filled: World) -> None:
    recent = filled.rate("district", since=_ago(days=7))
    assert _figures(recent["乙区"]) == (1, 0, 0, 1, 1.0)  # the three window cases were 15 days ago
    assert _figures(recent["甲区"]) == (3, 4, 0, 7, 0.4286)


def test_a_district_operator_sees_only_cases_handled_in_the_district(filled: World) -> None:
    operator = login(filled.client, "op-a")
    assert list(filled.rate("district", operator)) == ["甲区"]
    assert _figures(filled.rate("department", operator)["社保局1"]) == (3, 4, 0, 7, 0.4286)


def test_history_has_one_point_per_week(filled: World) -> None:
    answer = filled.client.get("/api/v1/cases-rate/history?weeks=4", headers=filled.admin)
    assert answer.status_code == 200, answer.text
    series = {s["name"]: s["points"] for s in answer.json()}
    b = [(p["kiosk"], p["total"], p["rate"]) for p in series["乙区"]]
    assert b == [(0, 0, None), (0, 3, 0.0), (0, 0, None), (1, 1, 1.0)]  # 15 days ago: the 2nd-oldest week
    assert [(p["kiosk"], p["total"]) for p in series["甲区"]] == [(0, 0), (0, 0), (0, 0), (3, 7)]
    weeks = series["甲区"]
    assert all(a["until"] == b["since"] for a, b in zip(weeks, weeks[1:], strict=False))
    span = datetime.fromisoformat(weeks[-1]["until"]) - datetime.fromisoformat(weeks[0]["since"])
    assert span == timedelta(weeks=4)
    assert filled.client.get("/api/v1/cases-rate/history?weeks=0", headers=filled.admin).status_code == 422


def test_reporting_again_changes_nothing(filled: World) -> None:
    before = filled.rate("department")["社保局1"]
    again = filled.report(
        [row("W-1", filled.i1, "online", state="rejected"), row("W-9", filled.i1), row("W-9", filled.i1)]
    )
    assert again.status_code == 200, again.text
    body = again.json()
    assert (body["received"], body["created"], body["duplicates"]) == (3, 1, 2)
    first, new, repeat = body["cases"]
    assert (first["duplicate"], first["channel"], first["state"]) == (
        True,
        "window",
        "completed",
    )  # as before
    assert (new["duplicate"], repeat["duplicate"], repeat["id"]) == (False, True, new["id"])
    after = filled.rate("department")["社保局1"]
    assert (after["window"], after["total"]) == (before["window"] + 1, before["total"] + 1)
    # Another department may use the same external id: ids are the department's own.
    other = filled.report([row("W-1", filled.i3, org_node_id=filled.tree.site_b.id)], filled.d2)
    assert other.status_code == 200 and other.json()["created"] == 1


BAD_ROWS: list[tuple[dict[str, object], str]] = [
    ({"item_id": 999_999}, "cases.1.item_id"),
    ({"channel": "kiosk"}, "cases.1.channel"),
    ({"channel": "fax"}, "cases.1.channel"),
    ({"external_id": ""}, "cases.1.external_id"),
    ({"received_at": "yesterday"}, "cases.1.received_at"),
    ({"received_at": "2099-01-01T00:00:00Z"}, "cases.1.received_at"),
    ({"state": "lost"}, "cases.1.state"),
    ({"org_node_id": 999_999}, "cases.1.org_node_id"),
    ({"applicant_name": "张三"}, "cases.1.applicant_name"),  # no personal data here
]


def test_a_bad_row_refuses_the_batch_and_is_named(world: World) -> None:
    for n, (change, where) in enumerate(BAD_ROWS):
        answer = world.report([row(f"OK-{n}", world.i1), {**row(f"BAD-{n}", world.i1), **change}])
        assert answer.status_code == 422, (change, answer.text)
        assert answer.json()["error"]["message"].startswith(where), (change, answer.json()["error"])
    # Nothing of a refused batch was stored.
    assert world.report([row(f"OK-{n}", world.i1) for n in range(len(BAD_ROWS))]).json()["created"] == len(
        BAD_ROWS
    )


def test_item_channel_department_and_batch_limits(world: World) -> None:
    not_online = world.report([row("N-1", world.i2, "online")])
    assert not_online.status_code == 422 and "not handled online" in not_online.json()["error"]["message"]
    others = world.report([row("N-2", world.i1)], world.d2)  # D1's item through D2's token
    assert others.status_code == 422
    assert others.json()["error"]["message"].startswith("cases.0.item_id: service item")
    outside = world.report([row("N-3", world.i3, org_node_id=world.tree.site_a.id)], world.d2)
    assert outside.status_code == 422 and outside.json()["error"]["message"].startswith("cases.0.org_node_id")
    too_many = world.report([row(f"M-{n}", world.i1) for n in range(501)])
    assert too_many.status_code == 422 and "cases" in too_many.json()["error"]["message"]
    assert world.report([]).status_code == 422
    assert world.report([row(f"M-{n}", world.i1) for n in range(500)]).json()["created"] == 500
    assert world.client.post(REPORT, json={"cases": [row("N-4", world.i1)]}).status_code == 401


def test_the_rate_needs_case_read(world: World) -> None:
    build(world.db, create_user, "vendor", Role.VENDOR_MAINTAINER, world.tree.city, world.tree.vendor_x)
    vendor = login(world.client, "vendor")
    assert world.client.get("/api/v1/cases-rate", headers=vendor).status_code == 403
    assert world.client.get("/api/v1/cases-rate/history", headers=vendor).status_code == 403
    assert world.client.get("/api/v1/cases-rate").status_code == 401
    districts = world.rate("district")  # no cases yet: every district, no rate
    assert {n: (p["total"], p["rate"]) for n, p in districts.items()} == {
        "甲区": (0, None),
        "乙区": (0, None),
    }
