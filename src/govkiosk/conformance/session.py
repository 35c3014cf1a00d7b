"""One recorded connection to a device service: sends commands, validates and files every message it
receives, and notes each breach of the exchange rules of `contracts.devices` as it happens."""

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import websockets
from pydantic import ValidationError
from websockets.asyncio.client import ClientConnection

from govkiosk.contracts.devices import Message


@dataclass
class Exchange:
    """Everything received for one command, with monotonic arrival times (s)."""

    request_id: int
    name: str
    sent_at: float
    acknowledges: list[tuple[float, Message]] = field(default_factory=list)
    events: list[tuple[float, Message]] = field(default_factory=list)
    completions: list[tuple[float, Message]] = field(default_factory=list)
    completed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def completion(self) -> Message | None:
        return self.completions[0][1] if self.completions else None

    @property
    def code(self) -> str | None:
        completion = self.completion
        return completion.header.completionCode if completion else None

    @property
    def ack_ms(self) -> float | None:
        return (self.acknowledges[0][0] - self.sent_at) * 1000 if self.acknowledges else None


def with_token(url: str, token: str | None) -> str:
    """`url` with the session token as the `token` query parameter."""
    if not token:
        return url
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({"token": token})) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class ServiceSession:
    """A WebSocket connection to one service; allocates requestIds and records breaches."""

    def __init__(self, url: str, *, token: str | None = None, first_request_id: int = 1) -> None:
        self.url = url
        self.token = token
        self.next_request_id = first_request_id
        self.exchanges: dict[int, Exchange] = {}
        self.unsolicited: list[tuple[float, Message]] = []
        self.orphans: list[Message] = []  # completions without a request we know (e.g. invalidData)
        self.duplicate_answers: list[Message] = []  # what came back for deliberately reused requestIds
        self._duplicates_pending: dict[int, int] = {}
        self.breaches: list[str] = []
        self.messages = 0
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._arrival = asyncio.Condition()

    async def open(self) -> "ServiceSession":
        self._socket = await websockets.connect(with_token(self.url, self.token), max_size=32 * 2**20)
        self._reader = asyncio.create_task(self._read())
        return self

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def __aenter__(self) -> "ServiceSession":
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def allocate(self) -> int:
        request_id = self.next_request_id
        self.next_request_id += 1
        return request_id

    async def send(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        request_id: int | None = None,
    ) -> Exchange:
        """Send a command; the returned exchange fills in as messages arrive."""
        assert self._socket is not None, "session not open"
        request_id = self.allocate() if request_id is None else request_id
        header: dict[str, Any] = {"type": "command", "name": name, "requestId": request_id, "version": "1.0"}
        if timeout_ms is not None:
            header["timeout"] = timeout_ms
        exchange = self.exchanges.get(request_id)
        if exchange is None:
            exchange = Exchange(request_id=request_id, name=name, sent_at=time.monotonic())
            self.exchanges[request_id] = exchange
        else:  # a deliberate duplicate: its answer is filed apart from the first command's
            self._duplicates_pending[request_id] = self._duplicates_pending.get(request_id, 0) + 1
        await self._socket.send(json.dumps({"header": header, "payload": payload or {}}))
        return exchange

    async def send_raw(self, text: str) -> None:
        assert self._socket is not None, "session not open"
        await self._socket.send(text)

    async def command(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        wait: float = 10,
    ) -> Exchange:
        """Send a command and wait up to `wait` seconds for its completion."""
        exchange = await self.send(name, payload, timeout_ms=timeout_ms)
        await self.wait_completed(exchange, wait)
        return exchange

    async def wait_completed(self, exchange: Exchange, wait: float) -> bool:
        try:
            await asyncio.wait_for(exchange.completed.wait(), wait)
        except TimeoutError:
            return False
        return True

    async def wait_for(self, predicate: Any, wait: float) -> bool:
        """Wait until `predicate()` holds after some arrival, or `wait` seconds pass."""
        async with self._arrival:
            try:
                await asyncio.wait_for(self._arrival.wait_for(predicate), wait)
            except TimeoutError:
                return False
        return True

    async def _read(self) -> None:
        assert self._socket is not None
        try:
            async for raw in self._socket:
                self._file(raw if isinstance(raw, str) else raw.decode("utf-8", "replace"))
                async with self._arrival:
                    self._arrival.notify_all()
        except websockets.ConnectionClosed:
            pass

    def _file(self, raw: str) -> None:
        now = time.monotonic()
        self.messages += 1
        try:
            message = Message.model_validate_json(raw)
        except ValidationError as error:
            self.breaches.append(f"schema: {raw[:120]!r}: {error.errors()[0]['msg']}")
            return
        header = message.header
        if header.type == "command":
            self.breaches.append(f"schema: the service sent a command ({header.name})")
            return
        if header.type == "unsolicited":
            if header.requestId is not None:
                self.breaches.append(f"unsolicited {header.name} carries requestId {header.requestId}")
            self.unsolicited.append((now, message))
            return
        if header.type == "completion" and header.completionCode is None:
            self.breaches.append(f"completion {header.name} #{header.requestId} without completionCode")
        if self._duplicates_pending.get(header.requestId or 0) and self._is_duplicate_answer(message):
            self._duplicates_pending[header.requestId or 0] -= 1
            self.duplicate_answers.append(message)
            return
        exchange = self.exchanges.get(header.requestId or 0)
        if exchange is None:
            self._file_orphan(message)
            return
        self._file_into(exchange, now, message)

    def _is_duplicate_answer(self, message: Message) -> bool:
        """The first non-acknowledge answer naming a reused id, unless it is the original's own."""
        header = message.header
        exchange = self.exchanges[header.requestId or 0]
        if header.type == "completion" and header.completionCode == "invalidRequestID":
            return True
        # a service that accepts the duplicate answers with a second acknowledge/completion
        return header.type == "acknowledge" and bool(exchange.acknowledges)

    def _file_orphan(self, message: Message) -> None:
        header = message.header
        if header.type == "completion" and header.completionCode in ("invalidData", "invalidRequestID"):
            self.orphans.append(message)
        else:
            self.breaches.append(f"{header.type} {header.name} for unknown requestId {header.requestId}")

    def _file_into(self, exchange: Exchange, now: float, message: Message) -> None:
        header = message.header
        where = f"{header.type} {header.name} #{header.requestId}"
        if exchange.completions:
            self.breaches.append(f"{where} after its completion")
        if header.type == "acknowledge":
            if exchange.acknowledges:
                self.breaches.append(f"second acknowledge for #{header.requestId}")
            if header.name != exchange.name:
                self.breaches.append(f"{where}: acknowledge names another command than {exchange.name}")
            exchange.acknowledges.append((now, message))
            return
        ack_optional = header.type == "completion" and header.completionCode in (
            "invalidRequestID",
            "invalidData",
        )
        if not exchange.acknowledges and not ack_optional:
            self.breaches.append(f"{where} before its acknowledge")
        if header.type == "event":
            exchange.events.append((now, message))
        else:
            exchange.completions.append((now, message))
            exchange.completed.set()

    def status_events_since(self, since: float) -> list[Message]:
        return [m for t, m in self.unsolicited if t >= since and m.header.name == "Common.StatusChangedEvent"]
