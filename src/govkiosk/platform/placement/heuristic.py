"""Heuristics: greedy construction, then swap-based local search (Resende–Werneck gain/loss/extra) and VNS.

Every swap move (open `into[a]`, close `out[b]`) is priced at once as a matrix, so one local-search step
is a handful of numpy operations over the (n × m) data instead of p·m evaluations of the objective.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from govkiosk.platform.placement.constraints import SideConstraints

# profit(is_open, into, out) -> (len(into), len(out)) objective decrease of each swap
SwapPricer = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
Objective = Callable[[np.ndarray], float]  # to minimise
AddPricer = Callable[[np.ndarray, np.ndarray], np.ndarray]  # objective decrease of opening each of `into`
Report = Callable[[np.ndarray], None]  # progress: called with the current plan (cheap unless it prints)


@dataclass(frozen=True)
class HeuristicResult:
    """A feasible-as-far-as-known plan from a heuristic."""

    is_open: np.ndarray
    objective: float  # in the model's own sense (covered population for MCLP)
    seconds: float
    feasible: bool


@dataclass(frozen=True)
class Search:
    """What local search and VNS need: the objective, the swap pricer and the side constraints."""

    value: Objective
    price: SwapPricer
    add: AddPricer
    sc: SideConstraints


def _nearest(dist: np.ndarray, is_open: np.ndarray, big: float) -> np.ndarray:
    """Distance to the nearest open site; `big` when nothing is open yet."""
    return dist[:, is_open].min(axis=1) if is_open.any() else np.full(len(dist), big)


def _nearest_two(dist: np.ndarray, open_idx: np.ndarray, big: float) -> tuple[np.ndarray, ...]:
    """Per demand point: nearest and second-nearest open distance, and the nearest site's index."""
    sub = dist[:, open_idx]
    rows = np.arange(len(dist))
    if sub.shape[1] == 1:
        return sub[:, 0], np.full(len(dist), big), np.full(len(dist), open_idx[0])
    two = np.argpartition(sub, 1, axis=1)[:, :2]
    a, b = sub[rows, two[:, 0]], sub[rows, two[:, 1]]
    first = np.where(a <= b, two[:, 0], two[:, 1])
    return np.minimum(a, b), np.maximum(a, b), open_idx[first]


def median_search(dist: np.ndarray, w: np.ndarray, sc: SideConstraints) -> Search:
    """p-median: minimise Σ w·(distance to the nearest open site)."""
    big = 2.0 * float(dist.max()) + 1.0

    def value(is_open: np.ndarray) -> float:
        return float(w @ dist[:, is_open].min(axis=1))

    def price(is_open: np.ndarray, into: np.ndarray, out: np.ndarray) -> np.ndarray:
        d1, d2, phi = _nearest_two(dist, np.flatnonzero(is_open), big)
        sub = dist[:, into]
        gain = w @ np.maximum(d1[:, None] - sub, 0.0)
        loss = np.bincount(phi, weights=w * (d2 - d1), minlength=dist.shape[1])[out]
        extra_terms = w[:, None] * np.maximum(d2[:, None] - np.maximum(d1[:, None], sub), 0.0)
        return gain[:, None] - loss[None, :] + _owner_sums(extra_terms, phi, out).T

    def add(is_open: np.ndarray, into: np.ndarray) -> np.ndarray:
        return w @ np.maximum(_nearest(dist, is_open, big)[:, None] - dist[:, into], 0.0)

    return Search(value, price, add, sc)


def _owner_sums(terms: np.ndarray, owner: np.ndarray, out: np.ndarray) -> np.ndarray:
    """(len(out) × columns): per removable site out[b], the sum of `terms` over the demand it serves.

    Sorted segments and `np.add.reduceat`, not a one-hot product: no BLAS threads in the inner loop."""
    pos = np.full(int(max(owner.max(), out.max())) + 1, -1)
    pos[out] = np.arange(len(out))
    col = pos[owner]
    rows = np.flatnonzero(col >= 0)
    rows = rows[np.argsort(col[rows], kind="stable")]
    sums = np.zeros((len(out), terms.shape[1]))
    if len(rows):
        starts = np.flatnonzero(np.r_[True, np.diff(col[rows]) > 0])
        sums[col[rows[starts]]] = np.add.reduceat(terms[rows], starts, axis=0)
    return sums


