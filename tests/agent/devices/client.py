"""Test helpers: a device server on a free port and a small protocol client."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.local.device_server import DeviceServer

TOKEN = "test-token"


@contextlib.asynccontextmanager
async def running_server(devices: DeviceSet | None = None, **kwargs: Any) -> AsyncIterator[DeviceServer]:
    """A DeviceServer on a free port with every simulated class (or `devices`)."""
    server = DeviceServer(devices or DeviceSet.simulated(), port=0, token=TOKEN, **kwargs)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class Client:
    """One WebSocket connection to a service, reading messages into a list."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []

    async def send(
        self, name: str, rid: int | None, payload: dict[str, Any] | None = None, **header: Any
    ) -> None:
        head = {"type": "command", "name": name, "requestId": rid, **header}
        await self.ws.send(json.dumps({"header": head, "payload": payload or {}}))

    async def next(self, timeout: float = 5) -> dict[str, Any]:
        message = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        self.messages.append(message)
        return message

    async def until_completion(self, rid: int | None, timeout: float = 5) -> dict[str, Any]:
        """Read until the completion of `rid`; returns it."""
        while True:
            message = await self.next(timeout)
            header = message["header"]
            if header["type"] == "completion" and header["requestId"] == rid:
                return message

    async def call(
        self, name: str, rid: int, payload: dict[str, Any] | None = None, **header: Any
    ) -> dict[str, Any]:
        await self.send(name, rid, payload, **header)
        return await self.until_completion(rid)

    def of(self, rid: int) -> list[tuple[str, str]]:
        """(type, name) of every message read so far for `rid`."""
        return [
            (m["header"]["type"], m["header"]["name"])
            for m in self.messages
            if m["header"]["requestId"] == rid
        ]


@contextlib.asynccontextmanager
async def client(server: DeviceServer, service: str, **kwargs: Any) -> AsyncIterator[Client]:
    """A connected Client of `service` (a device class, or "" for the publisher)."""
    path = f"/{service}" if service else ""
    async with connect(f"{server.ws_base}{path}?token={server.token}", **kwargs) as ws:
        yield Client(ws)


def code(message: dict[str, Any]) -> str:
    return message["header"]["completionCode"]


async def wait_for(predicate: Any, timeout: float = 3) -> None:
    """Poll `predicate()` until true."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)
