"""Queries of actions."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from govkiosk.platform.actions.models import ACTIVE_STATES, UNSTARTED_STATES, Action, ActionState
from govkiosk.platform.db.session import rowcount


def get(session: Session, action_id: int) -> Action | None:
    return session.get(Action, action_id)


def for_terminal(session: Session, terminal_id: int, *, limit: int) -> Sequence[Action]:
    return session.scalars(
        select(Action).where(Action.terminal_id == terminal_id).order_by(Action.id.desc()).limit(limit)
    ).all()


def deliverable(session: Session, terminal_id: int, now: datetime) -> Sequence[Action]:
    """Actions the terminal has not started yet and that have not expired, oldest first."""
    return session.scalars(
        select(Action)
        .where(Action.terminal_id == terminal_id, Action.state.in_(UNSTARTED_STATES), Action.expires_at > now)
        .order_by(Action.id)
        .limit(20)
    ).all()


def terminals_with_unstarted(session: Session) -> set[int]:
    return set(
        session.scalars(select(Action.terminal_id).where(Action.state.in_(UNSTARTED_STATES)).distinct()).all()
    )


def expire_due(session: Session, now: datetime) -> int:
    result = session.execute(
        update(Action)
        .where(Action.state.in_(ACTIVE_STATES), Action.expires_at <= now)
        .values(state=ActionState.EXPIRED, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) or 0


def add(session: Session, action: Action) -> None:
    session.add(action)
    session.flush()
