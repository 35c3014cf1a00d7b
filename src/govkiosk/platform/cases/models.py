"""Cases (办件): what a citizen submitted, where it is in its journey, and every step of that journey."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govkiosk.platform.db.base import Base, TimestampMixin


class Case(TimestampMixin, Base):
    """One case of one item, from one channel; a kiosk's retry finds it again by its idempotency key."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("terminal_id", "idempotency_key"),
        Index("ix_cases_department_state", "department_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40), unique=True)
    channel: Mapped[str] = mapped_column(String(8))  # kiosk | window | online
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("terminals.id", ondelete="RESTRICT"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="RESTRICT"), index=True)
    item_version: Mapped[int]
    app_id: Mapped[int | None] = mapped_column(ForeignKey("service_apps.id", ondelete="RESTRICT"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"))
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id", ondelete="RESTRICT"), index=True)
    state: Mapped[str] = mapped_column(String(24))
    # Personal data is sealed (SM4-GCM, core/sealing.py) and opened only for the department and the receipt;
    # operators and the public progress page see the masked copies. A purge replaces all of it (tombstones).
    applicant_name_sealed: Mapped[str] = mapped_column(Text)
    applicant_name_masked: Mapped[str] = mapped_column(String(100))
    applicant_id_number_sealed: Mapped[str] = mapped_column(Text)
    applicant_id_number_masked: Mapped[str] = mapped_column(String(18))
    # HMAC-SM3 of the ID number under the platform's key: finds a citizen's cases without scanning numbers.
    applicant_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    applicant_phone_sealed: Mapped[str | None] = mapped_column(Text)
    verified_by: Mapped[str] = mapped_column(String(16))
    data_sealed: Mapped[str] = mapped_column(Text)  # the form data, as sealed JSON
    # HMAC-SM3 of the canonical submission: the same idempotency key with other content is refused.
    submission_digest: Mapped[str | None] = mapped_column(String(64))
    materials: Mapped[list] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime]  # the kiosk's clock when the citizen pressed submit
    received_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    query_token: Mapped[str] = mapped_column(String(48), unique=True)  # the receipt's progress-query QR
    purged_at: Mapped[datetime | None]  # personal data erased after the item's retention period


class CaseStep(Base):
    """One step of a case: who moved it, from where to where, when and why."""

    __tablename__ = "case_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor_kind: Mapped[str] = mapped_column(String(16))  # kiosk | citizen | department | operator | system
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)


class CaseSequence(Base):
    """The last case number handed out per region and day."""

    __tablename__ = "case_sequences"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
