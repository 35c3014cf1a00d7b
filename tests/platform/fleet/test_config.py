"""Configuration inherited down the org tree, then profile, then terminal; ETags and 304."""

import pytest

from tests.platform.fleet.conftest import Fleet
from tests.platform.fleet.helpers import API


def test_inheritance_order_and_etag(fleet: Fleet) -> None:
    kiosk = fleet.kiosk()
    put = lambda scope, sid, values: fleet.client.put(  # noqa: E731
        f"/api/v1/configs/{scope}/{sid}", headers=fleet.admin, json={"values": values}
    )
    assert (
        put(
            "org",
            fleet.tree.city.id,
            {"language": "zh-CN", "heartbeat_interval_s": 30, "ui": {"font": "large", "theme": "light"}},
        ).status_code
        == 200
    )
    assert (
        put(
            "org", fleet.tree.district_a.id, {"service_hours": "09:00-18:00", "ui": {"theme": "dark"}}
        ).status_code
        == 200
    )
    assert put("org", fleet.tree.district_b.id, {"service_hours": "00:00-23:59"}).status_code == 200
    assert put("terminal", kiosk.terminal_id, {"heartbeat_interval_s": 20}).status_code == 200
    resolved = fleet.client.get(f"/api/v1/terminals/{kiosk.terminal_id}/config", headers=fleet.admin).json()
    assert resolved["values"]["service_hours"] == "09:00-18:00"
    assert resolved["values"]["ui"] == {"font": "large", "theme": "dark"}
    assert resolved["values"]["heartbeat_interval_s"] == 20
    assert resolved["sources"]["heartbeat_interval_s"] == f"terminal:{kiosk.terminal_id}"
    fleet.refresh()
    answer = kiosk.heartbeat().json()
    assert answer["config_etag"] == resolved["etag"] and answer["interval_s"] == 20
    first = fleet.client.get(f"{API}/config", headers=kiosk.headers)
    assert first.status_code == 200 and first.json()["etag"] == resolved["etag"]
    again = fleet.client.get(
        f"{API}/config", headers={**kiosk.headers, "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


def test_a_change_reaches_the_heartbeat_after_a_refresh(fleet: Fleet) -> None:
    kiosk = fleet.kiosk()
    before = kiosk.heartbeat().json()["config_etag"]
    fleet.client.put(
        f"/api/v1/configs/org/{fleet.tree.site_a.id}",
        headers=fleet.admin,
        json={"values": {"language": "en"}},
    )
    fleet.refresh()
    after = kiosk.heartbeat().json()["config_etag"]
    assert after != before
    fleet.client.put(
        f"/api/v1/configs/org/{fleet.tree.site_a.id}",
        headers=fleet.admin,
        json={"values": {"language": None}},
    )
    fleet.refresh()
    assert kiosk.heartbeat().json()["config_etag"] == before


def test_invalid_interval_is_refused(fleet: Fleet) -> None:
    response = fleet.client.put(
        f"/api/v1/configs/org/{fleet.tree.city.id}",
        headers=fleet.admin,
        json={"values": {"heartbeat_interval_s": 1}},
    )
    assert response.status_code == 422


@pytest.mark.parametrize(("idle", "status"), [(59, 422), (60, 200), (120, 200), (121, 422), ("90", 422)])
def test_the_citizen_screens_idle_timeout_is_60_to_120_seconds(
    fleet: Fleet, idle: object, status: int
) -> None:
    response = fleet.client.put(
        f"/api/v1/configs/org/{fleet.tree.city.id}",
        headers=fleet.admin,
        json={"values": {"session_idle_timeout_s": idle}},
    )
    assert response.status_code == status, response.text


def test_a_node_resolves_the_whole_fleet_like_each_terminal_alone(fleet: Fleet) -> None:
    from govkiosk.platform.fleet import service

    kiosks = [fleet.kiosk(f"SN-{i}") for i in range(4)]
    put = lambda scope, sid, values: fleet.client.put(  # noqa: E731
        f"/api/v1/configs/{scope}/{sid}", headers=fleet.admin, json={"values": values}
    )
    put("org", fleet.tree.city.id, {"heartbeat_interval_s": 30})
    put("org", fleet.tree.site_a.id, {"language": "en"})
    put("profile", fleet.tree.profile.id, {"printer": {"dpi": 300}})
    put("terminal", kiosks[0].terminal_id, {"heartbeat_interval_s": 15})
    fleet.client.patch(
        f"/api/v1/terminals/{kiosks[1].terminal_id}",
        headers=fleet.admin,
        json={"profile_id": fleet.tree.profile.id, "org_node_id": fleet.tree.site_b.id},
    )
    with fleet.db.session(write=False) as session:
        everything = service.resolve_all_configs(session)
        one_by_one = {}
        for kiosk in kiosks:
            resolved = service.resolve_config(session, kiosk.terminal_id)
            one_by_one[kiosk.terminal_id] = (resolved.etag, resolved.values["heartbeat_interval_s"])
    assert everything == one_by_one
    assert everything[kiosks[0].terminal_id][1] == 15 and everything[kiosks[2].terminal_id][1] == 30
    assert everything[kiosks[1].terminal_id][0] != everything[kiosks[2].terminal_id][0]
    fleet.refresh()
    assert fleet.app.state.runtime.config_cache == everything
