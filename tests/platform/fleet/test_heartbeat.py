"""Heartbeats: buffered and written in batches, transitions stored as events, offline detected in time."""

from datetime import timedelta

from sqlalchemy import func, select

from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.fleet import service
from govkiosk.platform.terminals.models import TerminalEvent
from tests.platform.fleet.conftest import Fleet
from tests.platform.fleet.helpers import printer


def test_heartbeat_answer_and_batched_write(fleet: Fleet) -> None:
    kiosk = fleet.kiosk()
    response = kiosk.heartbeat(
        peripherals=[printer()], metrics={"uptime_s": 12.0}, installed={"agent": "0.1.0"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["interval_s"] == 60 and body["actions"] == [] and len(body["config_etag"]) == 32
    assert fleet.terminal(kiosk.terminal_id)["state"] == "unknown"  # buffered, not yet written
    assert fleet.flush() == 1
    detail = fleet.terminal(kiosk.terminal_id)
    assert detail["state"] == "online" and detail["versions"] == {"agent": "0.1.0"}
    assert detail["peripherals"][0]["simulated"] is True


def test_many_heartbeats_make_one_row_update_and_only_transition_events(fleet: Fleet) -> None:
    kiosk = fleet.kiosk()
    for _ in range(5):
        assert kiosk.heartbeat(peripherals=[printer()]).status_code == 200
    assert fleet.flush() == 1  # five heartbeats, one write: the newest
    for _ in range(5):
        kiosk.heartbeat(peripherals=[printer()])
        fleet.flush()
    kinds = [(e["kind"], e["from_state"], e["to_state"]) for e in fleet.events(kiosk.terminal_id)]
    assert kinds.count(("connectivity", "unknown", "online")) == 1
    assert not [k for k in kinds if k[0] == "peripheral"]


def test_peripheral_change_is_an_event(fleet: Fleet) -> None:
    kiosk = fleet.kiosk()
    kiosk.heartbeat(peripherals=[printer()])
    fleet.flush()
    kiosk.heartbeat(peripherals=[printer(level="low")])
    fleet.flush()
    kiosk.heartbeat(peripherals=[printer(level="out", state="userError")])
    fleet.flush()
    changes = [
        (e["from_state"], e["to_state"]) for e in fleet.events(kiosk.terminal_id) if e["kind"] == "peripheral"
    ]
    assert changes == [("online (paper:low)", "userError (paper:out)"), ("online", "online (paper:low)")]


def test_malformed_heartbeat_is_422_with_reason(fleet: Fleet) -> None:
    kiosk = fleet.kiosk()
    response = kiosk.heartbeat(peripherals=[{"device_class": "Toaster", "state": "online"}])
    assert response.status_code == 422
    assert "device_class" in response.json()["error"]["message"]
    assert kiosk.heartbeat(status="dancing").status_code == 422


def test_offline_within_two_intervals_plus_grace_and_never_stuck(fleet: Fleet) -> None:
    kiosk = fleet.kiosk()
    kiosk.heartbeat()
    fleet.flush()
    seen = utcnow()
    settings = fleet.app.state.settings
    bound = timedelta(seconds=2 * 60 + settings.offline_grace_s)
    sweep = timedelta(seconds=settings.sweep_interval_s)
    with fleet.db.session(write=True) as session:  # not before bound − one sweep period…
        assert service.sweep(session, seen + bound - sweep - timedelta(seconds=1)) == []
    with fleet.db.session(write=True) as session:  # …and by the first sweep that can see it, within the bound
        assert service.sweep(session, seen + bound - sweep + timedelta(seconds=1)) == [kiosk.terminal_id]
    assert fleet.terminal(kiosk.terminal_id)["state"] == "offline"
    kiosk.heartbeat()
    fleet.flush()
    assert fleet.terminal(kiosk.terminal_id)["state"] == "online"
    events = fleet.events(kiosk.terminal_id)
    transitions = [(e["from_state"], e["to_state"]) for e in events if e["kind"] == "connectivity"]
    assert transitions == [("offline", "online"), ("online", "offline"), ("unknown", "online")]
    with fleet.db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(TerminalEvent)) >= 3


def test_list_filters_by_state(fleet: Fleet) -> None:
    online, silent = fleet.kiosk("SN-ON"), fleet.kiosk("SN-SILENT")
    online.heartbeat()
    fleet.flush()
    body = fleet.client.get("/api/v1/terminals?state=online", headers=fleet.admin).json()
    assert body["total"] == 1 and [t["serial"] for t in body["items"]] == ["SN-ON"]
    assert fleet.client.get("/api/v1/terminals?state=unknown", headers=fleet.admin).json()["total"] == 1
    assert silent.terminal_id != online.terminal_id


def test_a_heartbeat_buffered_before_revocation_does_not_bring_the_terminal_back(fleet: Fleet) -> None:
    kiosk = fleet.kiosk()
    kiosk.heartbeat()
    fleet.flush()
    kiosk.heartbeat()  # buffered, not yet written
    fleet.client.post(f"/api/v1/terminals/{kiosk.terminal_id}/revoke", headers=fleet.admin, json={})
    fleet.flush()
    detail = fleet.terminal(kiosk.terminal_id)
    assert detail["state"] == "revoked" and detail["connectivity"] == "offline"
    events = fleet.events(kiosk.terminal_id)
    reasons = [e["detail"].get("reason") for e in events if e["to_state"] == "offline"]
    assert reasons == ["revoked"]


def test_reported_devices_are_checked_against_the_profile(fleet: Fleet) -> None:
    kiosk = fleet.kiosk()  # the tree's profile requires IdCardReader and Printer
    fleet.client.patch(
        f"/api/v1/terminals/{kiosk.terminal_id}",
        headers=fleet.admin,
        json={"profile_id": fleet.tree.profile.id},
    )
    card = {"device_class": "IdCardReader", "state": "online", "supplies": [], "simulated": True}
    kiosk.heartbeat(peripherals=[card, printer()])
    fleet.flush()
    healthy = fleet.terminal(kiosk.terminal_id)
    assert healthy["device_issues"] == [] and healthy["profile_conforms"] and not healthy["needs_attention"]
    camera = {"device_class": "Camera", "state": "hardwareError", "supplies": [], "simulated": True}
    kiosk.heartbeat(peripherals=[card | {"state": "noDevice"}, printer(level="low"), camera])
    fleet.flush()
    sick = fleet.terminal(kiosk.terminal_id)
    assert sick["device_issues"] == [
        "missing:IdCardReader",
        "fault:Camera:hardwareError",
        "supply:Printer:paper:low",
    ]
    assert not sick["profile_conforms"] and sick["needs_attention"]
    listed = fleet.client.get("/api/v1/terminals?attention=true", headers=fleet.admin).json()
    assert [t["id"] for t in listed["items"]] == [kiosk.terminal_id]
    kiosk.heartbeat(peripherals=[card, printer()])
    fleet.flush()
    assert fleet.client.get("/api/v1/terminals?attention=true", headers=fleet.admin).json()["total"] == 0
