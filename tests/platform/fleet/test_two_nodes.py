"""Two platform nodes on one database: revocation and new actions reach the other node's cache."""

from fastapi.testclient import TestClient

from govkiosk.platform.app import create_app
from govkiosk.platform.fleet import tasks
from tests.conftest import make_settings
from tests.platform.fleet.conftest import Fleet


def test_revocation_and_actions_reach_another_node_within_a_refresh(fleet: Fleet, db_url: str) -> None:
    other = create_app(make_settings(db_url), db=fleet.db)  # same secret key, same database
    kiosk = fleet.kiosk()
    with TestClient(other) as node_b:
        tasks.refresh_once(fleet.db, other.state.runtime)
        beat = lambda: node_b.post("/api/terminal/v1/heartbeat", json={}, headers=kiosk.headers)  # noqa: E731
        assert beat().status_code == 200
        queued = fleet.client.post(
            f"/api/v1/terminals/{kiosk.terminal_id}/actions", headers=fleet.admin, json={"kind": "reboot"}
        )
        tasks.refresh_once(fleet.db, other.state.runtime)
        assert [a["id"] for a in beat().json()["actions"]] == [queued.json()["id"]]
        fleet.client.post(f"/api/v1/terminals/{kiosk.terminal_id}/revoke", headers=fleet.admin, json={})
        assert kiosk.heartbeat().status_code == 401  # the revoking node: at once
        assert beat().status_code == 200  # the other node: until its next refresh (every second)…
        tasks.refresh_once(fleet.db, other.state.runtime)
        assert beat().status_code == 401  # …and no longer


def test_a_snapshot_read_before_an_approval_does_not_undo_it() -> None:
    """A node's cache refresh that read the database before a terminal was approved (or revoked) must not
    undo what the node learnt meanwhile (a token issued, a revocation)."""
    import time

    from govkiosk.platform.core.security import TokenSigner
    from govkiosk.platform.fleet.runtime import FleetRuntime

    runtime = FleetRuntime(signer=TokenSigner(b"k" * 32))
    runtime.refresh(not_approved={7, 8}, unstarted=set(), generation=1, taken_at=time.monotonic())
    stale = time.monotonic()  # a snapshot is being read now: 7 pending, 8 approved
    token = runtime.issue_token(7, epoch=1, ttl_s=60)  # meanwhile 7 is approved and authenticates
    runtime.revoke_now(9)  # and 9 is revoked
    runtime.refresh(not_approved={7}, unstarted=set(), generation=1, taken_at=stale)
    assert runtime.terminal_id_from(f"Bearer {token}") == 7
    assert 9 in runtime.not_approved
    runtime.refresh(not_approved=set(), unstarted=set(), generation=1, taken_at=time.monotonic())
    assert runtime.not_approved == set()  # a newer snapshot is believed again
