"""Exact p-median: the radius (Elloumi) formulation, truncated near the heuristic's distances and deepened.

The full formulation has one row per client and distinct distance — O(n²) rows for OR-Library's n = 900.
Optimal plans rarely serve a client much farther than a good heuristic does, so we start with each
client's levels only up to its heuristic distance. Truncation prices a client at min(true, D^{L+1}),
so the truncated optimum is a valid lower bound; when the MIP's plan is priced exactly (or the best
known plan meets the bound) it is optimal, otherwise the offending clients get more levels.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from govkiosk.platform.placement import exact
from govkiosk.platform.placement.constraints import SideConstraints
from govkiosk.platform.placement.formulations import Levels, median_levels, median_levels_start
from govkiosk.platform.placement.heuristic import HeuristicResult
from govkiosk.platform.placement.problem import Model, PlanOptions
from govkiosk.platform.placement.solver import PlanResult

MAX_ROUNDS = 50
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
    """Solve the truncated formulation, deepening where needed, until proven or out of time."""
    deadline = time.monotonic() + max(0.0, options.time_limit - found.seconds)
    lv = Levels.build(dist)
    best = found.is_open if found.feasible else None
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
    return _result(best, best_value, bound, status, rounds, int(depth.sum()), dist.shape[1])


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
    best: np.ndarray | None, value: float, bound: float | None, status: str, rounds: int, levels: int, m: int
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
        {"rounds": rounds, "levels": levels},
    )
