"""The agent serves its devices on 127.0.0.1; what a client does there is what the heartbeat reports."""

from pathlib import Path

from govkiosk.agent.devices.simulated import SimulatedDevices
from govkiosk.agent.sync.agent import Agent
from tests.agent.devices.client import client
from tests.agent.fake_platform import FakePlatform, asgi_client, fast_options, wait_for


async def test_agent_runs_the_local_device_service_with_a_private_token(tmp_path: Path) -> None:
    fake = FakePlatform()
    http, _switch = asgi_client(fake)
    devices = SimulatedDevices(["IdCardReader", "Printer"])
    agent = Agent(fast_options(tmp_path / "k", device_port=0), devices=devices, http=http)
    await agent.start()
    try:
        await wait_for(lambda: agent.device_server is not None and agent.online, timeout=10)
        server = agent.device_server
        assert server is not None
        token_file = tmp_path / "k" / "device-token"
        assert token_file.stat().st_mode & 0o777 == 0o600 and server.token == token_file.read_text().strip()
        async with client(server, "Printer") as printer:
            done = await printer.call("Simulator.InjectFault", 1, {"fault": "paper_out"})
            assert done["header"]["completionCode"] == "success"
        report = {p.device_class: p for p in devices.report()}
        assert [(s.name, s.level) for s in report["Printer"].supplies if s.name == "paper"] == [
            ("paper", "out")
        ]
    finally:
        await agent.stop()
        await http.aclose()
    assert agent.device_server is not None
