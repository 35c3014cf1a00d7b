"""Actions (远程指令): remote commands to one terminal, executed at most once."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from govkiosk.platform.db.base import Base


class ActionKind(enum.StrEnum):
    REBOOT = "reboot"
    RESTART_APP = "restart_app"
    SCREENSHOT = "screenshot"
    COLLECT_LOGS = "collect_logs"
    LOCK_SCREEN = "lock_screen"
    UNLOCK_SCREEN = "unlock_screen"
    SET_CONFIG = "set_config"


class ActionState(enum.StrEnum):
    QUEUED = "queued"
    DELIVERED = "delivered"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELED = "canceled"


ACTIVE_STATES = (ActionState.QUEUED, ActionState.DELIVERED, ActionState.RUNNING)
UNSTARTED_STATES = (ActionState.QUEUED, ActionState.DELIVERED)


class Action(Base):
    """A command for one terminal, its time to live and its outcome."""

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_terminal_state", "terminal_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default=ActionState.QUEUED, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    delivered_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    detail: Mapped[str | None] = mapped_column(String(2000))
    result: Mapped[dict] = mapped_column(JSON, default=dict)
