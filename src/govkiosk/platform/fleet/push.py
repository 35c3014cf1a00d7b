"""The push channel: WebSockets that carry only "poll now" nudges to online kiosks.

A node holds the sockets of the kiosks connected to it; a nudge for a kiosk connected elsewhere is
simply not delivered there, and the kiosk picks its action up at its next heartbeat."""

import asyncio
import contextlib
import json
from collections.abc import Callable

from starlette.websockets import WebSocket


class PushHub:
    """Open push sockets of this process, and listeners told of every nudge."""

    def __init__(self) -> None:
        self._sockets: dict[int, WebSocket] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self.listeners: list[Callable[[int], None]] = []

    def attach(self, terminal_id: int, socket: WebSocket) -> None:
        self._loop = asyncio.get_running_loop()
        self._sockets[terminal_id] = socket

    def detach(self, terminal_id: int, socket: WebSocket) -> None:
        if self._sockets.get(terminal_id) is socket:
            del self._sockets[terminal_id]

    def connected(self) -> int:
        return len(self._sockets)

    def nudge(self, terminal_id: int, reason: str) -> None:
        """Ask a kiosk to poll now; safe to call from any thread."""
        for listener in self.listeners:
            listener(terminal_id)
        socket, loop = self._sockets.get(terminal_id), self._loop
        if socket is None or loop is None or loop.is_closed():
            return
        message = json.dumps({"type": "poll", "reason": reason})
        asyncio.run_coroutine_threadsafe(_send(socket, message), loop)


async def _send(socket: WebSocket, message: str) -> None:
    # A socket closing under us is normal; the kiosk polls at its next heartbeat anyway.
    with contextlib.suppress(Exception):
        await socket.send_text(message)


hub = PushHub()
