"""Enrollment, approval, challenge-signed authentication and revocation over the terminal API."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from govkiosk.crypto import SM2KeyPair
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.db.session import Database
from govkiosk.platform.terminals.models import EnrollmentToken
from tests.factories import build, create_tree, create_user, login
from tests.platform.fleet.helpers import API, Kiosk


def _setup(db: Database, client: TestClient, max_uses: int = 1) -> tuple[object, dict[str, str], str]:
    tree = build(db, create_tree)
    build(db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    admin = login(client, "admin")
    issued = client.post(
        "/api/v1/enrollment-tokens",
        headers=admin,
        json={"label": "批次一", "org_node_id": tree.site_a.id, "max_uses": max_uses},
    )
    assert issued.status_code == 201, issued.text
    return tree, admin, issued.json()["token"]


def test_enroll_wait_approve_then_authenticate(db: Database, client: TestClient) -> None:
    tree, admin, token = _setup(db, client)
    kiosk = Kiosk(client, SM2KeyPair.generate())
    assert kiosk.enroll(token, "SN-1")["state"] == "pending"
    status = kiosk.authenticate()
    assert status == 403
    approve = client.post(
        f"/api/v1/terminals/{kiosk.terminal_id}/approve", headers=admin, json={"reason": "核验通过"}
    )
    assert approve.status_code == 200 and approve.json()["state"] == "unknown"
    assert kiosk.authenticate() == 200
    assert kiosk.heartbeat().status_code == 200
    detail = client.get(f"/api/v1/terminals/{kiosk.terminal_id}", headers=admin).json()
    assert detail["org_node_id"] == tree.site_a.id and detail["vendor"] == "Vendor X"


def test_enrollment_token_is_one_time_and_expires(db: Database, client: TestClient) -> None:
    _tree, _admin, token = _setup(db, client)
    assert Kiosk(client, SM2KeyPair.generate()).enroll(token, "SN-1")["status"] == 201
    used = Kiosk(client, SM2KeyPair.generate()).enroll(token, "SN-2")
    assert used["status"] == 410 and used["error"]["code"] == "enrollment_token_used"
    unknown = Kiosk(client, SM2KeyPair.generate()).enroll("gket_not-a-real-token", "SN-3")
    assert unknown["status"] == 401
    with db.session(write=True) as session:
        session.execute(update(EnrollmentToken).values(expires_at=utcnow() - timedelta(minutes=1), uses=0))
    expired = Kiosk(client, SM2KeyPair.generate()).enroll(token, "SN-4")
    assert expired["status"] == 410 and expired["error"]["code"] == "enrollment_token_expired"


def test_a_retried_enrollment_gets_the_same_terminal(db: Database, client: TestClient) -> None:
    _tree, _admin, token = _setup(db, client, max_uses=1)
    kiosk = Kiosk(client, SM2KeyPair.generate())
    first = kiosk.enroll(token, "SN-1")
    retry = kiosk.enroll(token, "SN-1")  # the answer to the first attempt was lost; the token is used up
    assert retry["status"] == 201 and retry["terminal_id"] == first["terminal_id"]


def test_same_serial_cannot_enroll_twice_with_another_key(db: Database, client: TestClient) -> None:
    _tree, _admin, token = _setup(db, client, max_uses=3)
    assert Kiosk(client, SM2KeyPair.generate()).enroll(token, "SN-1")["status"] == 201
    again = Kiosk(client, SM2KeyPair.generate()).enroll(token, "SN-1")
    assert again["status"] == 409 and again["error"]["code"] == "serial_enrolled"


def test_preauthorised_serial_is_approved_at_its_site(db: Database, client: TestClient) -> None:
    tree, admin, token = _setup(db, client)
    pre = client.post(
        "/api/v1/preauthorized-serials",
        headers=admin,
        json={"serial": "SN-PRE", "org_node_id": tree.site_b.id},
    )
    assert pre.status_code == 201
    kiosk = Kiosk(client, SM2KeyPair.generate())
    assert kiosk.enroll(token, "SN-PRE")["state"] == "approved"
    assert kiosk.authenticate() == 200
    assert (
        client.get(f"/api/v1/terminals/{kiosk.terminal_id}", headers=admin).json()["org_node_id"]
        == tree.site_b.id
    )


def test_bad_public_key_and_malformed_enrollment(db: Database, client: TestClient) -> None:
    _tree, _admin, token = _setup(db, client)
    bad = client.post(
        f"{API}/enroll",
        json={
            "enrollment_token": token,
            "public_key": "04" + "00" * 64,
            "hardware": {"serial": "SN-1", "vendor": "VX", "model": "K"},
        },
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_public_key"
    malformed = client.post(f"{API}/enroll", json={"enrollment_token": token})
    assert malformed.status_code == 422 and "hardware" in malformed.json()["error"]["message"]


def test_wrong_key_and_replayed_challenge_are_refused(db: Database, client: TestClient) -> None:
    _tree, admin, token = _setup(db, client)
    kiosk = Kiosk(client, SM2KeyPair.generate())
    kiosk.enroll(token, "SN-1")
    client.post(f"/api/v1/terminals/{kiosk.terminal_id}/approve", headers=admin, json={})
    impostor = Kiosk(client, SM2KeyPair.generate(), terminal_id=kiosk.terminal_id)
    assert impostor.authenticate() == 401
    challenge = client.post(f"{API}/auth/challenge", json={"terminal_id": kiosk.terminal_id}).json()[
        "challenge"
    ]
    body = {
        "terminal_id": kiosk.terminal_id,
        "challenge": challenge,
        "signature": kiosk.key.sign(challenge.encode()).hex(),
    }
    assert client.post(f"{API}/auth/token", json=body).status_code == 200
    replay = client.post(f"{API}/auth/token", json=body)
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "challenge_invalid"


def test_revocation_takes_effect_at_once(db: Database, client: TestClient) -> None:
    _tree, admin, token = _setup(db, client)
    kiosk = Kiosk(client, SM2KeyPair.generate())
    kiosk.enroll(token, "SN-1")
    client.post(f"/api/v1/terminals/{kiosk.terminal_id}/approve", headers=admin, json={})
    kiosk.authenticate()
    assert kiosk.heartbeat().status_code == 200
    assert (
        client.post(
            f"/api/v1/terminals/{kiosk.terminal_id}/revoke", headers=admin, json={"reason": "丢失"}
        ).status_code
        == 200
    )
    assert kiosk.heartbeat().status_code == 401
    assert kiosk.authenticate() == 401


def test_unknown_terminal_and_garbage_token_get_401(db: Database, client: TestClient) -> None:
    build(db, create_tree)
    assert client.post(f"{API}/auth/challenge", json={"terminal_id": 999}).status_code == 401
    response = client.post(f"{API}/heartbeat", json={}, headers={"Authorization": "Bearer nonsense.value"})
    assert response.status_code == 401


def test_decisions_are_audited_by_name(db: Database, client: TestClient) -> None:
    tree, admin, token = _setup(db, client, max_uses=2)
    build(db, create_user, "aud", Role.AUDITOR, tree.city)
    first, second = Kiosk(client, SM2KeyPair.generate()), Kiosk(client, SM2KeyPair.generate())
    first.enroll(token, "SN-1")
    second.enroll(token, "SN-2")
    client.post(f"/api/v1/terminals/{first.terminal_id}/approve", headers=admin, json={})
    client.post(f"/api/v1/terminals/{second.terminal_id}/reject", headers=admin, json={})
    client.post(f"/api/v1/terminals/{first.terminal_id}/revoke", headers=admin, json={})
    query = "/api/v1/audit?action=terminal.&object_type=terminal"
    found = client.get(query, headers=login(client, "aud")).json()
    expected = ["terminal.enroll"] * 2 + ["terminal.approve", "terminal.reject", "terminal.revoke"]
    assert sorted(e["action"] for e in found["items"]) == sorted(expected)
