"""The real agent against the real platform (the `live_platform` fixture): enroll, approve, act."""

import asyncio
import base64
from pathlib import Path

import httpx

from govkiosk.agent.sync.agent import Agent
from govkiosk.platform.accounts.models import Role
from tests.agent.fake_platform import fast_options, wait_for
from tests.conftest import LivePlatform
from tests.factories import PASSWORD, build, create_tree, create_user


async def _admin(live: LivePlatform, http: httpx.AsyncClient) -> tuple[dict[str, str], int]:
    tree = build(live.db, create_tree)
    build(live.db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    response = await http.post("/api/v1/auth/token", data={"username": "admin", "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}, tree.site_a.id


async def _poll_action(http: httpx.AsyncClient, headers: dict[str, str], action_id: int) -> dict:
    for _ in range(300):
        action = (await http.get(f"/api/v1/actions/{action_id}", headers=headers)).json()
        if action["state"] in ("succeeded", "failed", "rejected", "expired", "canceled"):
            return action
        await asyncio.sleep(0.05)
    raise AssertionError(f"action {action_id} did not finish")


async def test_agent_enrolls_is_approved_and_runs_a_screenshot(
    live_platform: LivePlatform, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=live_platform.url, timeout=10) as http:
        headers, site_id = await _admin(live_platform, http)
        issued = await http.post(
            "/api/v1/enrollment-tokens", headers=headers, json={"label": "e2e", "org_node_id": site_id}
        )
        token = issued.json()["token"]
        options = fast_options(
            tmp_path / "k", platform=live_platform.url, enroll_token=token, interval_override=0.3
        )
        agent = Agent(options)
        await agent.start()
        try:
            await wait_for(lambda: agent.terminal_id is not None, timeout=10)
            if agent.enrollment != "approved":
                approved = await http.post(
                    f"/api/v1/terminals/{agent.terminal_id}/approve", headers=headers, json={}
                )
                assert approved.status_code == 200, approved.text
            await wait_for(lambda: agent.online, timeout=15)
            queued = await http.post(
                f"/api/v1/terminals/{agent.terminal_id}/actions", headers=headers, json={"kind": "screenshot"}
            )
            assert queued.status_code == 201, queued.text
            action = await _poll_action(http, headers, queued.json()["id"])
        finally:
            await agent.stop()
    assert action["state"] == "succeeded", action
    assert base64.b64decode(action["result"]["image_base64"])[:8] == b"\x89PNG\r\n\x1a\n"
