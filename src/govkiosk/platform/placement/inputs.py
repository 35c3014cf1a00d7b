"""Our own planning inputs: demand, candidate and existing-facility files, and a travel-time table."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from govkiosk.platform.placement.problem import (
    DemandPoints,
    Metric,
    PlacementInputError,
    PlacementProblem,
    Sites,
    make_demand,
    make_sites,
)
from govkiosk.platform.placement.readers import _number, _Rows, read_table_file
from govkiosk.platform.placement.travel_times import read_travel_times


def read_plan_inputs(
    demand: Path, candidates: Path, existing: Path | None = None, travel_times: Path | None = None
) -> PlacementProblem:
    """Build a problem from CSV/GeoJSON files; coordinates must all be x/y or all lon/lat."""
    demand_rows = read_table_file(demand)
    site_rows = [(read_table_file(candidates), False)]
    if existing is not None:
        site_rows.append((read_table_file(existing), True))
    geographic = {demand_rows.geographic, *(rows.geographic for rows, _ in site_rows)}
    if len(geographic) > 1:
        raise PlacementInputError("inputs mix x/y and lon/lat coordinates; use one system for all files")
    points = _demand(demand_rows)
    sites = _sites(site_rows)
    _unique(points.ids, demand)
    _unique(sites.ids, candidates if existing is None else existing)
    if travel_times is not None:
        table = read_travel_times(travel_times, points.ids, sites.ids)
        return PlacementProblem(demand.stem, points, sites, Metric.TABLE, table=table)
    metric = Metric.HAVERSINE if geographic == {True} else Metric.EUCLIDEAN
    return PlacementProblem(demand.stem, points, sites, metric)


def _demand(rows: _Rows) -> DemandPoints:
    """Demand points: `population` (or `weight`) ≥ 0, optional `district`."""
    weights = []
    for props, where in zip(rows.props, rows.where, strict=True):
        name = "population" if "population" in props else "weight"
        value = _number(props, name, where, default=1.0 if name not in props else None)
        if value < 0:
            raise PlacementInputError(f"{where}: field '{name}': must not be negative")
        weights.append(value)
    districts = [p.get("district", "") for p in rows.props]
    return make_demand(
        rows.ids, np.array(rows.xy, dtype=float), np.array(weights), np.array(districts, dtype=object)
    )


def _sites(parts: list[tuple[_Rows, bool]]) -> Sites:
    """Candidates then existing facilities, one index space; `cost` ≥ 0, blank `capacity` = unlimited."""
    ids, xy, cost, capacity, fixed, kind, district = [], [], [], [], [], [], []
    for rows, is_existing in parts:
        for k, (props, where) in enumerate(zip(rows.props, rows.where, strict=True)):
            site_cost = 0.0 if is_existing else _number(props, "cost", where, default=1.0)
            cap = _number(props, "capacity", where, default=np.inf)
            if site_cost < 0 or cap <= 0:
                field = "cost" if site_cost < 0 else "capacity"
                raise PlacementInputError(f"{where}: field '{field}': must be positive")
            ids.append(rows.ids[k])
            xy.append(rows.xy[k])
            cost.append(site_cost)
            capacity.append(cap)
            fixed.append(is_existing)
            kind.append(props.get("type", ""))
            district.append(props.get("district", ""))
    return make_sites(
        ids,
        np.array(xy, dtype=float),
        fixed=np.array(fixed),
        cost=np.array(cost),
        district=np.array(district, dtype=object),
        kind=np.array(kind, dtype=object),
        capacity=np.array(capacity),
    )


def _unique(ids: list[str], path: Path) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise PlacementInputError(f"{path}: field 'id': '{value}' appears twice")
        seen.add(value)