def mclp_search(cover: sp.csr_matrix, w: np.ndarray, sc: SideConstraints) -> Search:
    """MCLP: maximise covered weight, i.e. minimise uncovered weight.

    Sparse products throughout: dense BLAS products were faster on an idle machine but several times slower
    on a busy one (OpenBLAS threads waiting for cores), and sparse ones scale to city size."""
    by_row = cover.astype(np.float64).tocsr()
    a = by_row.tocsc()

    def value(is_open: np.ndarray) -> float:
        return float(w[(a @ is_open.astype(float)) == 0].sum())

    def price(is_open: np.ndarray, into: np.ndarray, out: np.ndarray) -> np.ndarray:
        count = a @ is_open.astype(float)
        gain = a[:, into].T @ (w * (count == 0))
        only = w * (count == 1)  # demand that loses coverage when its single covering site closes
        loss = a[:, out].T @ only
        # Only rows covered exactly once enter `extra`: slice them first, then the columns.
        held = by_row[np.flatnonzero(only)]
        extra = held[:, into].T @ sp.csc_matrix(held[:, out].multiply(only[only > 0][:, None]))
        return gain[:, None] - loss[None, :] + extra.toarray()

    def add(is_open: np.ndarray, into: np.ndarray) -> np.ndarray:
        return a[:, into].T @ (w * ((a @ is_open.astype(float)) == 0))

    return Search(value, price, add, sc)


def center_search(dist: np.ndarray, sc: SideConstraints) -> Search:
    """p-center: minimise the largest distance to the nearest open site."""
    big = 2.0 * float(dist.max()) + 1.0

    def value(is_open: np.ndarray) -> float:
        return float(dist[:, is_open].min(axis=1).max())

    def price(is_open: np.ndarray, into: np.ndarray, out: np.ndarray) -> np.ndarray:
        d1, d2, phi = _nearest_two(dist, np.flatnonzero(is_open), big)
        current = float(d1.max())
        sub = dist[:, into]
        profit = np.empty((len(into), len(out)))
        for b, r in enumerate(out):  # p columns, each one vectorised over all demand and candidates
            base = np.where(phi == r, d2, d1)
            profit[:, b] = current - np.minimum(base[:, None], sub).max(axis=0)
        return profit

    def add(is_open: np.ndarray, into: np.ndarray) -> np.ndarray:
        d1 = _nearest(dist, is_open, big)
        after = np.minimum(d1[:, None], dist[:, into])
        # The max rarely moves with one site; the mean breaks ties so greedy still spreads sites out.
        return d1.max() - after.max(axis=0) + 1e-6 * (d1.mean() - after.mean(axis=0))

    return Search(value, price, add, sc)


def greedy(search: Search, start: np.ndarray, report: Report | None = None) -> np.ndarray:
    """Add the best affordable site while slots remain and adding still helps; `report(plan)` per step."""
    is_open = start.copy()
    sc = search.sc
    while sc.p is None or int((is_open & ~sc.fixed).sum()) < sc.p:
        into = np.flatnonzero(sc.addable(is_open))
        if not len(into):
            break
        if report is not None:
            report(is_open)
        gains = search.add(is_open, into)
        owed = len(sc.district_min) and (sc.counts(is_open) < sc.district_min).any()
        if gains.max() <= 0 and not owed:
            break
        is_open[into[int(np.argmax(gains))]] = True
    return is_open


