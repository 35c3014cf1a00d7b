"""Configuration layers: org node → terminal profile → terminal, merged per terminal."""

from datetime import datetime

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govkiosk.platform.db.base import Base


class ConfigLayer(Base):
    """Configuration values set at one scope (an org node, a profile or a terminal)."""

    __tablename__ = "config_layers"
    __table_args__ = (UniqueConstraint("scope", "scope_id", name="uq_config_layers_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # org | profile | terminal
    scope_id: Mapped[int]
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class Generation(Base):
    """A counter bumped whenever something that changes resolved configurations is written, so every
    platform node can drop its cached configuration ETags; other cached data (the catalog) keeps a
    stamp here under its own name."""

    __tablename__ = "generations"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
