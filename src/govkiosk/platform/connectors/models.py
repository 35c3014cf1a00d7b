"""Department connectors: where each department's business system listens, the outbox of signed webhooks
to it (at least once, dead letter after N attempts), and the callbacks it sent (idempotent by event id)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govkiosk.platform.db.base import Base, TimestampMixin


class DepartmentEndpoint(TimestampMixin, Base):
    """A department business system's webhook endpoint and how messages to and from it are signed."""

    __tablename__ = "department_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    signing: Mapped[str] = mapped_column(String(16))  # hmac-sm3 | sm2
    hmac_secret: Mapped[str | None] = mapped_column(String(128))  # hex; shown once when set
    department_public_key: Mapped[str | None] = mapped_column(String(200))  # verifies its SM2 callbacks
    enabled: Mapped[bool] = mapped_column(default=True)
    max_attempts: Mapped[int] = mapped_column(default=8)


class OutboundMessage(Base):
    """A webhook waiting to be delivered, delivered, or dead (kept for an operator to replay)."""

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)  # the receiver deduplicates on it
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class InboundEvent(Base):
    """A callback a department sent; the same event id twice gets the first answer again."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("department_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime]
    result: Mapped[dict] = mapped_column(JSON, default=dict)


class SigningKey(Base):
    """The platform's own keys (the SM2 key that signs webhooks, the secret of applicant lookup digests),
    made on first use and kept here so every node uses the same."""

    __tablename__ = "signing_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    private_key: Mapped[str] = mapped_column(String(64))  # hex
    public_key: Mapped[str] = mapped_column(String(128))  # hex x||y
    created_at: Mapped[datetime]