def local_search(
    search: Search, is_open: np.ndarray, deadline: float, report: Report | None = None
) -> np.ndarray:
    """Best-improvement swaps until no swap improves or time runs out; `report(plan)` before each step."""
    is_open = is_open.copy()
    sc = search.sc
    while time.monotonic() < deadline:
        if report is not None:
            report(is_open)
        out = np.flatnonzero(is_open & ~sc.fixed)
        into = np.flatnonzero(~is_open & ~sc.fixed)
        if not len(out) or not len(into):
            break
        profit = search.price(is_open, into, out)
        profit[~sc.swap_mask(is_open, into, out)] = -np.inf
        a, b = np.unravel_index(int(np.argmax(profit)), profit.shape)
        if profit[a, b] <= 1e-9 * max(1.0, abs(search.value(is_open))):
            break
        is_open[into[a]], is_open[out[b]] = True, False
    return is_open


def vns(
    search: Search,
    start: np.ndarray,
    deadline: float,
    *,
    seed: int = 0,
    k_max: int = 5,
    patience: int = 100,
    floor: float = -np.inf,
    report: Report | None = None,
) -> np.ndarray:
    """Variable neighbourhood search: shake by k random feasible swaps, descend, keep improvements.

    Stops at the deadline, after `patience` shakes in a row that found nothing better, or on reaching
    `floor` (a value no plan can beat, e.g. no uncovered demand). `report(best plan)` follows every descent.
    """
    rng = np.random.default_rng(seed)
    best = local_search(search, start, deadline, report)
    best_value, k, idle = search.value(best), 1, 0
    if report is not None:
        report(best)
    while time.monotonic() < deadline and idle < patience and best_value > floor:
        trial = local_search(search, _shake(search.sc, best, k, rng), deadline)
        trial_value = search.value(trial)
        if trial_value < best_value - 1e-9 * max(1.0, abs(best_value)):
            best, best_value, k, idle = trial, trial_value, 1, 0
        else:
            k, idle = k % k_max + 1, idle + 1
        if report is not None:
            report(best)
    return best


def _shake(sc: SideConstraints, is_open: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k random swaps that keep the side constraints."""
    is_open = is_open.copy()
    for _ in range(k):
        out = np.flatnonzero(is_open & ~sc.fixed)
        into = np.flatnonzero(~is_open & ~sc.fixed)
        if not len(out) or not len(into):
            break
        ok = sc.swap_mask(is_open, into, out)
        pairs = np.argwhere(ok)
        if not len(pairs):
            break
        a, b = pairs[rng.integers(len(pairs))]
        is_open[into[a]], is_open[out[b]] = True, False
    return is_open


def run(
    search: Search,
    time_limit: float,
    *,
    seed: int = 0,
    patience: int = 100,
    floor: float = -np.inf,
    report: Report | None = None,
) -> HeuristicResult:
    """Greedy, then VNS (until `floor` if reached); the result says whether it meets the side constraints."""
    started = time.monotonic()
    deadline = started + max(0.0, time_limit)
    start = greedy(search, search.sc.fixed.copy(), report)
    is_open = vns(search, start, deadline, seed=seed, patience=patience, floor=floor, report=report)
    return HeuristicResult(
        is_open, search.value(is_open), time.monotonic() - started, search.sc.feasible(is_open)
    )


def greedy_cover(cover: sp.csr_matrix, coverable: np.ndarray, sc: SideConstraints) -> np.ndarray:
    """Set covering: add the site covering most uncovered points, then drop sites that became redundant."""
    need = coverable.astype(float)
    is_open = greedy(mclp_search(cover, need, SideConstraints(None, *_limits(sc))), sc.fixed.copy())
    a = cover.astype(np.float64).tocsc()
    count = a @ is_open.astype(float)
    # Try the least useful sites first: those whose points are all covered at least twice can go.
    for j in sorted(np.flatnonzero(is_open & ~sc.fixed), key=lambda s: a[:, s].nnz):
        rows = a[:, j].indices
        trial = is_open.copy()
        trial[j] = False
        if (count[rows] >= 2).all() and sc.feasible(trial):
            is_open, count[rows] = trial, count[rows] - 1
    return is_open


def _limits(sc: SideConstraints) -> tuple:
    return sc.budget, sc.cost, sc.fixed, sc.district_code, sc.district_min
