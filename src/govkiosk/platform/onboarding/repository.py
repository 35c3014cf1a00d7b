"""Queries of onboardings (入驻) and their steps."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govkiosk.platform.onboarding.models import Onboarding, OnboardingStep


def add(session: Session, *objects: object) -> None:
    session.add_all(objects)
    session.flush()


def get(session: Session, onboarding_id: int) -> Onboarding | None:
    return session.get(Onboarding, onboarding_id)


def open_for(
    session: Session, subject: str, subject_id: int, *, states: Sequence[str]
) -> Sequence[Onboarding]:
    """Onboardings of one item or app in the states given."""
    return session.scalars(
        select(Onboarding).where(
            Onboarding.subject == subject, Onboarding.subject_id == subject_id, Onboarding.state.in_(states)
        )
    ).all()


def list_in_state(session: Session, state: str) -> Sequence[Onboarding]:
    return session.scalars(select(Onboarding).where(Onboarding.state == state).order_by(Onboarding.id)).all()


def live(session: Session) -> Sequence[Onboarding]:
    """Published onboardings: what kiosks offer."""
    return session.scalars(
        select(Onboarding).where(Onboarding.state == "published").order_by(Onboarding.id)
    ).all()


def ever_published(session: Session) -> Sequence[Onboarding]:
    """Onboardings that went live at some time (for the onboarding rate over time)."""
    return session.scalars(select(Onboarding).where(Onboarding.published_at.is_not(None))).all()


def search(
    session: Session, *, department_ids: Sequence[int] | None, state: str | None, limit: int, offset: int
) -> tuple[Sequence[Onboarding], int]:
    query = select(Onboarding)
    if department_ids is not None:
        query = query.where(Onboarding.department_id.in_(department_ids))
    if state:
        query = query.where(Onboarding.state == state)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Onboarding.id.desc()).limit(limit).offset(offset)).all()
    return rows, total


def steps_of(session: Session, onboarding_ids: Sequence[int]) -> dict[int, list[OnboardingStep]]:
    """Steps by onboarding, oldest first."""
    if not onboarding_ids:
        return {}
    rows = session.scalars(
        select(OnboardingStep)
        .where(OnboardingStep.onboarding_id.in_(onboarding_ids))
        .order_by(OnboardingStep.at, OnboardingStep.id)
    ).all()
    steps: dict[int, list[OnboardingStep]] = {}
    for step in rows:
        steps.setdefault(step.onboarding_id, []).append(step)
    return steps
