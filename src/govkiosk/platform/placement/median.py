"""Exact p-median: Lagrangian branch-and-bound; with a budget or district minimums, HiGHS (radius model).

Plain p-median (p new sites, existing ones open): Beasley's Lagrangian relaxation of the assignment rows gives
the LP bound in a few thousand cheap numpy steps, fixes most sites (open or closed) by bound, and drives a
best-first branch-and-bound on the remaining sites. HiGHS on the same instances spends minutes per node-heavy
tree on small p (pmed36: 486 s after the reduction); the Lagrangian search proves it in about a minute.

With a budget or district minimums the relaxation would drop them, so HiGHS solves the radius formulation.
It has one row per client and distinct distance — O(n²) rows for OR-Library's n = 900.
Optimal plans rarely serve a client much farther than a good heuristic does, so we start with each
client's levels only up to its heuristic distance. Truncation prices a client at min(true, D^{L+1}),
so the truncated optimum is a valid lower bound; when the MIP's plan is priced exactly (or the best
known plan meets the bound) it is optimal, otherwise the offending clients get more levels.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from govkiosk.platform.placement import exact, heuristic
from govkiosk.platform.placement.constraints import SideConstraints
from govkiosk.platform.placement.formulations import Levels, median_levels, median_levels_start
from govkiosk.platform.placement.heuristic import HeuristicResult
from govkiosk.platform.placement.problem import Model, PlanOptions
from govkiosk.platform.placement.solver import PlanResult

MAX_ROUNDS = 50
SMALL_P = 10  # up to here the Lagrangian branch-and-bound proves fastest; beyond, HiGHS after its root
DEPTH_SLACK = 1.25  # start each client a little beyond its heuristic distance: fewer deepening rounds


def median_cost(dist: np.ndarray, w: np.ndarray, is_open: np.ndarray) -> float:
    """Σ w · distance to the nearest open site."""
    return float(w @ dist[:, is_open].min(axis=1))


def _tolerance(mip: exact.Mip, value: float) -> float:
    """Integral data: any gap below 1 is closed; otherwise a relative hair."""
    return 1.0 - 1e-6 if mip.integral_objective else 1e-7 * max(1.0, abs(value))


def prove_median(
    dist: np.ndarray, w: np.ndarray, sc: SideConstraints, found: HeuristicResult, options: PlanOptions
) -> PlanResult:
    """Prove the p-median optimum: Lagrangian branch-and-bound when only p limits, else HiGHS."""
    deadline = time.monotonic() + max(0.0, options.time_limit - found.seconds)
    start = found.is_open if found.feasible else None
    if sc.p is None or sc.budget is not None or len(sc.district_min):
        return _prove_with_highs(dist, w, sc, start, options, deadline)
    if sc.p <= SMALL_P:
        return lagrangian_search(dist, w, sc.p, sc.fixed, start, deadline)
    return _reduce_then_highs(dist, w, sc, start, options, deadline)


def _reduce_then_highs(
    dist: np.ndarray,
    w: np.ndarray,
    sc: SideConstraints,
    start: np.ndarray | None,
    options: PlanOptions,
    deadline: float,
) -> PlanResult:
    """Larger p: the Lagrangian root closes most sites (or proves outright); HiGHS proves the rest."""
    assert sc.p is not None
    search = _Search(dist, w, sc.p, sc.fixed, deadline)
    search.offer(start if start is not None else search.greedy_start())
    root = _Node(-np.inf, sc.fixed.copy(), np.zeros(len(sc.fixed), dtype=bool), search.first_multipliers())
    children = search.process(root, ROOT_STEPS)
    if not children:  # the root bound alone met the incumbent
        return search.result("optimal")
    keep = ~children[0].closed | (search.best if search.best is not None else False)
    sub = SideConstraints(sc.p, None, sc.cost[keep], sc.fixed[keep], sc.district_code[keep], sc.district_min)
    plan = search.best[keep] if search.best is not None else None
    solved = _prove_with_highs(dist[:, keep], w, sub, plan, options, deadline)
    is_open = np.zeros(len(keep), dtype=bool)
    is_open[keep] = solved.is_open
    bound = None if solved.bound is None else min(solved.bound, search.floor)
    status = (
        "optimal"
        if solved.objective is not None
        and bound is not None
        and (solved.objective - bound <= search.tolerance(solved.objective))
        else solved.status
    )
    details = {**solved.details, "prover": "lagrangian+highs", "sites_kept": int(keep.sum())}
    objective = np.inf if solved.objective is None else float(solved.objective)
    return _result(is_open if np.isfinite(objective) else None, objective, bound, status, details, len(keep))


def _prove_with_highs(
    dist: np.ndarray,
    w: np.ndarray,
    sc: SideConstraints,
    best: np.ndarray | None,
    options: PlanOptions,
    deadline: float,
) -> PlanResult:
    """Solve the truncated radius formulation, deepening where needed, until proven or out of time."""
    lv = Levels.build(dist)
    best_value = median_cost(dist, w, best) if best is not None else np.inf
    depth = lv.level_of(DEPTH_SLACK * dist[:, best].min(axis=1)) if best is not None else lv.count - 1
    rounds, bound, status = 0, None, "time_limit"
    while rounds < MAX_ROUNDS:
        rounds += 1
        mip = median_levels(lv, w, depth, sc)
        start = median_levels_start(lv, depth, dist, best) if best is not None else None
        label = f"pmedian round {rounds}" if options.progress else None
        solved = exact.solve(mip, deadline - time.monotonic(), start, label, _underpriced(dist, w, mip))
        bound = solved.bound
        if solved.x is None:
            status = solved.status
            break
        plan = solved.x[: dist.shape[1]] > 0.5
        value = median_cost(dist, w, plan)
        if value < best_value:
            best, best_value = plan, value
        if bound is not None and best_value - bound <= _tolerance(mip, best_value):
            status = "optimal"
            break
        if solved.status not in ("optimal", "rejected"):
            status = solved.status
            break
        depth = _deepen(lv, depth, dist[:, plan].min(axis=1))
    details = {"prover": "highs", "rounds": rounds, "levels": int(depth.sum())}
    return _result(best, best_value, bound, status, details, dist.shape[1])


def _underpriced(dist: np.ndarray, w: np.ndarray, mip: exact.Mip) -> Callable[[np.ndarray], bool]:
    """An incumbent costing more than the model says shows the truncation is too shallow: stop, deepen."""
    m = dist.shape[1]

    def reject(x: np.ndarray) -> bool:
        plan = x[:m] > 0.5
        if not plan.any():
            return False
        model_cost = float(mip.cost @ x + mip.offset)
        return median_cost(dist, w, plan) > model_cost + _tolerance(mip, model_cost)

    return reject


def _deepen(lv: Levels, depth: np.ndarray, served: np.ndarray) -> np.ndarray:
    """Give every client whose plan distance the truncation under-priced enough levels (at least double)."""
    needed = lv.level_of(served)
    short = needed > depth + 1
    deeper = depth.copy()
    deeper[short] = np.maximum(needed[short], 2 * depth[short])
    return np.minimum(deeper, lv.count - 1)


def _result(
    best: np.ndarray | None, value: float, bound: float | None, status: str, details: dict, m: int
) -> PlanResult:
    objective = value if best is not None else None
    return PlanResult(
        Model.PMEDIAN,
        "exact",
        status,
        objective,
        bound,
        exact.relative_gap(objective, bound),
        0.0,
        best if best is not None else np.zeros(m, dtype=bool),
        details,
    )


# --- Lagrangian branch-and-bound (Beasley 1993) ------------------------------------------------------------
# Relaxing "each client is served once" with multipliers λ leaves, per site, ρ_j = Σ_i min(0, w_i d_ij − λ_i):
# L(λ) = Σλ + Σ_{forced} ρ + (the q smallest ρ among free sites) bounds every plan of a node from below.
# Swapping one site into or out of that choice bounds the plans with that site open or closed: sites whose
# bound passes the incumbent are fixed. Every bound is a valid one; the search is exhaustive, so "optimal"
# means proven, and the reported bound is the smallest bound of any part of the search space set aside.


@dataclass(frozen=True)
class _Steps:
    """Subgradient schedule: iterations, initial step factor, halve it after `patience` idle steps."""

    iterations: int
    step: float
    patience: int


POLISH_WITHIN = 1.02  # run swaps from a relaxation's plan costing at most 2 % above the incumbent
ROOT_STEPS = _Steps(3000, 2.0, 30)
NODE_STEPS = _Steps(300, 0.5, 10)


@dataclass(frozen=True)
class _Dual:
    """The best L(λ) of a node and, per site, the best bound seen with that site swapped in or out."""

    bound: float
    lam: np.ndarray
    pick: np.ndarray  # the q (+1 when there is one) free sites of smallest ρ, ascending
    if_open: np.ndarray  # per unchosen free site: a bound on the plans that open it
    if_closed: np.ndarray  # per chosen site: a bound on the plans that close it


@dataclass
class _Node:
    """A subproblem: sites forced open (existing ones included), sites closed, the parent's multipliers."""

    bound: float
    forced: np.ndarray
    closed: np.ndarray
    lam: np.ndarray

    def __lt__(self, other: _Node) -> bool:
        return self.bound < other.bound


