"""Remote actions: queued → delivered → running → succeeded, TTL, at-most-once, 410 when inactive."""

from datetime import timedelta

from sqlalchemy import update

from govkiosk.platform.actions.models import Action
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.fleet import tasks
from tests.platform.fleet.conftest import Fleet
from tests.platform.fleet.helpers import API


def _queue(fleet: Fleet, terminal_id: int, kind: str = "screenshot", **extra: object) -> dict:
    response = fleet.client.post(
        f"/api/v1/terminals/{terminal_id}/actions", headers=fleet.admin, json={"kind": kind, **extra}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _feedback(fleet: Fleet, kiosk, action_id: int, state: str, **extra: object):  # type: ignore[no-untyped-def]
    return fleet.client.post(
        f"{API}/actions/{action_id}/feedback", headers=kiosk.headers, json={"state": state, **extra}
    )


def test_action_lifecycle(fleet: Fleet) -> None:
    kiosk = fleet.kiosk()
    action = _queue(fleet, kiosk.terminal_id)
    assert action["state"] == "queued"
    delivered = kiosk.heartbeat().json()["actions"]
    assert [a["id"] for a in delivered] == [action["id"]]
    assert (
        fleet.client.get(f"/api/v1/actions/{action['id']}", headers=fleet.admin).json()["state"]
        == "delivered"
    )
    assert _feedback(fleet, kiosk, action["id"], "running").status_code == 200
    assert kiosk.heartbeat().json()["actions"] == []  # a running action is not delivered again
    done = _feedback(
        fleet, kiosk, action["id"], "succeeded", result={"png_base64": "AAAA", "simulated": True}
    )
    assert done.status_code == 200 and done.json()["state"] == "succeeded"
    again = _feedback(fleet, kiosk, action["id"], "succeeded")
    assert again.status_code == 410


def test_unacknowledged_action_is_redelivered_until_the_kiosk_reports(fleet: Fleet) -> None:
    kiosk = fleet.kiosk()
    action = _queue(fleet, kiosk.terminal_id, "lock_screen")
    assert [a["id"] for a in kiosk.heartbeat().json()["actions"]] == [action["id"]]
    assert [a["id"] for a in kiosk.heartbeat().json()["actions"]] == [action["id"]]


def test_canceled_and_expired_actions_answer_410(fleet: Fleet) -> None:
    kiosk = fleet.kiosk()
    canceled = _queue(fleet, kiosk.terminal_id)
    assert (
        fleet.client.post(f"/api/v1/actions/{canceled['id']}/cancel", headers=fleet.admin).status_code == 200
    )
    assert kiosk.heartbeat().json()["actions"] == []
    response = _feedback(fleet, kiosk, canceled["id"], "running")
    assert response.status_code == 410 and response.json()["error"]["code"] == "action_inactive"
    expiring = _queue(fleet, kiosk.terminal_id, "reboot", ttl_s=60)
    with fleet.db.session(write=True) as session:
        session.execute(
            update(Action)
            .where(Action.id == expiring["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    tasks.sweep_once(fleet.db)
    assert (
        fleet.client.get(f"/api/v1/actions/{expiring['id']}", headers=fleet.admin).json()["state"]
        == "expired"
    )
    assert _feedback(fleet, kiosk, expiring["id"], "running").status_code == 410


def test_feedback_for_another_terminals_action_is_404(fleet: Fleet) -> None:
    first, second = fleet.kiosk("SN-1"), fleet.kiosk("SN-2")
    action = _queue(fleet, first.terminal_id)
    assert _feedback(fleet, second, action["id"], "running").status_code == 404


def test_pending_terminal_takes_no_commands(fleet: Fleet) -> None:
    token = fleet.client.post(
        "/api/v1/enrollment-tokens",
        headers=fleet.admin,
        json={"label": "x", "org_node_id": fleet.tree.site_a.id},
    ).json()["token"]
    from govkiosk.crypto import SM2KeyPair
    from tests.platform.fleet.helpers import Kiosk

    pending = Kiosk(fleet.client, SM2KeyPair.generate())
    pending.enroll(token, "SN-P")
    response = fleet.client.post(
        f"/api/v1/terminals/{pending.terminal_id}/actions", headers=fleet.admin, json={"kind": "reboot"}
    )
    assert response.status_code == 409


def test_reading_a_screenshot_result_is_audited(fleet: Fleet) -> None:
    kiosk = fleet.kiosk()
    action = _queue(fleet, kiosk.terminal_id)
    kiosk.heartbeat()
    _feedback(fleet, kiosk, action["id"], "succeeded", result={"png_base64": "AAAA"})
    fleet.client.get(f"/api/v1/actions/{action['id']}", headers=fleet.admin)
    from govkiosk.platform.accounts.models import Role
    from tests.factories import build, create_user, login

    build(fleet.db, create_user, "aud", Role.AUDITOR, fleet.tree.city)
    events = fleet.client.get(
        "/api/v1/audit?action=action.result.read", headers=login(fleet.client, "aud")
    ).json()
    assert events["total"] == 1 and events["items"][0]["actor"] == "admin"
