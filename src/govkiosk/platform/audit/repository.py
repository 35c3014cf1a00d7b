"""Queries of the audit log."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from govkiosk.platform.audit.models import AuditEvent
from govkiosk.platform.audit.schemas import AuditQuery


def add(session: Session, event: AuditEvent) -> None:
    session.add(event)


def _filters(query: AuditQuery, paths: Sequence[str] | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.actor:
        conditions.append(AuditEvent.actor == query.actor)
    if query.action:
        conditions.append(AuditEvent.action.startswith(query.action, autoescape=True))
    if query.object_type:
        conditions.append(AuditEvent.object_type == query.object_type)
    if query.object_id:
        conditions.append(AuditEvent.object_id == query.object_id)
    if query.outcome:
        conditions.append(AuditEvent.outcome == query.outcome)
    if query.since:
        conditions.append(AuditEvent.at >= query.since)
    if query.until:
        conditions.append(AuditEvent.at < query.until)
    if paths is not None:
        scoped = [AuditEvent.org_path.startswith(p, autoescape=True) for p in paths]
        conditions.append(or_(*scoped) if scoped else false())
    return conditions


def search(
    session: Session, query: AuditQuery, *, paths: Sequence[str] | None, limit: int, offset: int
) -> tuple[Sequence[AuditEvent], int]:
    """Events matching `query` inside the given subtrees (None = everywhere), newest first."""
    conditions = _filters(query, paths)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    rows = session.scalars(
        select(AuditEvent).where(*conditions).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
    ).all()
    return rows, total
