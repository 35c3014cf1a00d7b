"""Queries of evaluations."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from govkiosk.platform.evaluations.models import Evaluation
from govkiosk.platform.orgs.models import OrgNode


def add(session: Session, *objects: object) -> None:
    session.add_all(objects)
    session.flush()


def get(session: Session, evaluation_id: int) -> Evaluation | None:
    return session.get(Evaluation, evaluation_id)


def of_case(session: Session, case_id: int) -> Evaluation | None:
    return session.scalar(select(Evaluation).where(Evaluation.case_id == case_id))


def of_session(session: Session, terminal_id: int, session_ref: str) -> Evaluation | None:
    return session.scalar(
        select(Evaluation).where(Evaluation.terminal_id == terminal_id, Evaluation.session_ref == session_ref)
    )


def _under(paths: Sequence[str]) -> ColumnElement[bool]:
    return or_(*(OrgNode.path.startswith(p) for p in paths))


def figures(session: Session, column: str, paths: Sequence[str], now: datetime) -> Sequence[tuple]:
    """(key, count, level sum, poor, good, open follow-ups, overdue follow-ups) grouped by `column`."""
    key = getattr(Evaluation, column)
    is_open = Evaluation.followup_state == "open"
    query = (
        select(
            key,
            func.count(),
            func.sum(Evaluation.level),
            func.sum(case((Evaluation.level <= 2, 1), else_=0)),
            func.sum(case((Evaluation.level >= 4, 1), else_=0)),
            func.sum(case((is_open, 1), else_=0)),
            func.sum(case((is_open & (Evaluation.followup_due_at < now), 1), else_=0)),
        )
        .join(OrgNode, OrgNode.id == Evaluation.org_node_id)
        .where(key.is_not(None), _under(paths))
        .group_by(key)
    )
    return session.execute(query).all()


def followups(
    session: Session, paths: Sequence[str], *, state: str, limit: int, offset: int
) -> tuple[Sequence[Evaluation], int]:
    query = (
        select(Evaluation)
        .join(OrgNode, OrgNode.id == Evaluation.org_node_id)
        .where(Evaluation.followup_state == state, _under(paths))
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Evaluation.followup_due_at, Evaluation.id).limit(limit).offset(offset)
    ).all()
    return rows, total
