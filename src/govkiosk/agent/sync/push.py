"""The optional push channel: a WebSocket that only ever says "poll now"."""

import asyncio
import json
from collections.abc import Callable

from pydantic import ValidationError
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from govkiosk.agent.sync.backoff import Backoff
from govkiosk.agent.sync.logs import AgentLog
from govkiosk.contracts.terminal_api import PushMessage


async def listen_for_pushes(
    url: str,
    *,
    current_token: Callable[[], str | None],
    on_poll: Callable[[], None],
    backoff: Backoff,
    log: AgentLog,
) -> None:
    """Keep a push connection open (reconnecting with backoff) and call `on_poll` on every nudge."""
    failures = 0
    while True:
        token = current_token()
        if token is not None:
            try:
                await _listen_once(url, token, on_poll, backoff, log)
                failures = 0
            except (OSError, TimeoutError, WebSocketException) as exc:
                failures += 1
                # Only the first failure in a row is worth a line; the channel is optional.
                if failures == 1:
                    log.info("push_unavailable", reason=type(exc).__name__)
        await asyncio.sleep(backoff.next())


async def _listen_once(
    url: str, token: str, on_poll: Callable[[], None], backoff: Backoff, log: AgentLog
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with connect(url, additional_headers=headers, open_timeout=10) as socket:
        backoff.reset()
        log.info("push_connected")
        async for raw in socket:
            try:
                message = PushMessage.model_validate(json.loads(raw))
            except (ValueError, ValidationError):
                log.warning("push_message_ignored")
                continue
            log.debug("push_poll", reason=message.reason)
            on_poll()
