"""Evaluations (好差评) and their follow-ups."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govkiosk.platform.db.base import Base


class Evaluation(Base):
    """One rating: of a case, or of a kiosk session; a poor one (差评) carries a follow-up with a deadline."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("terminal_id", "session_ref"),
        Index("ix_evaluations_followup", "followup_state", "followup_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(8))  # case | session
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    terminal_id: Mapped[int | None] = mapped_column(
        ForeignKey("terminals.id", ondelete="SET NULL"), index=True
    )
    session_ref: Mapped[str | None] = mapped_column(String(64))  # the kiosk's session id: one rating each
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_items.id", ondelete="SET NULL"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), index=True
    )
    org_node_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_nodes.id", ondelete="SET NULL"), index=True
    )
    level: Mapped[int]  # 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    followup_state: Mapped[str] = mapped_column(String(8), default="none")  # none | open | closed
    followup_due_at: Mapped[datetime | None]
    followup_closed_at: Mapped[datetime | None]
    followup_note: Mapped[str | None] = mapped_column(Text)
    followup_by: Mapped[str | None] = mapped_column(String(100))
