"""The agent against an in-process fake platform: enrollment, authentication, heartbeats and actions."""

import asyncio
import base64
import contextlib
import json
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from govkiosk import __version__
from govkiosk.agent.sync.agent import Agent, AgentSetupError
from govkiosk.agent.sync.state import ActionRecord, AgentState, StateStore
from tests.agent.fake_platform import (
    ENROLL_TOKEN,
    FakePlatform,
    SwitchableTransport,
    asgi_client,
    fast_options,
    wait_for,
)


@contextlib.asynccontextmanager
async def running(
    state_dir: Path, fake: FakePlatform, **overrides: Any
) -> AsyncIterator[tuple[Agent, SwitchableTransport]]:
    """An agent running against `fake`, stopped (and its client closed) afterwards."""
    http, transport = asgi_client(fake)
    async with http:
        agent = Agent(fast_options(state_dir, **overrides), http=http)
        await agent.start()
        try:
            yield agent, transport
        finally:
            await agent.stop()


async def _online(agent: Agent, fake: FakePlatform, beats: int = 1) -> int:
    await wait_for(
        lambda: agent.terminal_id is not None and len(fake.heartbeats_of(agent.terminal_id)) >= beats
    )
    assert agent.terminal_id is not None
    return agent.terminal_id


def _final(fake: FakePlatform, action_id: int) -> dict[str, Any]:
    return next(f for f in fake.feedback_for(action_id) if f["state"] != "running")


async def _until_final(fake: FakePlatform, action_id: int) -> dict[str, Any]:
    await wait_for(lambda: any(f["state"] != "running" for f in fake.feedback_for(action_id)))
    return _final(fake, action_id)


