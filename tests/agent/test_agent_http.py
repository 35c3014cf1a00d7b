"""The agent over real HTTP and WebSocket (uvicorn on 127.0.0.1), with its own httpx client."""

from pathlib import Path

from govkiosk.agent.sync.agent import Agent
from tests.agent.fake_platform import FakePlatform, fast_options, served, wait_for


async def test_push_nudge_brings_actions_within_a_long_interval(tmp_path: Path) -> None:
    fake = FakePlatform(interval_s=30)  # without the nudge the next heartbeat is ~30 s away
    async with served(fake.app()) as url:
        agent = Agent(fast_options(tmp_path / "k", platform=url, interval_override=None, push=True))
        await agent.start()
        try:
            await wait_for(lambda: len(fake.heartbeats) == 1 and len(fake.sockets) == 1)
            assert agent.interval_s == 30
            action_id = fake.add_action(1, "restart_app")
            await fake.nudge()
            await wait_for(lambda: any(f["state"] == "succeeded" for f in fake.feedback_for(action_id)))
            assert len(fake.heartbeats) == 2
        finally:
            await agent.stop()
    assert '"push_connected"' in (tmp_path / "k" / "agent.log").read_text()


async def test_reboot_over_real_http_reconnects_and_reports(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with served(fake.app()) as url:
        agent = Agent(fast_options(tmp_path / "k", platform=url, push=True))
        await agent.start()
        try:
            await wait_for(lambda: len(fake.sockets) == 1)
            action_id = fake.add_action(1, "reboot")
            await wait_for(lambda: any(f["state"] == "succeeded" for f in fake.feedback_for(action_id)))
            await wait_for(lambda: len(fake.sockets) == 1 and agent.online)
        finally:
            await agent.stop()
    assert agent.state is not None and agent.state.boots == 2
    assert fake.count("enroll") == 1
