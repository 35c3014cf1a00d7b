"""The webhook delivery job: read what is due, POST it with no transaction open, record each outcome."""

import asyncio

import httpx
import structlog
from starlette.concurrency import run_in_threadpool

from govkiosk.platform.connectors import service
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.core.sealing import Sealer
from govkiosk.platform.db.session import Database

log = structlog.get_logger("govkiosk.connectors")


def _send(client: httpx.Client, delivery: service.Delivery) -> str | None:
    """None when the department acknowledged (2xx), else what went wrong."""
    if delivery.url is None:
        return "no enabled endpoint is configured for the department"
    try:
        response = client.post(delivery.url, content=delivery.body, headers=delivery.headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:200]}"


def deliver_once(
    db: Database, *, sealer: Sealer, timeout_s: float = 10.0, client: httpx.Client | None = None
) -> int:
    """Deliver every due message once; returns how many were attempted."""
    with db.session(write=True) as session:  # write: the platform's signing key may be created
        deliveries = service.prepare_due(session, now=utcnow(), sealer=sealer)
    if not deliveries:
        return 0
    own = client is None
    client = client or httpx.Client(timeout=timeout_s)
    try:
        outcomes = [(d, _send(client, d)) for d in deliveries]
    finally:
        if own:
            client.close()
    with db.session(write=True) as session:
        for delivery, error in outcomes:
            message = service.record_attempt(session, delivery.message_id, error=error, now=utcnow())
            if message is not None and message.state == "dead":
                log.warning("webhook dead", event_id=delivery.event_id, topic=delivery.topic, error=error)
    return len(deliveries)


async def run_forever(db: Database, sealer: Sealer, period_s: float = 1.0) -> None:
    """The delivery job every node runs; record_attempt ignores a message another node already handled."""
    while True:
        try:
            await run_in_threadpool(lambda: deliver_once(db, sealer=sealer))
        except Exception:  # noqa: BLE001 - keep the job alive; the error is logged
            log.exception("webhook delivery failed")
        await asyncio.sleep(period_s)