async def test_enrolls_authenticates_and_reports(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with running(tmp_path / "k1", fake) as (agent, _):
        terminal_id = await _online(agent, fake, beats=2)
        assert agent.online
    beat = fake.heartbeats_of(terminal_id)[-1]
    assert beat.status == "idle"
    assert beat.installed == {"agent": __version__}  # no kiosk UI served (no ui_port): no kiosk_ui version
    assert len(beat.peripherals) == 11 and all(p.simulated for p in beat.peripherals)
    assert beat.metrics["uptime_s"] >= 0 and beat.metrics["boots"] == 1
    saved = json.loads((tmp_path / "k1" / "state.json").read_text())
    assert (saved["terminal_id"], saved["enrollment"]) == (terminal_id, "approved")
    assert stat.S_IMODE((tmp_path / "k1" / "terminal.key").stat().st_mode) == 0o600


async def test_identity_survives_a_restart_without_enrolling_again(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with running(tmp_path / "k", fake) as (agent, _):
        terminal_id = await _online(agent, fake)
    key = (tmp_path / "k" / "terminal.key").read_bytes()
    async with running(tmp_path / "k", fake, enroll_token=None) as (agent, _):
        beats = len(fake.heartbeats_of(terminal_id))
        await _online(agent, fake, beats=beats + 2)
        assert agent.terminal_id == terminal_id and agent.state and agent.state.boots == 2
    assert fake.count("enroll") == 1
    assert (tmp_path / "k" / "terminal.key").read_bytes() == key


async def test_without_identity_or_token_the_agent_refuses_to_start(tmp_path: Path) -> None:
    http, _ = asgi_client(FakePlatform())
    async with http:
        with pytest.raises(AgentSetupError):
            await Agent(fast_options(tmp_path / "k", enroll_token=None), http=http).run()


async def test_pending_enrollment_waits_for_approval(tmp_path: Path) -> None:
    fake = FakePlatform(auto_approve=False)
    async with running(tmp_path / "k", fake) as (agent, _):
        await wait_for(lambda: fake.count("token") >= 3)
        assert agent.enrollment == "pending" and fake.heartbeats == []
        fake.approve(1)
        await _online(agent, fake)
        assert agent.enrollment == "approved"


async def test_an_action_runs_at_most_once(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with running(tmp_path / "k", fake) as (agent, _):
        terminal_id = await _online(agent, fake)
        action_id = fake.add_action(terminal_id, "restart_app")
        assert (await _until_final(fake, action_id))["state"] == "succeeded"
        fake.replay(action_id)  # the platform delivers it again
        await wait_for(lambda: len(fake.feedback_for(action_id)) >= 3)
        await _online(agent, fake, beats=len(fake.heartbeats_of(terminal_id)) + 2)
    assert agent.state and agent.state.app_restarts == 1
    assert [f["state"] for f in fake.feedback_for(action_id)] == ["running", "succeeded", "succeeded"]


async def test_an_action_cut_short_by_a_crash_is_not_run_again(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with running(tmp_path / "k", fake) as (agent, _):
        terminal_id = await _online(agent, fake)
    action_id = fake.add_action(terminal_id, "restart_app")
    store = StateStore(tmp_path / "k")
    state = store.load(serial="x", platform="x")
    state.actions[action_id] = ActionRecord(kind="restart_app")  # started, then the process died
    store.save(state)
    async with running(tmp_path / "k", fake) as (agent, _):
        feedback = await _until_final(fake, action_id)
    assert feedback["state"] == "failed" and "interrupted" in feedback["detail"]
    assert agent.state and agent.state.app_restarts == 0


async def test_an_action_gone_from_the_platform_is_dropped(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with running(tmp_path / "k", fake) as (agent, _):
        terminal_id = await _online(agent, fake)
        action_id = fake.add_action(terminal_id, "lock_screen")
        fake.gone.add(action_id)  # expired or canceled: feedback gets 410
        await wait_for(lambda: agent.state is not None and action_id in agent.state.actions)
        feedback_calls = fake.count("feedback")
        await _online(agent, fake, beats=len(fake.heartbeats_of(terminal_id)) + 3)
        assert fake.count("feedback") == feedback_calls
    assert agent.state and agent.state.actions[action_id].status == "dropped"
    assert not agent.state.locked


async def test_reboot_is_simulated_and_reported(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with running(tmp_path / "k", fake) as (agent, _):
        terminal_id = await _online(agent, fake)
        action_id = fake.add_action(terminal_id, "reboot")
        feedback = await _until_final(fake, action_id)
        await _online(agent, fake, beats=len(fake.heartbeats_of(terminal_id)) + 1)
    assert feedback["state"] == "succeeded" and "simulated" in feedback["detail"]
    assert agent.state and agent.state.boots == 2
    assert fake.heartbeats_of(terminal_id)[-1].metrics["boots"] == 2
    assert fake.count("enroll") == 1


async def test_screenshot_returns_a_png(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with running(tmp_path / "k", fake) as (agent, _):
        action_id = fake.add_action(await _online(agent, fake), "screenshot")
        result = (await _until_final(fake, action_id))["result"]
    assert result["simulated"] is True and (result["width"], result["height"]) == (320, 180)
    png = base64.b64decode(result["image_base64"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"


async def test_collect_logs_returns_the_agent_log_without_secrets(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with running(tmp_path / "k", fake) as (agent, _):
        action_id = fake.add_action(await _online(agent, fake, beats=3), "collect_logs", {"lines": 50})
        lines = (await _until_final(fake, action_id))["result"]["lines"]
    events = [json.loads(line)["event"] for line in lines]
    assert 0 < len(lines) <= 50 and "heartbeat" in events
    text = (tmp_path / "k" / "agent.log").read_text()
    secrets = [ENROLL_TOKEN, *fake.access_tokens, agent.keys.private_key.hex()]
    assert not any(secret in text for secret in secrets)


async def test_lock_and_unlock_screen(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with running(tmp_path / "k", fake) as (agent, _):
        terminal_id = await _online(agent, fake)
        await _until_final(fake, fake.add_action(terminal_id, "lock_screen", {"message": "系统维护"}))
        await wait_for(lambda: fake.heartbeats_of(terminal_id)[-1].status == "locked")
        saved = AgentState.model_validate_json((tmp_path / "k" / "state.json").read_text())
        assert saved.locked and saved.lock_message == "系统维护"
        await _until_final(fake, fake.add_action(terminal_id, "unlock_screen"))
        await wait_for(lambda: fake.heartbeats_of(terminal_id)[-1].status == "idle")


async def test_unknown_action_kind_is_rejected(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with running(tmp_path / "k", fake) as (agent, _):
        action_id = fake.add_action(await _online(agent, fake), "self_destruct")
        feedback = await _until_final(fake, action_id)
    assert feedback["state"] == "rejected"
    assert [f["state"] for f in fake.feedback_for(action_id)] == ["rejected"]


async def test_config_is_fetched_once_per_change_and_stored(tmp_path: Path) -> None:
    fake = FakePlatform()
    fake.set_config({"screen_lock_message": "暂停服务", "heartbeat_interval_s": 30})
    async with running(tmp_path / "k", fake) as (agent, _):
        terminal_id = await _online(agent, fake, beats=5)
        assert fake.count("config") == 1
        assert agent.config["screen_lock_message"] == "暂停服务"
        fake.set_config({"screen_lock_message": "新消息"})
        action_id = fake.add_action(terminal_id, "set_config")
        feedback = await _until_final(fake, action_id)
    assert feedback["result"]["etag"] == fake.config_etag
    stored = json.loads((tmp_path / "k" / "config.json").read_text())
    assert stored == {"etag": fake.config_etag, "values": {"screen_lock_message": "新消息"}}


async def test_an_expired_token_leads_to_reauthentication(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with running(tmp_path / "k", fake) as (agent, _):
        terminal_id = await _online(agent, fake)
        tokens = fake.count("token")
        fake.expire_tokens()
        await _online(agent, fake, beats=len(fake.heartbeats_of(terminal_id)) + 2)
    assert fake.count("token") == tokens + 1


async def test_network_loss_backs_off_and_catches_up(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with running(tmp_path / "k", fake) as (agent, transport):
        terminal_id = await _online(agent, fake)
        transport.down = True
        await wait_for(lambda: transport.failed >= 4)
        assert not agent.online and agent.backoff.attempt >= 3
        action_id = fake.add_action(terminal_id, "restart_app")  # queued while the kiosk is cut off
        transport.down = False
        assert (await _until_final(fake, action_id))["state"] == "succeeded"
        assert agent.online and agent.backoff.attempt == 0
    log = (tmp_path / "k" / "agent.log").read_text()
    assert '"platform_unreachable"' in log


async def test_retry_after_is_honoured(tmp_path: Path) -> None:
    fake = FakePlatform()
    fake.heartbeat_failures.append((503, {"Retry-After": "0.4"}))
    async with running(tmp_path / "k", fake) as (agent, _):
        await wait_for(lambda: fake.count("heartbeat") >= 1)
        failed_at = time.monotonic()
        await _online(agent, fake)
        assert time.monotonic() - failed_at >= 0.35


async def test_a_revoked_terminal_stops_heartbeating_and_retries_slowly(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with running(tmp_path / "k", fake, denied_poll_s=0.5) as (agent, _):
        terminal_id = await _online(agent, fake)
        fake.revoke(terminal_id)
        await wait_for(lambda: agent.enrollment == "revoked")
        beats, tokens = len(fake.heartbeats_of(terminal_id)), fake.count("token")
        await asyncio.sleep(0.6)
        assert len(fake.heartbeats_of(terminal_id)) == beats
        assert fake.count("token") - tokens <= 2
    assert '"terminal_not_allowed"' in (tmp_path / "k" / "agent.log").read_text()
