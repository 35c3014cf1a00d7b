"""Cases handled through other channels (窗口 window, 网上 online), as departments report them: only what the
办件率 needs (no applicant data), one row per (department, external id)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from govkiosk.platform.db.base import Base


class ChannelCase(Base):
    """One case a department handled at a window or online, reported through the open API or an import."""

    __tablename__ = "channel_cases"
    __table_args__ = (
        UniqueConstraint("department_id", "external_id"),
        Index("ix_channel_cases_item_received", "item_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"))
    external_id: Mapped[str] = mapped_column(String(64))  # the department system's own case id
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="RESTRICT"))
    channel: Mapped[str] = mapped_column(String(8))  # window | online
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id", ondelete="RESTRICT"), index=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    state: Mapped[str | None] = mapped_column(String(24))
    reported_at: Mapped[datetime]
    synthetic: Mapped[bool] = mapped_column(default=False, server_default=false())  # demo data, not real
