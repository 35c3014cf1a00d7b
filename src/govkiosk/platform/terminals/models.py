"""Terminal registry (终端台账): vendors, profiles, terminals, enrollment and their state history."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from govkiosk.platform.db.base import Base, TimestampMixin


class EnrollmentState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVOKED = "revoked"


class Connectivity(enum.StrEnum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    OFFLINE = "offline"


class Vendor(Base):
    """A kiosk maker or integrator."""

    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class TerminalProfile(TimestampMixin, Base):
    """A configuration standard (配置标准): the peripherals a kind of kiosk must have."""

    __tablename__ = "terminal_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    required_devices: Mapped[list] = mapped_column(JSON, default=list)
    optional_devices: Mapped[list] = mapped_column(JSON, default=list)  # allowed, not required
    critical_devices: Mapped[list] = mapped_column(JSON, default=list)  # without them it cannot serve


class Terminal(TimestampMixin, Base):
    """A kiosk known to the platform, its identity and its last reported state."""

    __tablename__ = "terminals"
    __table_args__ = (Index("ix_terminals_state_conn", "enrollment_state", "connectivity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="RESTRICT"), index=True)
    model: Mapped[str] = mapped_column(String(100))
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("terminal_profiles.id", ondelete="RESTRICT"))
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id", ondelete="RESTRICT"), index=True)
    public_key: Mapped[str] = mapped_column(String(200))  # SM2 point x||y, hex
    key_algorithm: Mapped[str] = mapped_column(String(16), default="sm2")
    enrollment_state: Mapped[str] = mapped_column(String(16), default=EnrollmentState.PENDING)
    credential_epoch: Mapped[int] = mapped_column(default=1)
    connectivity: Mapped[str] = mapped_column(String(16), default=Connectivity.UNKNOWN)
    status: Mapped[str | None] = mapped_column(String(32))
    last_seen_at: Mapped[datetime | None]
    offline_after: Mapped[datetime | None] = mapped_column(index=True)
    heartbeat_interval_s: Mapped[int | None]
    last_ip: Mapped[str | None] = mapped_column(String(64))
    hardware: Mapped[dict] = mapped_column(JSON, default=dict)
    versions: Mapped[dict] = mapped_column(JSON, default=dict)
    peripherals: Mapped[list] = mapped_column(JSON, default=list)
    peripherals_digest: Mapped[str | None] = mapped_column(String(32))  # so a flush compares without decoding
    # What the reported peripherals mean against the profile (配置标准), kept current by the flush.
    device_issues: Mapped[list] = mapped_column(JSON, default=list)
    needs_attention: Mapped[bool] = mapped_column(default=False, index=True)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    enrolled_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))


class EnrollmentToken(Base):
    """A one-time (or N-time) expiring token that lets kiosks enroll under one org node."""

    __tablename__ = "enrollment_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id", ondelete="RESTRICT"), index=True)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("terminal_profiles.id", ondelete="RESTRICT"))
    max_uses: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class PreauthorizedSerial(Base):
    """A serial number an operator approved in advance: its enrollment is approved at once."""

    __tablename__ = "preauthorized_serials"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id", ondelete="RESTRICT"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class TerminalEvent(Base):
    """A state transition of a terminal (connectivity, enrollment, peripheral), never a heartbeat row."""

    __tablename__ = "terminal_events"
    __table_args__ = (Index("ix_terminal_events_terminal_at", "terminal_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("terminals.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class UsedChallenge(Base):
    """An authentication challenge already answered, kept until it expires so it cannot be replayed."""

    __tablename__ = "used_challenges"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
