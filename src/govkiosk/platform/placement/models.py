"""Placement (布点) data in the platform: demand points, candidate and existing sites, saved plans."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from govkiosk.platform.db.base import Base


class DemandPoint(Base):
    """Where people live: a point with a population, in one district node (synthetic for the demo)."""

    __tablename__ = "placement_demand_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id", ondelete="RESTRICT"), index=True)
    lon: Mapped[float]
    lat: Mapped[float]
    population: Mapped[float]
    synthetic: Mapped[bool] = mapped_column(default=False)


class PlacementSite(Base):
    """A place a kiosk could go (candidate) or a facility already serving (existing, e.g. a hall)."""

    __tablename__ = "placement_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # community_centre, bank_branch, metro_station, mall …
    lon: Mapped[float]
    lat: Mapped[float]
    cost: Mapped[float] = mapped_column(default=1.0)
    capacity: Mapped[float | None]
    existing: Mapped[bool] = mapped_column(default=False)
    synthetic: Mapped[bool] = mapped_column(default=False)


class PlacementPlan(Base):
    """A plan someone ran: its inputs, model and options, and the solver's report."""

    __tablename__ = "placement_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_nodes.id", ondelete="RESTRICT"), index=True)
    model: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
    objective: Mapped[float | None]
    seconds: Mapped[float]
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
