"""Onboarding (入驻): a department brings an item or app version onto the kiosk network, step by step."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govkiosk.platform.db.base import Base


class Onboarding(Base):
    """A request to bring one item or app version onto the kiosk network (入驻), and where it is offered."""

    __tablename__ = "onboardings"
    __table_args__ = (Index("ix_onboardings_subject", "subject", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(8))  # item | app
    subject_id: Mapped[int]
    version: Mapped[int]
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    checks: Mapped[list] = mapped_column(JSON, default=list)
    org_node_ids: Mapped[list] = mapped_column(JSON, default=list)
    profile_ids: Mapped[list] = mapped_column(JSON, default=list)
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime]
    published_at: Mapped[datetime | None]  # when it first went live
    ended_at: Mapped[datetime | None]  # withdrawn or replaced


class OnboardingStep(Base):
    """One step of an onboarding: who moved it, when, from which state to which, and why."""

    __tablename__ = "onboarding_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboardings.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
