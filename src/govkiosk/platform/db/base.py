"""Declarative base with a naming convention, so migrations name constraints the same everywhere."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(
                "naive datetime given to the database; use govkiosk.platform.core.clock.utcnow()"
            )
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class TimestampMixin:
    """Creation and last-change times, set by the database."""

    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


def import_all_models() -> None:
    """Import every domain's models so `Base.metadata` is complete (for Alembic and tests)."""
    from govkiosk.platform.accounts import models as _accounts  # noqa: F401
    from govkiosk.platform.actions import models as _actions  # noqa: F401
    from govkiosk.platform.audit import models as _audit  # noqa: F401
    from govkiosk.platform.cases import channel_models as _channel_cases  # noqa: F401
    from govkiosk.platform.cases import models as _cases  # noqa: F401
    from govkiosk.platform.catalog import models as _catalog  # noqa: F401
    from govkiosk.platform.configs import models as _configs  # noqa: F401
    from govkiosk.platform.connectors import models as _connectors  # noqa: F401
    from govkiosk.platform.evaluations import models as _evaluations  # noqa: F401
    from govkiosk.platform.onboarding import models as _onboarding  # noqa: F401
    from govkiosk.platform.orgs import models as _orgs  # noqa: F401
    from govkiosk.platform.placement import models as _placement  # noqa: F401
    from govkiosk.platform.terminals import models as _terminals  # noqa: F401
