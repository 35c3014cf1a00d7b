"""The real agent against the real platform (the `live_platform` fixture): enroll, approve, act."""

import asyncio
import base64
from pathlib import Path

import httpx

from govkiosk.agent.sync.agent import Agent
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.app import create_app
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


async def _enrolled_agent(live: LivePlatform, http: httpx.AsyncClient, state_dir: Path, **options: object):  # type: ignore[no-untyped-def]
    headers, site_id = await _admin(live, http)
    issued = await http.post(
        "/api/v1/enrollment-tokens", headers=headers, json={"label": "e2e", "org_node_id": site_id}
    )
    agent = Agent(fast_options(state_dir, platform=live.url, enroll_token=issued.json()["token"], **options))
    await agent.start()
    await wait_for(lambda: agent.terminal_id is not None, timeout=10)
    await http.post(f"/api/v1/terminals/{agent.terminal_id}/approve", headers=headers, json={})
    await wait_for(lambda: agent.online, timeout=15)
    return agent, headers


async def test_push_nudge_brings_an_action_long_before_the_next_heartbeat(
    live_platform: LivePlatform, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=live_platform.url, timeout=10) as http:
        agent, headers = await _enrolled_agent(
            live_platform, http, tmp_path / "k", interval_override=None, push=True
        )
        try:
            assert (
                agent.interval_s == 60
            )  # the platform's default: without the nudge nothing happens for a minute
            await asyncio.sleep(1.0)  # let the push socket connect
            queued = await http.post(
                f"/api/v1/terminals/{agent.terminal_id}/actions",
                headers=headers,
                json={"kind": "lock_screen"},
            )
            action = await _poll_action(http, headers, queued.json()["id"])
        finally:
            await agent.stop()
    assert action["state"] == "succeeded"
    assert action["finished_at"] is not None


async def test_agent_catches_up_after_the_platform_restarts(
    live_platform: LivePlatform, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=live_platform.url, timeout=10) as http:
        agent, headers = await _enrolled_agent(live_platform, http, tmp_path / "k", interval_override=0.3)
        try:
            live_platform.stop()
            await asyncio.sleep(1.5)  # the agent meets connection errors and backs off
            restarted = LivePlatform(
                create_app(live_platform.app.state.settings, db=live_platform.db), live_platform.port
            ).start()
            try:
                queued = await http.post(
                    f"/api/v1/terminals/{agent.terminal_id}/actions",
                    headers=headers,
                    json={"kind": "restart_app"},
                )
                action = await _poll_action(http, headers, queued.json()["id"])
                terminal = (await http.get(f"/api/v1/terminals/{agent.terminal_id}", headers=headers)).json()
            finally:
                restarted.stop()
        finally:
            await agent.stop()
    assert action["state"] == "succeeded"
    assert terminal["state"] == "online"


async def test_revoked_agent_stops_heartbeating(live_platform: LivePlatform, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=live_platform.url, timeout=10) as http:
        agent, headers = await _enrolled_agent(live_platform, http, tmp_path / "k", interval_override=0.2)
        try:
            revoked = await http.post(
                f"/api/v1/terminals/{agent.terminal_id}/revoke", headers=headers, json={}
            )
            assert revoked.status_code == 200
            await wait_for(lambda: agent.enrollment == "revoked", timeout=10)
            terminal = (await http.get(f"/api/v1/terminals/{agent.terminal_id}", headers=headers)).json()
        finally:
            await agent.stop()
    assert terminal["state"] == "revoked" and terminal["connectivity"] != "online"


async def test_a_submission_made_while_the_platform_is_down_is_delivered_later(
    live_platform: LivePlatform, tmp_path: Path
) -> None:
    import uuid

    from govkiosk.contracts.terminal_api import Applicant, CaseSubmission
    from govkiosk.platform.catalog import service as catalog
    from govkiosk.platform.catalog.models import Department
    from govkiosk.platform.catalog.schemas import ItemCreate
    from govkiosk.platform.core.actor import Actor
    from govkiosk.platform.core.clock import utcnow

    async with httpx.AsyncClient(base_url=live_platform.url, timeout=10) as http:
        agent, headers = await _enrolled_agent(live_platform, http, tmp_path / "k", interval_override=0.3)

        def make_item(session):  # type: ignore[no-untyped-def]
            root = session.get(Department, 1) or catalog.ensure_department(
                session, name="社保局", code="D-1", org_node_id=1
            )
            data = ItemCreate(name="社保参保证明打印", item_type="BM", department_id=root.id)
            return catalog.create_item(session, Actor("t"), root, data, publish=True).id

        item_id = build(live_platform.db, make_item)
        live_platform.stop()  # the network is down
        try:
            assert agent.outbox is not None
            submission = CaseSubmission(
                idempotency_key=uuid.uuid4().hex, item_id=item_id, item_version=1, submitted_at=utcnow(),
                applicant=Applicant(name="张三", id_number="44030419900101002X", verified_by="idcard_face"),
            )  # fmt: skip
            agent.outbox.enqueue(submission)
            await wait_for(
                lambda: any(e.kind in ("queued", "retrying") for e in agent.outbox_events), timeout=10
            )
            assert agent.outbox.pending_count == 1
            back = LivePlatform(live_platform.app, live_platform.port).start()  # the network is back
            try:
                agent.outbox.wake()
                await wait_for(lambda: agent.outbox.pending_count == 0, timeout=30)
                cases = (await http.get("/api/v1/cases", headers=headers)).json()
            finally:
                back.stop()
        finally:
            await agent.stop()
    assert cases["total"] == 1 and cases["items"][0]["state"] == "submitted"
    assert [e.kind for e in agent.outbox_events][-1] == "submitted"
