"""Distances and coverage, vectorised: k-d trees for radius coverage, dense matrices for p-median/p-center."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

from govkiosk.platform.placement.problem import Metric, PlacementInputError, PlacementProblem, TravelTable

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
MAX_DENSE_CELLS = 40_000_000  # 320 MB of float64: beyond this a dense matrix is a mistake, not a plan
_SLACK = 1e-9  # widen tree queries a hair, then filter with the exact distance: the radius is inclusive


def coverage(problem: PlacementProblem, radius: float) -> sp.csr_matrix:
    """Boolean (n demand × m sites) matrix: True where the site is within `radius` (inclusive)."""
    n, m = len(problem.demand), len(problem.sites)
    if problem.metric is Metric.EUCLIDEAN:
        rows, cols = _tree_pairs(problem.demand.xy, problem.sites.xy, radius, chord=False)
    elif problem.metric is Metric.HAVERSINE:
        rows, cols = _tree_pairs(
            _unit_xyz(problem.demand.xy), _unit_xyz(problem.sites.xy), radius, chord=True
        )
    elif problem.metric is Metric.MATRIX:
        assert problem.matrix is not None
        rows, cols = np.nonzero(problem.matrix <= radius)
    else:
        assert problem.table is not None
        return _table_coverage(problem.table, radius, n, m)
    data = np.ones(len(rows), dtype=bool)
    return sp.csr_matrix((data, (rows, cols)), shape=(n, m), dtype=bool)


def _table_coverage(table: TravelTable, radius: float, n: int, m: int) -> sp.csr_matrix:
    """The table's pairs within `radius` minutes; it is sorted by (row, col), so they are CSR as they are."""
    keep = table.minutes <= radius
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(table.rows[keep], minlength=n), out=indptr[1:])
    cols = table.cols[keep]
    return sp.csr_matrix((np.ones(len(cols), dtype=bool), cols, indptr), shape=(n, m))


def table_nearest(table: TravelTable, is_open: np.ndarray, n: int) -> np.ndarray:
    """Per demand point, the minutes to its nearest open site in the table (+inf when the table has none)."""
    keep = is_open[table.cols]
    rows, minutes = table.rows[keep], table.minutes[keep]
    nearest = np.full(n, np.inf)
    if len(rows):
        starts = np.flatnonzero(np.append(True, rows[1:] != rows[:-1]))  # rows are sorted: one run per point
        nearest[rows[starts]] = np.minimum.reduceat(minutes, starts)
    return nearest


def _tree_pairs(a: np.ndarray, b: np.ndarray, radius: float, *, chord: bool) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i in a, j in b) within `radius` metres, via cKDTree.sparse_distance_matrix."""
    # On the unit sphere a great-circle distance r is a chord of length 2·sin(r / 2R).
    limit = 2.0 * np.sin(min(radius / EARTH_RADIUS_M, np.pi) / 2.0) if chord else radius
    pairs = cKDTree(a).sparse_distance_matrix(
        cKDTree(b), limit * (1 + _SLACK) + _SLACK, output_type="ndarray"
    )
    rows, cols = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
    # Exact distances for the boundary: the tree's own arithmetic may round a point at exactly r outward.
    exact = _pair_distances(a, b, rows, cols, chord=chord)
    keep = exact <= radius * (1 + 1e-12)
    return rows[keep], cols[keep]


def _pair_distances(
    a: np.ndarray, b: np.ndarray, rows: np.ndarray, cols: np.ndarray, *, chord: bool
) -> np.ndarray:
    """Distances of the listed pairs, in metres."""
    if chord:
        c = np.linalg.norm(a[rows] - b[cols], axis=1)
        return 2.0 * EARTH_RADIUS_M * np.arcsin(np.clip(c / 2.0, 0.0, 1.0))
    diff = a[rows] - b[cols]
    return np.sqrt(np.einsum("ij,ij->i", diff, diff))


def _unit_xyz(lonlat: np.ndarray) -> np.ndarray:
    """Lon/lat degrees -> points on the unit sphere (so a k-d tree can search by chord length)."""
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def haversine_m(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle metres between every lon/lat in `a` and every lon/lat in `b`."""
    lon1, lat1 = np.radians(a[:, :1]), np.radians(a[:, 1:2])
    lon2, lat2 = np.radians(b[:, 0])[None, :], np.radians(b[:, 1])[None, :]
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def distance_matrix(problem: PlacementProblem) -> np.ndarray:
    """Dense (n × m) distances; unreachable pairs of a travel-time table are +inf."""
    n, m = len(problem.demand), len(problem.sites)
    if n * m > MAX_DENSE_CELLS:
        raise PlacementInputError(
            f"{n} demand points × {m} sites is too large for a dense distance matrix; "
            "aggregate demand (e.g. to grid cells) or use mclp/lscp, which work on sparse coverage"
        )
    if problem.metric is Metric.EUCLIDEAN:
        return cdist(problem.demand.xy, problem.sites.xy)
    if problem.metric is Metric.HAVERSINE:
        return haversine_m(problem.demand.xy, problem.sites.xy)
    if problem.metric is Metric.MATRIX:
        assert problem.matrix is not None
        return np.asarray(problem.matrix, dtype=float)
    assert problem.table is not None
    dense = np.full((n, m), np.inf)
    dense[problem.table.rows, problem.table.cols] = problem.table.minutes
    return dense


def finite_for_solver(dist: np.ndarray) -> np.ndarray:
    """Replace +inf (unreachable) by a penalty above any real distance: MIP coefficients stay finite."""
    finite = np.isfinite(dist)
    if finite.all():
        return dist
    top = float(dist[finite].max()) if finite.any() else 1.0
    return np.where(finite, dist, 10.0 * top + 1.0)
