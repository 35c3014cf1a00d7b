"""Department connectors: endpoint configuration, the webhook outbox (enqueued in the same transaction as
the change it reports, delivered at least once by a job, dead after N attempts, replayed by an operator),
signature checks of department callbacks, and the platform's SM2 signing key."""

import json
import random
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from govkiosk.crypto import SM2KeyPair, parse_public_key
from govkiosk.crypto.signing import SignatureInvalid, sign_headers, verify_headers
from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.audit import service as audit
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.connectors import repository
from govkiosk.platform.connectors.models import DepartmentEndpoint, InboundEvent, OutboundMessage, SigningKey
from govkiosk.platform.connectors.schemas import EndpointRead, EndpointWrite, MessageRead
from govkiosk.platform.core.clock import as_utc, utcnow
from govkiosk.platform.core.errors import Conflict, NotFound, Unauthenticated
from govkiosk.platform.core.sealing import Sealer
from govkiosk.platform.orgs import service as orgs

PLATFORM_KEY = "webhooks"
BACKOFF_BASE_S = 5.0
BACKOFF_CAP_S = 3600.0


def _read(endpoint: DepartmentEndpoint, platform_public_key: str) -> EndpointRead:
    return EndpointRead(
        department_id=endpoint.department_id,
        url=endpoint.url,
        signing=endpoint.signing,  # type: ignore[arg-type]
        enabled=endpoint.enabled,
        max_attempts=endpoint.max_attempts,
        has_hmac_secret=bool(endpoint.hmac_secret),
        department_public_key=endpoint.department_public_key,
        platform_public_key=platform_public_key,
    )


def platform_key(session: Session) -> SM2KeyPair:
    """The platform's SM2 key for signing webhooks; made and stored on first use."""
    row = repository.signing_key(session, PLATFORM_KEY)
    if row is None:
        pair = SM2KeyPair.generate()
        row = SigningKey(
            name=PLATFORM_KEY,
            private_key=pair.private_key.hex(),
            public_key=pair.public_hex,
            created_at=utcnow(),
        )
        repository.add(session, row)
    return SM2KeyPair(private_key=bytes.fromhex(row.private_key), public_key=bytes.fromhex(row.public_key))


def platform_secret(session: Session, name: str) -> bytes:
    """A 32-byte secret of the platform's (e.g. the key of applicant lookup digests), made on first use and
    shared by every node through the database."""
    row = repository.signing_key(session, name)
    if row is None:
        row = SigningKey(name=name, private_key=secrets.token_hex(32), public_key="", created_at=utcnow())
        repository.add(session, row)
    return bytes.fromhex(row.private_key)


def get_endpoint(session: Session, principal: Principal, department_id: int) -> EndpointRead:
    """A department's endpoint configuration (never its HMAC secret)."""
    catalog.department_for(session, principal, department_id, Perm.CATALOG_READ)
    endpoint = repository.endpoint_of(session, department_id)
    if endpoint is None:
        raise NotFound(f"department {department_id} has no webhook endpoint")
    return _read(endpoint, platform_key(session).public_hex)


def set_endpoint(
    session: Session, principal: Principal, department_id: int, data: EndpointWrite
) -> tuple[EndpointRead, str | None]:
    """Configure where a department's business system listens; a new HMAC secret is returned once."""
    department = catalog.department_for(session, principal, department_id, Perm.CATALOG_WRITE)
    if data.department_public_key:
        parse_public_key(data.department_public_key)
    endpoint = repository.endpoint_of(session, department_id)
    if endpoint is None:
        endpoint = DepartmentEndpoint(department_id=department_id, url=data.url, signing=data.signing)
        repository.add(session, endpoint)
    secret = secrets.token_hex(32) if data.new_hmac_secret or not endpoint.hmac_secret else None
    endpoint.url, endpoint.signing, endpoint.enabled = data.url, data.signing, data.enabled
    endpoint.max_attempts, endpoint.department_public_key = data.max_attempts, data.department_public_key
    if secret:
        endpoint.hmac_secret = secret
    audit.record(
        session,
        principal.actor,
        "endpoint.set",
        object_type="department",
        object_id=department_id,
        org_path=orgs.get_path(session, department.org_node_id),
        detail={"url": data.url, "signing": data.signing, "new_secret": bool(secret)},
    )
    return _read(endpoint, platform_key(session).public_hex), secret


WEBHOOK_PURPOSE = "outbound_messages.payload"


