"""Running the device server from the command line (`govkiosk devices serve`)."""

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.local.device_server import DeviceServer


def run_device_server(
    *,
    simulated: bool,
    devices: Path | None,
    host: str,
    port: int,
    token: str | None,
    origins: list[str],
    echo: Callable[[str], None],
) -> None:
    """Serve the device services until Ctrl-C."""
    device_set = DeviceSet.from_file(devices) if devices else DeviceSet.simulated()
    server = DeviceServer(device_set, host=host, port=port, token=token, allowed_origins=origins)

    async def main() -> None:
        await server.start()
        echo(f"discovery: {server.url}?token={server.token}")
        echo(f"publisher: {server.ws_base}?token={server.token}")
        echo(f"services: {server.ws_base}/<DeviceClass>?token=…")
        echo(f"token: {server.token}")
        echo(f"simulated: {str(device_set.is_simulated).lower()}")
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
