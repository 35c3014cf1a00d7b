"""Queries of cases, their events and the case-number sequences."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, false, func, or_, select, update
from sqlalchemy.orm import Session

from govkiosk.platform.cases.models import Case, CaseSequence, CaseStep
from govkiosk.platform.db.session import rowcount
from govkiosk.platform.orgs.models import OrgNode


def add(session: Session, *objects: object) -> None:
    session.add_all(objects)
    session.flush()


def get(session: Session, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def by_number(session: Session, case_number: str) -> Case | None:
    return session.scalar(select(Case).where(Case.case_number == case_number))


def by_query_token(session: Session, token: str) -> Case | None:
    return session.scalar(select(Case).where(Case.query_token == token))


def by_idempotency_key(session: Session, terminal_id: int, key: str) -> Case | None:
    return session.scalar(select(Case).where(Case.terminal_id == terminal_id, Case.idempotency_key == key))


def by_applicant(session: Session, digest: str, limit: int = 20) -> Sequence[Case]:
    return session.scalars(
        select(Case).where(Case.applicant_digest == digest).order_by(Case.id.desc()).limit(limit)
    ).all()


def by_ids(session: Session, case_ids: Sequence[int]) -> Sequence[Case]:
    if not case_ids:
        return []
    return session.scalars(select(Case).where(Case.id.in_(case_ids)).order_by(Case.id)).all()


def closed_item_versions(session: Session, states: Sequence[str]) -> Sequence[tuple[int, int]]:
    """The item versions that have closed cases whose personal data is still kept."""
    rows = session.execute(
        select(Case.item_id, Case.item_version)
        .where(Case.state.in_(states), Case.purged_at.is_(None), Case.closed_at.is_not(None))
        .distinct()
        .order_by(Case.item_id, Case.item_version)
    ).all()
    return [(row[0], row[1]) for row in rows]


def closed_before(
    session: Session, item_id: int, item_version: int, states: Sequence[str], cutoff: datetime, limit: int
) -> Sequence[Case]:
    """Cases of one item version closed before `cutoff` and not yet purged, oldest first."""
    return session.scalars(
        select(Case)
        .where(
            Case.item_id == item_id,
            Case.item_version == item_version,
            Case.state.in_(states),
            Case.purged_at.is_(None),
            Case.closed_at < cutoff,
        )
        .order_by(Case.closed_at, Case.id)
        .limit(limit)
    ).all()


def steps_of(session: Session, case_ids: Sequence[int]) -> dict[int, list[CaseStep]]:
    """Steps by case, oldest first."""
    if not case_ids:
        return {}
    rows = session.scalars(
        select(CaseStep).where(CaseStep.case_id.in_(case_ids)).order_by(CaseStep.at, CaseStep.id)
    ).all()
    steps: dict[int, list[CaseStep]] = {}
    for step in rows:
        steps.setdefault(step.case_id, []).append(step)
    return steps


def search(
    session: Session,
    *,
    paths: Sequence[str],
    department_ids: Sequence[int] | None,
    state: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Case], int]:
    """Cases handled at a node inside `paths` (or of the departments given), newest first."""
    query = select(Case).join(OrgNode, OrgNode.id == Case.org_node_id).where(_any_prefix(paths))
    if department_ids is not None:
        query = query.where(Case.department_id.in_(department_ids))
    if state:
        query = query.where(Case.state == state)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return session.scalars(query.order_by(Case.id.desc()).limit(limit).offset(offset)).all(), total


def _any_prefix(paths: Sequence[str]) -> ColumnElement[bool]:
    return or_(*(OrgNode.path.startswith(p) for p in paths)) if paths else false()


def next_sequence(session: Session, key: str) -> int:
    """The next number of a sequence (one writer at a time: SQLite's lock, PostgreSQL's row lock)."""
    result = session.execute(
        update(CaseSequence).where(CaseSequence.key == key).values(value=CaseSequence.value + 1)
    )
    if rowcount(result) == 0:
        session.add(CaseSequence(key=key, value=1))
        session.flush()
        return 1
    return int(session.scalar(select(CaseSequence.value).where(CaseSequence.key == key)) or 0)
