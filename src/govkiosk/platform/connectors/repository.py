"""Queries of department endpoints, the webhook outbox, received callbacks and the platform's signing key."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govkiosk.platform.connectors.models import DepartmentEndpoint, InboundEvent, OutboundMessage, SigningKey


def add(session: Session, *objects: object) -> None:
    session.add_all(objects)
    session.flush()


def endpoint_of(session: Session, department_id: int) -> DepartmentEndpoint | None:
    return session.scalar(select(DepartmentEndpoint).where(DepartmentEndpoint.department_id == department_id))


def get_message(session: Session, message_id: int) -> OutboundMessage | None:
    return session.get(OutboundMessage, message_id)


def due_messages(session: Session, now: datetime, limit: int) -> Sequence[OutboundMessage]:
    """Pending messages whose next attempt is due, oldest first."""
    return session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.state == "pending", OutboundMessage.next_attempt_at <= now)
        .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id)
        .limit(limit)
    ).all()


def search_messages(
    session: Session, *, department_ids: Sequence[int] | None, state: str | None, limit: int, offset: int
) -> tuple[Sequence[OutboundMessage], int]:
    query = select(OutboundMessage)
    if department_ids is not None:
        query = query.where(OutboundMessage.department_id.in_(department_ids))
    if state:
        query = query.where(OutboundMessage.state == state)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(OutboundMessage.id.desc()).limit(limit).offset(offset)).all()
    return rows, total


def inbound(session: Session, department_id: int, event_id: str) -> InboundEvent | None:
    return session.scalar(
        select(InboundEvent).where(
            InboundEvent.department_id == department_id, InboundEvent.event_id == event_id
        )
    )


def signing_key(session: Session, name: str) -> SigningKey | None:
    return session.get(SigningKey, name)


def messages_of_cases(session: Session, case_ids: Sequence[int]) -> Sequence[OutboundMessage]:
    if not case_ids:
        return []
    return session.scalars(select(OutboundMessage).where(OutboundMessage.case_id.in_(case_ids))).all()
