"""Reports: the plan as JSON (sites, coverage by district, distances, the current network) and GeoJSON."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from govkiosk.platform.placement.distances import (
    EARTH_RADIUS_M,
    _unit_xyz,
    coverage,
    distance_matrix,
    table_nearest,
)
from govkiosk.platform.placement.problem import Metric, PlacementProblem, PlanOptions
from govkiosk.platform.placement.solver import PlanResult


def nearest_distance(problem: PlacementProblem, is_open: np.ndarray) -> np.ndarray:
    """Per demand point, the distance to its nearest open site (+inf when none is open or reachable)."""
    n = len(problem.demand)
    if not is_open.any():
        return np.full(n, np.inf)
    if problem.metric is Metric.EUCLIDEAN:
        return cKDTree(problem.sites.xy[is_open]).query(problem.demand.xy)[0]
    if problem.metric is Metric.HAVERSINE:
        chord = cKDTree(_unit_xyz(problem.sites.xy[is_open])).query(_unit_xyz(problem.demand.xy))[0]
        return 2.0 * EARTH_RADIUS_M * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))
    if problem.metric is Metric.TABLE:
        assert problem.table is not None
        return table_nearest(problem.table, is_open, n)
    return distance_matrix(problem)[:, is_open].min(axis=1)


def network_figures(
    problem: PlacementProblem, is_open: np.ndarray, radius: float | None, cover: sp.csr_matrix | None = None
) -> dict[str, Any]:
    """Population covered within the radius (overall and by district), mean and max distance.

    `cover` (the coverage at `radius`, if the caller has it) saves building it again."""
    w = problem.demand.weight
    nearest = nearest_distance(problem, is_open)
    reachable = np.isfinite(nearest)
    figures: dict[str, Any] = {
        "open_sites": int(is_open.sum()),
        "mean_distance": _mean(w[reachable], nearest[reachable]),
        "max_distance": _finite(float(nearest.max())) if len(nearest) else None,
        "unreachable_population": float(w[~reachable].sum()),
    }
    if radius is not None:
        cover = coverage(problem, radius) if cover is None else cover
        covered = np.asarray(cover[:, is_open].sum(axis=1)).ravel() > 0
        figures["radius"] = radius
        figures["covered_population"] = float(w[covered].sum())
        figures["coverage"] = float(w[covered].sum() / w.sum()) if w.sum() > 0 else None
        figures["by_district"] = _by_district(problem.demand.district, w, covered)
    return figures


def _mean(w: np.ndarray, values: np.ndarray) -> float | None:
    """Population-weighted mean; None when nobody is reachable."""
    return float(w @ values / w.sum()) if w.sum() > 0 else None


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _by_district(district: np.ndarray, w: np.ndarray, covered: np.ndarray) -> dict[str, dict[str, float]]:
    """Population and population covered per district (vectorised with bincount)."""
    names, code = np.unique(district.astype(str), return_inverse=True)
    total = np.bincount(code, weights=w, minlength=len(names))
    hit = np.bincount(code, weights=w * covered, minlength=len(names))
    return {
        (name or "(none)"): {
            "population": float(t),
            "covered": float(h),
            "share": float(h / t) if t > 0 else 0.0,
        }
        for name, t, h in zip(names, total, hit, strict=True)
    }


def build_report(problem: PlacementProblem, result: PlanResult, options: PlanOptions) -> dict[str, Any]:
    """The JSON report: solver figures, chosen sites, the plan's network against the current one."""
    sites = problem.sites
    new = np.flatnonzero(result.is_open & ~sites.fixed)
    radius = options.radius
    cover = coverage(problem, radius) if radius is not None else None
    plan = network_figures(problem, result.is_open, radius, cover)
    current = network_figures(problem, sites.fixed.copy(), radius, cover)
    return {
        "problem": problem.name,
        "model": result.model.value,
        "method": result.method,
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "seconds": round(result.seconds, 3),
        "sites": [sites.ids[j] for j in new],
        "new_sites": [_site(problem, int(j)) for j in new],
        "existing_sites": int(sites.fixed.sum()),
        "cost": float(sites.cost[new].sum()),
        "plan": plan,
        "current_network": current,
        "details": result.details,
    }


def _site(problem: PlacementProblem, j: int) -> dict[str, Any]:
    s = problem.sites
    return {
        "id": s.ids[j],
        "type": str(s.kind[j]),
        "district": str(s.district[j]),
        "cost": float(s.cost[j]),
        "x": float(s.xy[j, 0]),
        "y": float(s.xy[j, 1]),
    }


def sites_geojson(problem: PlacementProblem, result: PlanResult) -> dict[str, Any]:
    """Open sites as GeoJSON Points, `status` new or existing; x/y inputs keep their own planar units."""
    s = problem.sites
    features = [
        {
            "type": "Feature",
            "id": s.ids[j],
            "geometry": {"type": "Point", "coordinates": [float(s.xy[j, 0]), float(s.xy[j, 1])]},
            "properties": {**_site(problem, int(j)), "status": "existing" if s.fixed[j] else "new"},
        }
        for j in np.flatnonzero(result.is_open)
    ]
    return {"type": "FeatureCollection", "features": features}