def _smallest(rho: np.ndarray, free: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k free sites with the smallest ρ, ascending."""
    idx = np.flatnonzero(free)
    if len(idx) > k:
        idx = idx[np.argpartition(rho[idx], k - 1)[:k]]
    return idx[np.argsort(rho[idx], kind="stable")]


def _subgradient(
    wd: np.ndarray,
    lam: np.ndarray,
    forced: np.ndarray,
    free: np.ndarray,
    q: int,
    ub: float,
    cut: float,
    steps: _Steps,
) -> _Dual:
    """Maximise L(λ) by subgradient steps (Held–Karp step size towards `ub`); stop once L passes `cut`."""
    if_open, if_closed = np.full(wd.shape[1], -np.inf), np.full(wd.shape[1], -np.inf)
    best: _Dual | None = None
    step, idle = steps.step, 0
    for _ in range(steps.iterations):
        c = np.minimum(wd - lam[:, None], 0.0)
        rho = c.sum(axis=0)
        pick = _smallest(rho, free, q + 1)
        value = float(lam.sum() + rho[forced].sum() + rho[pick[:q]].sum())
        _swap_bounds(value, rho, pick, free, q, if_open, if_closed)
        if best is None or value > best.bound:
            best, idle = _Dual(value, lam, pick, if_open, if_closed), 0
        else:
            idle += 1
            step, idle = (step / 2, 0) if idle >= steps.patience else (step, idle)
        if value > cut or step < 1e-3:
            break
        is_open = forced.copy()
        is_open[pick[:q]] = True
        g = 1.0 - (c[:, is_open] < 0).sum(axis=1)
        norm = float(g @ g)
        if norm == 0:  # the relaxation's choice serves every client once: nothing left to gain
            break
        lam = lam + step * max(ub - value, 1e-6 * abs(ub)) / norm * g
    assert best is not None
    return best


def _swap_bounds(
    value: float,
    rho: np.ndarray,
    pick: np.ndarray,
    free: np.ndarray,
    q: int,
    if_open: np.ndarray,
    if_closed: np.ndarray,
) -> None:
    """Raise, in place, each site's bound when opened (swapped for pick q) or closed (for pick q+1)."""
    opened = np.where(free, value + rho - rho[pick[q - 1]], -np.inf)
    opened[pick[:q]] = -np.inf
    np.maximum(if_open, opened, out=if_open)
    if len(pick) > q:
        chosen = pick[:q]
        if_closed[chosen] = np.maximum(if_closed[chosen], value - rho[chosen] + rho[pick[q]])


class _Search:
    """The incumbent, the smallest bound of everything set aside, and how one node is processed."""

    def __init__(
        self, dist: np.ndarray, w: np.ndarray, p: int, existing: np.ndarray, deadline: float
    ) -> None:
        self.deadline = deadline
        self.dist, self.w, self.p, self.existing = dist, w, p, existing
        self.wd = w[:, None] * dist
        m = len(existing)
        plain = SideConstraints(p, None, np.ones(m), existing, np.full(m, -1), np.zeros(0, dtype=np.int64))
        self.swaps = heuristic.median_search(dist, w, plain)
        self.polished: set[bytes] = set()
        self.integral = bool(np.all(self.wd == np.round(self.wd)))
        self.best: np.ndarray | None = None
        self.value, self.floor, self.nodes = np.inf, np.inf, 0

    def tolerance(self, value: float) -> float:
        """Integral data: any gap below 1 is closed; otherwise a relative hair."""
        return 1.0 - 1e-6 if self.integral else 1e-7 * max(1.0, abs(value))

    @property
    def cut(self) -> float:
        """Plans must cost at most this to beat the incumbent (integral data: by at least 1)."""
        return self.value - self.tolerance(self.value) if np.isfinite(self.value) else np.inf

    def greedy_start(self) -> np.ndarray:
        """Greedy plus swaps: the upper bound the subgradient step size needs."""
        return heuristic.local_search(
            self.swaps, heuristic.greedy(self.swaps, self.existing.copy()), self.deadline
        )

    def first_multipliers(self) -> np.ndarray:
        """λ_i = w_i × second-nearest distance: a fair start."""
        return np.sort(self.wd, axis=1)[:, min(1, self.wd.shape[1] - 1)].copy()

    def result(self, status: str, open_bounds: list[float] | None = None) -> PlanResult:
        """The incumbent with the smallest bound of everything set aside or still open."""
        bound = min([self.floor, self.value, *(open_bounds or [])])
        if self.integral and np.isfinite(bound):
            bound = float(math.ceil(bound - 1e-6))  # every plan costs an integer
        status = status if self.best is not None else "infeasible"
        details = {"prover": "lagrangian", "nodes": self.nodes}
        m = len(self.existing)
        return _result(self.best, self.value, bound if np.isfinite(bound) else None, status, details, m)

    def offer(self, plan: np.ndarray) -> float:
        """Price a plan exactly; keep it when it beats the incumbent."""
        value = median_cost(self.dist, self.w, plan)
        if value < self.value:
            self.best, self.value = plan.copy(), value
        return value

    def polish(self, plan: np.ndarray, deadline: float) -> None:
        """Swap local search from a near-incumbent plan of the relaxation: how large p finds its optimum."""
        key = np.packbits(plan).tobytes()
        if key in self.polished or median_cost(self.dist, self.w, plan) > POLISH_WITHIN * self.value:
            return
        self.polished.add(key)
        self.offer(heuristic.local_search(self.swaps, plan, deadline))

    def set_aside(self, bound: float) -> None:
        self.floor = min(self.floor, bound)

    def process(self, node: _Node, steps: _Steps) -> list[_Node]:
        """Bound a node, fix what the bounds allow, and split on its most attractive free site."""
        self.nodes += 1
        free = ~node.forced & ~node.closed
        q = self.p - int((node.forced & ~self.existing).sum())
        if q < 0:  # fixing forced more sites open than p allows: no better plan here (bounds set aside)
            return []
        if q == 0 or free.sum() <= q:
            self.set_aside(self.offer(node.forced | free if q else node.forced))
            return []
        dual = self._relax(node, free, q, steps)
        bound = max(node.bound, dual.bound)
        plan = self._with(node.forced, dual.pick[:q])
        self.offer(plan)
        if bound <= self.cut:
            self.polish(plan, self.deadline)
        if bound > self.cut:
            self.set_aside(bound)
            return []
        forced, closed = self._fix(node, free, dual)
        branch = [j for j in dual.pick[:q] if not forced[j] and not closed[j]]
        if not branch:
            return [_Node(bound, forced, closed, dual.lam)]
        j = branch[0]
        return [
            _Node(bound, self._with(forced, j), closed, dual.lam),
            _Node(bound, forced, self._with(closed, j), dual.lam),
        ]

    def _relax(self, node: _Node, free: np.ndarray, q: int, steps: _Steps) -> _Dual:
        """Subgradient on the node's open columns only; results mapped back to all sites."""
        alive = np.flatnonzero(~node.closed)
        wd = self.wd[:, alive]
        sub = _subgradient(wd, node.lam, node.forced[alive], free[alive], q, self.value, self.cut, steps)
        if_open, if_closed = np.full(len(free), -np.inf), np.full(len(free), -np.inf)
        if_open[alive], if_closed[alive] = sub.if_open, sub.if_closed
        return _Dual(sub.bound, sub.lam, alive[sub.pick], if_open, if_closed)

    def _fix(self, node: _Node, free: np.ndarray, dual: _Dual) -> tuple[np.ndarray, np.ndarray]:
        """Close free sites whose opening bound passes the cut, force those whose closing bound does."""
        shut, sure = free & (dual.if_open > self.cut), free & (dual.if_closed > self.cut)
        for aside in (dual.if_open[shut], dual.if_closed[sure]):
            if len(aside):
                self.set_aside(float(aside.min()))
        return node.forced | sure, node.closed | shut

    @staticmethod
    def _with(mask: np.ndarray, index: int | np.ndarray) -> np.ndarray:
        out = mask.copy()
        out[index] = True
        return out


def lagrangian_search(
    dist: np.ndarray, w: np.ndarray, p: int, existing: np.ndarray, start: np.ndarray | None, deadline: float
) -> PlanResult:
    """Best-first Lagrangian branch-and-bound from the heuristic's plan; exhaustive unless time runs out."""
    search = _Search(dist, w, p, existing, deadline)
    search.offer(start if start is not None else search.greedy_start())
    heap = [_Node(-np.inf, existing.copy(), np.zeros(dist.shape[1], dtype=bool), search.first_multipliers())]
    status = "optimal"
    while heap:
        if time.monotonic() > deadline:
            status = "time_limit"
            break
        node = heapq.heappop(heap)
        if node.bound > search.cut:
            search.set_aside(node.bound)
            continue
        for child in search.process(node, ROOT_STEPS if search.nodes == 0 else NODE_STEPS):
            heapq.heappush(heap, child)
    return search.result(status, [n.bound for n in heap])
