"""What a kiosk offers (GET /api/terminal/v1/catalog): items published to its place whose devices work now."""

from fastapi.testclient import TestClient

from govkiosk.platform.onboarding import tasks
from tests.catalog_factories import create_department, department_token, item_body
from tests.platform.fleet.conftest import Fleet
from tests.platform.fleet.helpers import API, printer

ID_READER = {"device_class": "IdCardReader", "state": "online", "supplies": [], "simulated": True}


def _publish(
    fleet: Fleet, body: dict, dept: dict, node_ids: list[int], profile_ids: list[int] | None = None
) -> int:
    client = fleet.client
    item_id = client.post("/api/dept/v1/items", headers=dept, json=body).json()["id"]
    onboarding = client.post(
        "/api/dept/v1/onboarding", headers=dept, json={"subject": "item", "subject_id": item_id}
    )
    tasks.check_pending(fleet.db)
    url = f"/api/v1/onboarding/{onboarding.json()['id']}"
    assert client.post(f"{url}/approve", headers=fleet.admin, json={}).status_code == 200
    targets = {"org_node_ids": node_ids, "profile_ids": profile_ids or []}
    assert client.post(f"{url}/publish", headers=fleet.admin, json=targets).status_code == 200
    return item_id


def _catalog(client: TestClient, headers: dict, etag: str | None = None):  # type: ignore[no-untyped-def]
    extra = {"If-None-Match": f'"{etag}"'} if etag else {}
    return client.get(f"{API}/catalog", headers={**headers, **extra})


def test_print_services_drop_out_when_paper_runs_out_and_come_back(fleet: Fleet) -> None:
    department = create_department(fleet.client, fleet.admin, fleet.tree.city)
    dept = department_token(fleet.client, fleet.admin, department["id"])
    printed = _publish(fleet, item_body(department["code"], 1), dept, [fleet.tree.district_a.id])
    query = _publish(
        fleet,
        item_body(department["code"], 2, name="不动产登记信息查询", required_devices=[]),
        dept,
        [fleet.tree.city.id],
    )
    kiosk = fleet.kiosk()
    kiosk.heartbeat(peripherals=[ID_READER, printer("ok")])
    fleet.flush()
    first = _catalog(fleet.client, kiosk.headers)
    assert sorted(o["id"] for o in first.json()["offers"]) == sorted([printed, query])
    assert _catalog(fleet.client, kiosk.headers, first.json()["etag"]).status_code == 304

    kiosk.heartbeat(peripherals=[ID_READER, printer("out")])
    fleet.flush()
    empty = _catalog(fleet.client, kiosk.headers, first.json()["etag"])
    assert empty.status_code == 200
    assert [o["id"] for o in empty.json()["offers"]] == [query]
    assert empty.json()["withheld"] == [
        {"subject": "item", "id": printed, "name": "社会保险参保证明打印1", "missing_devices": ["Printer"]}
    ]
    kiosk.heartbeat(peripherals=[ID_READER, printer("low")])
    fleet.flush()
    assert sorted(o["id"] for o in _catalog(fleet.client, kiosk.headers).json()["offers"]) == sorted(
        [printed, query]
    )


def test_a_kiosk_gets_only_what_is_published_to_its_place_and_profile(fleet: Fleet) -> None:
    department = create_department(fleet.client, fleet.admin, fleet.tree.city)
    dept = department_token(fleet.client, fleet.admin, department["id"])
    body = item_body(department["code"], 3, required_devices=[])
    _publish(fleet, body, dept, [fleet.tree.district_b.id])
    _publish(
        fleet,
        item_body(department["code"], 4, required_devices=[]),
        dept,
        [fleet.tree.city.id],
        [fleet.tree.profile.id],
    )
    kiosk = fleet.kiosk()  # in district A, with no profile: neither publication reaches it
    answer = _catalog(fleet.client, kiosk.headers).json()
    assert answer["offers"] == [] and answer["withheld"] == []
    assert fleet.client.get(f"{API}/catalog").status_code == 401
