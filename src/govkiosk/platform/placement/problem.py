"""The placement problem: demand points, candidate sites, existing facilities and the options of a plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from govkiosk.platform.core.errors import DomainError


class PlacementInputError(DomainError):
    """Input that cannot be planned on, named by file, row and field where there is one."""

    status_code = 422
    code = "placement_input"


class Metric(StrEnum):
    """How distances between demand points and sites are measured."""

    EUCLIDEAN = "euclidean"  # planar x/y, e.g. UTM metres
    HAVERSINE = "haversine"  # lon/lat degrees, great-circle metres
    MATRIX = "matrix"  # a dense distance matrix given with the problem (OR-Library)
    TABLE = "table"  # a sparse travel-time table in minutes; missing pairs are unreachable


class Model(StrEnum):
    """The four classic location models."""

    MCLP = "mclp"
    LSCP = "lscp"
    PMEDIAN = "pmedian"
    PCENTER = "pcenter"


@dataclass(frozen=True)
class DemandPoints:
    """Where people are: one row per point, weight = population."""

    ids: list[str]
    xy: np.ndarray  # (n, 2): x/y or lon/lat
    weight: np.ndarray  # (n,)
    district: np.ndarray  # (n,) of str; "" when unknown

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Sites:
    """Candidate sites and existing facilities in one index space; existing ones are `fixed` open."""

    ids: list[str]
    xy: np.ndarray  # (m, 2)
    kind: np.ndarray  # (m,) of str: community_centre, bank_branch, metro_station, mall, service_hall …
    cost: np.ndarray  # (m,); 0 for existing facilities
    district: np.ndarray  # (m,) of str
    capacity: np.ndarray  # (m,); inf when unlimited
    fixed: np.ndarray  # (m,) bool: an existing facility, open whatever the plan

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def free(self) -> np.ndarray:
        """Indices of the sites the plan may choose."""
        return np.flatnonzero(~self.fixed)


@dataclass(frozen=True)
class TravelTable:
    """A sparse travel-time table: entry (row, col) = minutes; absent pairs are unreachable.

    Built by `make_travel_table`: sorted by (row, col), each pair once, so coverage is a CSR matrix as is."""

    rows: np.ndarray
    cols: np.ndarray
    minutes: np.ndarray


@dataclass(frozen=True)
class PlacementProblem:
    """Everything the solvers need to know about a city, without options."""

    name: str
    demand: DemandPoints
    sites: Sites
    metric: Metric
    matrix: np.ndarray | None = None  # (n, m) when metric is MATRIX
    table: TravelTable | None = None  # when metric is TABLE
    default_p: int | None = None  # OR-Library files carry their p


@dataclass(frozen=True)
class PlanOptions:
    """What the planner asks for: p new sites, a radius, a budget, per-district minimums, time."""

    p: int | None = None
    radius: float | None = None  # metres, or minutes with a travel-time table
    budget: float | None = None
    district_min: dict[str, int] = field(default_factory=dict)
    capacitated: bool = False
    time_limit: float = 60.0
    progress: bool = False


def make_sites(
    ids: list[str],
    xy: np.ndarray,
    *,
    fixed: np.ndarray | None = None,
    cost: np.ndarray | None = None,
    district: np.ndarray | None = None,
    kind: np.ndarray | None = None,
    capacity: np.ndarray | None = None,
) -> Sites:
    """Sites with defaults: free, cost 1, no district, no kind, unlimited capacity."""
    m = len(ids)
    return Sites(
        ids=list(ids),
        xy=np.asarray(xy, dtype=float).reshape(m, 2),
        kind=np.asarray(kind if kind is not None else [""] * m, dtype=object),
        cost=np.asarray(cost if cost is not None else np.ones(m), dtype=float),
        district=np.asarray(district if district is not None else [""] * m, dtype=object),
        capacity=np.asarray(capacity if capacity is not None else np.full(m, np.inf), dtype=float),
        fixed=np.asarray(fixed if fixed is not None else np.zeros(m, bool), dtype=bool),
    )


def make_demand(
    ids: list[str], xy: np.ndarray, weight: np.ndarray | None = None, district: np.ndarray | None = None
) -> DemandPoints:
    """Demand points with defaults: weight 1, no district."""
    n = len(ids)
    return DemandPoints(
        ids=list(ids),
        xy=np.asarray(xy, dtype=float).reshape(n, 2),
        weight=np.asarray(weight if weight is not None else np.ones(n), dtype=float),
        district=np.asarray(district if district is not None else [""] * n, dtype=object),
    )


def make_travel_table(rows: np.ndarray, cols: np.ndarray, minutes: np.ndarray, m: int) -> TravelTable:
    """Entries sorted by (row, col), each pair once: where a pair repeats, the later entry wins."""
    key = rows.astype(np.int64) * m + cols
    if len(key) > 1 and not (key[1:] > key[:-1]).all():  # a table written in order skips the sort
        order = np.argsort(key, kind="stable")  # stable: a repeated pair's entries keep file order
        ordered = key[order]
        take = order[np.append(ordered[1:] != ordered[:-1], True)]
        rows, cols, minutes = rows[take], cols[take], minutes[take]
    return TravelTable(rows, cols, minutes)
