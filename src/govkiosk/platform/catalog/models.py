"""Service catalog (政务服务事项目录): departments, items and apps with immutable published versions, and
department API tokens."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govkiosk.platform.db.base import Base, TimestampMixin


class Department(TimestampMixin, Base):
    """A government department (部门) that owns items and apps; it belongs to an org node."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # USCC or organisation code
    name: Mapped[str] = mapped_column(String(200))
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id", ondelete="RESTRICT"), index=True)


class ServiceItem(TimestampMixin, Base):
    """The identity of a service item (政务服务事项); what it says lives in its versions."""

    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id", ondelete="RESTRICT"))
    latest_version: Mapped[int] = mapped_column(default=1)
    published_version: Mapped[int | None]
    # Set by onboarding (入驻) while a version of it is published to kiosks.
    kiosk_enabled: Mapped[bool] = mapped_column(default=False, index=True)
    # The latest version's implementation code, kept here so duplicates are found with one query.
    task_code: Mapped[str | None] = mapped_column(String(80), index=True)


class ServiceItemVersion(Base):
    """One version of an item's content; a published version never changes."""

    __tablename__ = "service_item_versions"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="CASCADE"))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))  # draft | published | superseded
    content: Mapped[dict] = mapped_column(JSON)  # ItemContent as JSON
    kiosk_eligible: Mapped[bool] = mapped_column(default=False)  # copied from content, for the 入驻率 query
    code_issues: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime | None]


class ServiceApp(TimestampMixin, Base):
    """The identity of a service application (政务服务应用)."""

    __tablename__ = "service_apps"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    latest_version: Mapped[int] = mapped_column(default=1)
    published_version: Mapped[int | None]
    kiosk_enabled: Mapped[bool] = mapped_column(default=False)


class ServiceAppVersion(Base):
    """One version of an app; a published version never changes."""

    __tablename__ = "service_app_versions"
    __table_args__ = (UniqueConstraint("app_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("service_apps.id", ondelete="CASCADE"))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict] = mapped_column(JSON)  # AppContent as JSON
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime | None]


class DepartmentToken(Base):
    """An open-API token scoped to one department; only a hash of the secret is stored."""

    __tablename__ = "department_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(default=False)
    last_used_at: Mapped[datetime | None]
