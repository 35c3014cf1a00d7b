"""Blocking entry points for the command line: run until Ctrl-C or SIGTERM, then stop cleanly."""

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NoReturn

from govkiosk.agent.devices.simulated import SimulatedDevices
from govkiosk.agent.sync.agent import Agent, AgentOptions, AgentSetupError

Main = Callable[[asyncio.Event], Awaitable[None]]


def run_until_signalled(main: Main) -> None:
    """Run `main(stop)` in a new event loop; SIGINT/SIGTERM set `stop`."""

    async def _run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    asyncio.run(_run())


async def run_agent(agent: Agent, stop: asyncio.Event) -> None:
    """Run one agent until `stop` is set or the agent gives up; re-raise why it gave up."""
    await agent.start()
    assert agent.task is not None
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({agent.task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if agent.task.done() and not agent.task.cancelled() and agent.task.exception() is not None:
        raise agent.task.exception()  # type: ignore[misc]
    await agent.stop()


def run_agent_cli(
    *,
    platform: str,
    state_dir: Path,
    enroll_token: str | None,
    devices: str,
    serial: str | None,
    vendor: str,
    model: str,
    device_port: int | None = 8765,
    ui_port: int | None = None,
) -> None:
    """`govkiosk agent`: run one kiosk agent in the foreground."""
    options = AgentOptions(
        platform=platform,
        state_dir=state_dir,
        enroll_token=enroll_token,
        serial=serial,
        vendor=vendor,
        model=model,
        echo_log=True,
        device_port=device_port,
        ui_port=ui_port,
    )
    try:
        device_set = SimulatedDevices.from_spec(devices)
    except (ValueError, OSError) as exc:
        _exit(f"cannot read the devices {devices!r}: {exc}")
    agent = Agent(options, devices=device_set)
    try:
        run_until_signalled(lambda stop: run_agent(agent, stop))
    except AgentSetupError as exc:
        _exit(str(exc))


def _exit(message: str) -> NoReturn:
    print(f"govkiosk agent: {message}", file=sys.stderr)
    raise SystemExit(2)
