"""The protocol engine: one client connection to one service, by the exchange rules of
`govkiosk.contracts.devices` (acknowledge, events, exactly one completion; cancel; timeout)."""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from govkiosk.agent.devices.base import DeviceError, Service, dump
from govkiosk.contracts.devices import CancelPayload, CompletionCode, ErrorEventPayload, Header, Message

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0
UNKNOWN_NAME = "Common.Unknown"  # the name on an invalidData completion when the name is unreadable


def message(
    type_: str, name: str, request_id: int | None, payload: dict[str, Any] | None = None, **header: Any
) -> str:
    """One wire message as JSON text."""
    head = {"type": type_, "name": name, "requestId": request_id, "version": "1.0", **header}
    return json.dumps({"header": head, "payload": payload or {}}, ensure_ascii=False)


class Connection:
    """Runs the commands one client sends to one service and writes the answers in order."""

    def __init__(
        self,
        service: Service,
        send: Callable[[str], Awaitable[None]],
        *,
        default_timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.service = service
        self._send = send
        self.default_timeout = default_timeout
        self.pending: dict[int, asyncio.Task[None]] = {}
        self._names: dict[int, str] = {}  # command name of each pending requestId
        self._outbox: asyncio.Queue[str] = asyncio.Queue()

    async def serve(self, incoming: AsyncIterable[str | bytes]) -> None:
        """Handle messages until the client goes; then cancel what it left pending."""
        self.service.subscribe(self._unsolicited)
        writer = asyncio.create_task(self._write())
        try:
            async for raw in incoming:
                await self.receive(raw)
        finally:
            self.service.unsubscribe(self._unsolicited)
            await self.cancel(list(self.pending))
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    async def receive(self, raw: str | bytes) -> None:
        """Handle one incoming message."""
        parsed = self._parse(raw)
        if parsed is None:
            return
        msg, timeout = parsed
        rid, name = msg.header.requestId, msg.header.name
        assert rid is not None
        if rid in self.pending:
            self._complete(name, rid, "invalidRequestID", errorDescription=f"requestId {rid} in use")
            return
        self._put(message("acknowledge", name, rid))
        if name == "Common.Cancel":
            await self._cancel_command(rid, msg.payload)
            return
        spec = self.service.commands().get(name)
        if spec is None:
            self._complete(name, rid, "unsupportedCommand", errorDescription=f"{name} not supported")
            return
        task = asyncio.create_task(self._run(name, rid, msg.payload, timeout, spec.exclusive))
        self.pending[rid] = task
        self._names[rid] = name

    async def cancel(self, request_ids: list[int]) -> None:
        """Cancel these pending commands and wait until they have completed `canceled`."""
        tasks = {rid: self.pending[rid] for rid in request_ids if rid in self.pending}
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        # A task cancelled before it ever ran never enters `_run`, so nothing completed it: do it here,
        # or its client would wait for a completion forever.
        for rid in tasks:
            if self.pending.pop(rid, None) is not None:
                self._complete(self._names.pop(rid, UNKNOWN_NAME), rid, "canceled")

    def _parse(self, raw: str | bytes) -> tuple[Message, float] | None:
        try:
            data = json.loads(raw)
        except ValueError:
            self._complete(UNKNOWN_NAME, None, "invalidData", errorDescription="not JSON")
            return None
        header = data.get("header") if isinstance(data, dict) else None
        header = header if isinstance(header, dict) else {}
        rid = header.get("requestId")
        rid = rid if isinstance(rid, int) and not isinstance(rid, bool) and rid >= 1 else None
        name = header.get("name")
        name = name if isinstance(name, str) and _valid_name(name) else UNKNOWN_NAME
        try:
            msg = Message.model_validate(data)
        except ValidationError as exc:
            self._complete(name, rid, "invalidData", errorDescription=_short(exc))
            return None
        if msg.header.type != "command" or msg.header.requestId is None:
            self._complete(name, rid, "invalidData", errorDescription="a command with a requestId expected")
            return None
        timeout = msg.header.timeout / 1000 if msg.header.timeout else self.default_timeout
        return msg, timeout

    async def _cancel_command(self, rid: int, payload: dict[str, Any]) -> None:
        try:
            wanted = CancelPayload.model_validate(payload).requestIds
        except ValidationError as exc:
            self._complete("Common.Cancel", rid, "invalidData", errorDescription=_short(exc))
            return
        await self.cancel(wanted or list(self.pending))
        self._complete("Common.Cancel", rid, "success")

    async def _run(
        self, name: str, rid: int, payload: dict[str, Any], timeout: float, exclusive: bool
    ) -> None:
        def emit(event: str, body: BaseModel | dict[str, Any]) -> None:
            self._put(message("event", event, rid, dump(body)))

        try:
            async with asyncio.timeout(timeout):
                if exclusive:
                    async with self.service.lock:
                        result = await self._execute(name, payload, emit)
                else:
                    result = await self._execute(name, payload, emit)
            self._complete(name, rid, "success", result)
        except TimeoutError:
            self._complete(name, rid, "timeOut", errorDescription=f"no result within {timeout:g} s")
        except asyncio.CancelledError:
            self._complete(name, rid, "canceled")
        except DeviceError as exc:
            self._complete(name, rid, exc.code, errorDescription=exc.description[:500])
        except ValidationError as exc:
            self._complete(name, rid, "invalidData", errorDescription=_short(exc))
        except Exception as exc:
            log.exception("device command %s failed", name)
            self._complete(name, rid, "internalError", errorDescription=type(exc).__name__)
            self.service.publish(
                "Common.ErrorEvent", ErrorEventPayload(errorCode="internalError", description=name)
            )
        finally:
            self.pending.pop(rid, None)
            self._names.pop(rid, None)

    async def _execute(self, name: str, payload: dict[str, Any], emit: Any) -> dict[str, Any]:
        spec = self.service.commands()[name]
        body = spec.payload_model.model_validate(payload) if spec.payload_model else None
        return dump(await spec.handler(self.service, body, emit))

    def _complete(
        self,
        name: str,
        rid: int | None,
        code: CompletionCode,
        payload: dict[str, Any] | None = None,
        **header: Any,
    ) -> None:
        self._put(message("completion", name, rid, payload, completionCode=code, **header))

    def _unsolicited(self, name: str, payload: dict[str, Any]) -> None:
        self._put(message("unsolicited", name, None, payload))

    def _put(self, text: str) -> None:
        self._outbox.put_nowait(text)

    async def _write(self) -> None:
        while True:
            text = await self._outbox.get()
            try:
                await self._send(text)
            except Exception:  # the client has gone; serve() ends when its reader notices
                return


def _valid_name(name: str) -> bool:
    try:
        Header(type="command", name=name)
    except ValidationError:
        return False
    return True


def _short(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}"[:500]
