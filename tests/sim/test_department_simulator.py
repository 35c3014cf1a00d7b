"""The department simulator against a live platform, real HTTP both ways: a kiosk's case goes out as a signed
webhook, and the simulator's signed callbacks carry it to the end of its journey."""

import time
import uuid
from datetime import UTC, datetime

import httpx

from govkiosk.crypto import SM2KeyPair
from govkiosk.platform.accounts.models import Role
from govkiosk.sim.department import DepartmentSimulator, journey, simulators_app
from tests.catalog_factories import create_department, department_token, item_body
from tests.conftest import LivePlatform, free_port
from tests.factories import PASSWORD, build, create_tree, create_user
from tests.platform.fleet.helpers import API, Kiosk

CITIZEN = "44030419900101002X"  # GB 11643 check character X


def _admin(client: httpx.Client) -> dict[str, str]:
    token = client.post("/api/v1/auth/token", data={"username": "admin", "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _wait(predicate, seconds: float = 60.0) -> None:  # type: ignore[no-untyped-def]  # noqa: ANN001
    deadline = time.time() + seconds
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.1)


def test_journeys_end_in_a_final_state() -> None:
    import random

    rng = random.Random(3)
    ends = {journey(rng)[-1][0] for _ in range(500)}
    assert ends == {"reject", "deny", "deliver", "request_supplement"}


def test_a_case_travels_to_the_department_and_back(live_platform: LivePlatform) -> None:
    tree = build(live_platform.db, create_tree)
    build(live_platform.db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    client = httpx.Client(base_url=live_platform.url, timeout=10)
    admin = _admin(client)
    department = create_department(client, admin, tree.city)  # type: ignore[arg-type]
    dept = department_token(client, admin, department["id"])  # type: ignore[arg-type]
    item_id = client.post("/api/dept/v1/items", headers=dept, json=item_body(department["code"], 1)).json()[
        "id"
    ]
    onboarding = client.post(
        "/api/dept/v1/onboarding", headers=dept, json={"subject": "item", "subject_id": item_id}
    )
    url = f"/api/v1/onboarding/{onboarding.json()['id']}"
    _wait(lambda: client.get(url, headers=admin).json()["state"] == "in_review")  # the checks job ran
    client.post(f"{url}/approve", headers=admin, json={})
    client.post(f"{url}/publish", headers=admin, json={"org_node_ids": [tree.city.id]})

    port = free_port()
    simulator = DepartmentSimulator(
        platform=live_platform.url, token=dept["Authorization"][7:], hmac_secret="", step_s=(0.02, 0.05)
    )
    endpoint = client.put(
        f"/api/v1/catalog/departments/{department['id']}/endpoint", headers=admin,
        json={"url": f"http://127.0.0.1:{port}/hooks"},
    ).json()  # fmt: skip
    simulator.hmac_secret = endpoint["hmac_secret"]
    server = LivePlatform(simulators_app([simulator]), port).start()  # type: ignore[arg-type]
    try:
        token = client.post(
            "/api/v1/enrollment-tokens", headers=admin, json={"label": "k", "org_node_id": tree.site_a.id}
        )
        kiosk = Kiosk(client, SM2KeyPair.generate())  # type: ignore[arg-type]
        kiosk.enroll(token.json()["token"], "SN-SIM-1")
        client.post(f"/api/v1/terminals/{kiosk.terminal_id}/approve", headers=admin, json={})
        assert kiosk.authenticate() == 200
        submission = {
            "idempotency_key": uuid.uuid4().hex, "item_id": item_id, "item_version": 1,
            "applicant": {"name": "李四", "id_number": CITIZEN, "verified_by": "idcard_face"},
            "submitted_at": datetime.now(UTC).isoformat(),
        }  # fmt: skip
        submitted = client.post(f"{API}/cases", json=submission, headers=kiosk.headers)
        assert submitted.status_code == 201, submitted.text
        case_number = submitted.json()["case_number"]
        final = {"rejected", "denied", "delivered", "supplement_requested"}
        _wait(lambda: client.get("/api/v1/cases", headers=admin).json()["items"][0]["state"] in final)
        case = client.get("/api/v1/cases", headers=admin).json()["items"][0]
        assert case["case_number"] == case_number
        acknowledged = [action for number, action in simulator.done if number == case_number]
        assert len(acknowledged) == len(case["steps"]) - 1  # every callback made exactly one step
        assert all(s["actor"].startswith("dept:") for s in case["steps"][1:])
    finally:
        server.stop()
        client.close()
