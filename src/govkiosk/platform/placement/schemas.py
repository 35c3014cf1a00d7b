"""Placement API shapes: the live coverage index, plan requests, saved plans."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from govkiosk.platform.placement.problem import Model

MAX_TIME_LIMIT_S = 30.0  # plans are solved in the request thread: a cap keeps a request bounded


class CoverageFigures(BaseModel):
    """Population and population covered now / if every deployed kiosk served, for one area."""

    population: float
    covered_now: float
    covered_deployed: float
    share_now: float
    share_deployed: float
    kiosks: int
    serving: int


class DistrictCoverage(CoverageFigures):
    """The coverage figures of one district."""

    node_id: int
    name: str


class KioskPoint(BaseModel):
    """A deployed kiosk on the map and whether it can serve now (with why not)."""

    terminal_id: int
    lon: float
    lat: float
    serving: bool
    reasons: list[str]


class CoverageRead(BaseModel):
    """The live coverage index of a subtree."""

    node_id: int
    radius_m: float
    total: CoverageFigures
    districts: list[DistrictCoverage]
    demand_points: int
    unplaced_kiosks: int  # approved kiosks whose site has no coordinates
    compute_ms: float


class PlanCreate(BaseModel):
    """What to plan: the subtree, the model and its options."""

    model_config = ConfigDict(extra="forbid")

    org_node_id: int | None = None  # default: the caller's widest subtree
    model: Model = Model.MCLP
    p: int | None = Field(default=None, ge=0, le=1000)
    radius: float | None = Field(default=1000.0, gt=0, le=50_000)
    budget: float | None = Field(default=None, ge=0)
    district_min: dict[str, int] = Field(default_factory=dict)
    exact: bool = True
    time_limit: float = Field(default=10.0, gt=0, le=MAX_TIME_LIMIT_S)
    include_kiosks: bool = True  # deployed kiosks' sites count as existing facilities


class PlanRead(BaseModel):
    """A saved plan, without its full report."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    org_node_id: int
    model: str
    method: str
    status: str
    objective: float | None
    seconds: float
    options: dict[str, Any]
    inputs: dict[str, Any]
    created_by: str
    created_at: datetime


class PlanDetail(PlanRead):
    """A saved plan with the solver's report and the open sites as GeoJSON."""

    report: dict[str, Any]
    geojson: dict[str, Any]
