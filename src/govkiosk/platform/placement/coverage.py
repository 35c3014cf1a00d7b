"""The live coverage index: population within the walking radius of a kiosk that can serve now.

Pure computation on arrays. A kiosk can serve when it is approved, online, and none of its profile's
critical devices is missing, faulty or out of supplies; the potential counts every approved kiosk as
deployed. The demand × kiosk-site coverage matrix depends only on where things are, so it is cached
by a fingerprint of the coordinates; what changes from request to request is which columns are open."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from govkiosk.platform.placement.distances import coverage
from govkiosk.platform.placement.problem import Metric, PlacementProblem, make_demand, make_sites

DEFAULT_RADIUS_M = 1000.0  # a 15-minute walk, give or take: the 15-minute service circle on foot
_CACHE_SIZE = 16
_BLOCKING = ("missing", "fault")


@dataclass(frozen=True)
class Demand:
    """Demand points as arrays: lon/lat, population and the district (node id) of each."""

    lonlat: np.ndarray  # (n, 2)
    population: np.ndarray  # (n,)
    district: np.ndarray  # (n,) int node ids


@dataclass(frozen=True)
class Kiosk:
    """A deployed kiosk where it stands, and whether it can serve now."""

    terminal_id: int
    lon: float
    lat: float
    district_id: int | None
    serving: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figures:
    """Population, covered now and covered if every deployed kiosk served, for one area."""

    population: float
    covered_now: float
    covered_deployed: float
    kiosks: int
    serving: int

    @property
    def share_now(self) -> float:
        return self.covered_now / self.population if self.population > 0 else 0.0

    @property
    def share_deployed(self) -> float:
        return self.covered_deployed / self.population if self.population > 0 else 0.0


@dataclass(frozen=True)
class CoverageIndex:
    """City-wide (or subtree-wide) figures, per-district figures and per-point states."""

    total: Figures
    districts: dict[int, Figures]
    covered_now: np.ndarray  # (n,) bool
    covered_deployed: np.ndarray  # (n,) bool


def blocking_issues(issues: Sequence[str], critical: Sequence[str]) -> list[str]:
    """The device issues that stop a kiosk serving: a critical device missing, faulty or run out."""
    wanted = set(critical)
    blocking = []
    for issue in issues:
        parts = issue.split(":")
        if len(parts) < 2 or parts[1] not in wanted:
            continue
        if parts[0] in _BLOCKING or (parts[0] == "supply" and parts[-1] == "out"):
            blocking.append(issue)
    return blocking


def why_not_serving(
    *, approved: bool, connectivity: str, issues: Sequence[str], critical: Sequence[str]
) -> tuple[str, ...]:
    """Why a kiosk cannot serve now (empty when it can)."""
    reasons: list[str] = []
    if not approved:
        reasons.append("not_approved")
    if connectivity != "online":
        reasons.append(f"connectivity:{connectivity}")
    return tuple(reasons + blocking_issues(issues, critical))


class _MatrixCache:
    """A small LRU of coverage matrices keyed on the coordinates and the radius."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, sp.csc_matrix] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0

    def get(self, demand: np.ndarray, sites: np.ndarray, radius: float) -> sp.csc_matrix:
        key = _fingerprint(demand, sites, radius)
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                self.hits += 1
                return self.items[key]
        matrix = site_coverage(demand, sites, radius)
        with self.lock:
            self.items[key] = matrix
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return matrix


def _fingerprint(demand: np.ndarray, sites: np.ndarray, radius: float) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for array in (demand, sites, np.array([radius])):
        digest.update(np.ascontiguousarray(array, dtype=float).tobytes())
        digest.update(b"|")
    return digest.hexdigest()


MATRICES = _MatrixCache(_CACHE_SIZE)


def site_coverage(demand_lonlat: np.ndarray, site_lonlat: np.ndarray, radius: float) -> sp.csc_matrix:
    """Boolean (demand × site) matrix, True within `radius` great-circle metres (inclusive)."""
    n, m = len(demand_lonlat), len(site_lonlat)
    if n == 0 or m == 0:
        return sp.csc_matrix((n, m), dtype=bool)
    problem = PlacementProblem(
        "coverage",
        make_demand([str(i) for i in range(n)], demand_lonlat),
        make_sites([str(j) for j in range(m)], site_lonlat),
        Metric.HAVERSINE,
    )
    return coverage(problem, radius).tocsc()


def covered_by(matrix: sp.csc_matrix, is_open: np.ndarray) -> np.ndarray:
    """Per demand point, whether any open site covers it."""
    if matrix.shape[1] == 0 or not is_open.any():
        return np.zeros(matrix.shape[0], dtype=bool)
    return np.asarray(matrix[:, np.flatnonzero(is_open)].sum(axis=1)).ravel() > 0


def compute_index(demand: Demand, kiosks: Sequence[Kiosk], radius: float = DEFAULT_RADIUS_M) -> CoverageIndex:
    """The coverage index of `kiosks` over `demand` within `radius` metres, overall and per district."""
    sites, serving = _distinct_sites(kiosks)
    matrix = MATRICES.get(demand.lonlat, sites, radius)
    now = covered_by(matrix, serving)
    deployed = covered_by(matrix, np.ones(len(sites), dtype=bool))
    w = demand.population
    total = Figures(
        float(w.sum()), float(w[now].sum()), float(w[deployed].sum()), len(kiosks), _serving(kiosks)
    )
    return CoverageIndex(total, _by_district(demand, kiosks, now, deployed), now, deployed)


def _distinct_sites(kiosks: Sequence[Kiosk]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct kiosk coordinates, and whether at least one kiosk there serves (one column per place)."""
    if not kiosks:
        return np.zeros((0, 2)), np.zeros(0, dtype=bool)
    coords = np.array([(k.lon, k.lat) for k in kiosks], dtype=float)
    places, inverse = np.unique(coords, axis=0, return_inverse=True)
    serving = np.zeros(len(places), dtype=bool)
    np.logical_or.at(serving, inverse.ravel(), np.array([k.serving for k in kiosks], dtype=bool))
    return places, serving


def _serving(kiosks: Sequence[Kiosk]) -> int:
    return sum(1 for k in kiosks if k.serving)


def _by_district(
    demand: Demand, kiosks: Sequence[Kiosk], now: np.ndarray, deployed: np.ndarray
) -> dict[int, Figures]:
    """Figures per district, vectorised with bincount over the districts' codes."""
    ids, code = np.unique(demand.district.astype(np.int64), return_inverse=True)
    w = demand.population
    totals = np.bincount(code, weights=w, minlength=len(ids))
    hit_now = np.bincount(code, weights=w * now, minlength=len(ids))
    hit_all = np.bincount(code, weights=w * deployed, minlength=len(ids))
    result = {}
    for k, district_id in enumerate(ids.tolist()):
        mine = [x for x in kiosks if x.district_id == district_id]
        result[district_id] = Figures(
            float(totals[k]), float(hit_now[k]), float(hit_all[k]), len(mine), _serving(mine)
        )
    return result