def enqueue(
    session: Session,
    *,
    department_id: int,
    topic: str,
    case_id: int | None,
    payload: dict[str, Any],
    sealer: Sealer,
) -> OutboundMessage:
    """A webhook to deliver, written in the caller's transaction: it exists if and only if the change does."""
    now = utcnow()
    message = OutboundMessage(
        event_id=str(uuid.uuid4()),
        department_id=department_id,
        topic=topic,
        case_id=case_id,
        # Sealed: a case's webhook carries the applicant's ID number, which is encrypted at rest everywhere.
        payload={
            "sealed": sealer.seal_text(json.dumps(payload, ensure_ascii=False), purpose=WEBHOOK_PURPOSE)
        },
        state="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    repository.add(session, message)
    return message


@dataclass(frozen=True)
class Delivery:
    """One due message with everything needed to send it, read before any network I/O."""

    message_id: int
    event_id: str
    topic: str
    url: str | None
    body: bytes
    headers: dict[str, str]


def _payload(message: OutboundMessage, sealer: Sealer) -> dict[str, Any]:
    sealed = message.payload.get("sealed")
    return json.loads(sealer.open_text(sealed, purpose=WEBHOOK_PURPOSE)) if sealed else dict(message.payload)


def prepare_due(session: Session, *, now: datetime, sealer: Sealer, limit: int = 50) -> list[Delivery]:
    """The due messages, serialised and signed for their department's endpoint."""
    key = None
    deliveries = []
    for message in repository.due_messages(session, now, limit):
        endpoint = repository.endpoint_of(session, message.department_id)
        body = json.dumps(
            {
                "event_id": message.event_id,
                "type": message.topic,
                "occurred_at": as_utc(message.created_at).isoformat(),
                **_payload(message, sealer),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        if endpoint is None or not endpoint.enabled:
            deliveries.append(Delivery(message.id, message.event_id, message.topic, None, body, {}))
            continue
        path = _path_of(endpoint.url)
        if endpoint.signing == "sm2":
            key = key or platform_key(session)
            signed = sign_headers("POST", path, body, sm2_key=key)
        else:
            signed = sign_headers("POST", path, body, hmac_key=bytes.fromhex(endpoint.hmac_secret or ""))
        headers = {**signed, "Content-Type": "application/json", "X-GK-Event-Id": message.event_id}
        deliveries.append(Delivery(message.id, message.event_id, message.topic, endpoint.url, body, headers))
    return deliveries


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def backoff_s(attempts: int) -> float:
    """Seconds before the next attempt: exponential from 5 s, capped at an hour, with ±20 % jitter."""
    delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(attempts - 1, 0))
    return delay * random.uniform(0.8, 1.2)


def record_attempt(
    session: Session, message_id: int, *, error: str | None, now: datetime
) -> OutboundMessage | None:
    """Store one attempt's outcome: delivered, retried later, or dead after the endpoint's max attempts."""
    message = repository.get_message(session, message_id)
    if message is None or message.state != "pending":
        return None  # replayed or handled by another node meanwhile
    message.attempts += 1
    if error is None:
        message.state, message.delivered_at, message.last_error = "delivered", now, None
        return message
    endpoint = repository.endpoint_of(session, message.department_id)
    limit = endpoint.max_attempts if endpoint is not None else 8
    message.last_error = error[:1000]
    if message.attempts >= limit:
        message.state = "dead"
    else:
        message.next_attempt_at = now + timedelta(seconds=backoff_s(message.attempts))
    return message


def replay(session: Session, principal: Principal, message_id: int) -> MessageRead:
    """An operator sends a dead (or delivered) message again."""
    message = repository.get_message(session, message_id)
    if message is None:
        raise NotFound(f"message {message_id} not found")
    department = catalog.department_for(session, principal, message.department_id, Perm.CATALOG_WRITE)
    if message.state == "pending":
        raise Conflict("the message is still being delivered")
    message.state, message.attempts, message.next_attempt_at = "pending", 0, utcnow()
    audit.record(
        session,
        principal.actor,
        "webhook.replay",
        object_type="outbound_message",
        object_id=message.id,
        org_path=orgs.get_path(session, department.org_node_id),
        detail={"event_id": message.event_id, "topic": message.topic},
    )
    return MessageRead.model_validate(message)


def list_messages(
    session: Session, principal: Principal, *, state: str | None, limit: int, offset: int
) -> tuple[list[MessageRead], int]:
    """Webhooks of the departments inside the caller's subtrees, newest first."""
    paths = [s.path for s in principal.require_any(Perm.CATALOG_READ)]
    departments = catalog.visible_department_ids(session, paths)
    rows, total = repository.search_messages(
        session, department_ids=departments, state=state, limit=limit, offset=offset
    )
    return [MessageRead.model_validate(m) for m in rows], total


def check_callback(
    session: Session, department_id: int, method: str, path: str, body: bytes, headers: Mapping[str, str]
) -> None:
    """A department's callback must carry a valid signature when its endpoint is configured."""
    endpoint = repository.endpoint_of(session, department_id)
    if endpoint is None:
        return  # no shared secret yet: the department token alone authenticates it
    try:
        if endpoint.signing == "sm2" and endpoint.department_public_key:
            key = parse_public_key(endpoint.department_public_key)
            verify_headers(method, path, body, headers, sm2_public_key=key)
        else:
            verify_headers(method, path, body, headers, hmac_key=bytes.fromhex(endpoint.hmac_secret or ""))
    except SignatureInvalid as exc:
        raise Unauthenticated(f"callback signature: {exc}") from exc


def seen_event(session: Session, department_id: int, event_id: str) -> dict | None:
    """The answer given to an earlier callback with this event id, if any."""
    row = repository.inbound(session, department_id, event_id)
    return dict(row.result) if row is not None else None


def remember_event(
    session: Session, *, department_id: int, event_id: str, case_id: int, action: str, result: dict
) -> None:
    repository.add(
        session,
        InboundEvent(
            department_id=department_id,
            event_id=event_id,
            case_id=case_id,
            action=action,
            received_at=utcnow(),
            result=result,
        ),
    )


def forget_payloads(session: Session, case_ids: Sequence[int]) -> None:
    """Drop the payloads of these cases' webhooks (their personal data is being purged); the record of
    what was sent, when and how it went stays."""
    for message in repository.messages_of_cases(session, case_ids):
        message.payload = {"purged": True}
