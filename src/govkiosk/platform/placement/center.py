"""Exact p-center by bisection over the sorted distinct distances; each step a set-cover feasibility MIP."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from govkiosk.platform.placement import exact, formulations, heuristic
from govkiosk.platform.placement.constraints import SideConstraints
from govkiosk.platform.placement.problem import Model, PlanOptions
from govkiosk.platform.placement.solver import HEURISTIC_SHARE, PlanResult


def center_value(dist: np.ndarray, is_open: np.ndarray) -> float:
    """The largest distance from a demand point to its nearest open site."""
    return float(dist[:, is_open].min(axis=1).max())


def covers_all(
    dist: np.ndarray, radius: float, sc: SideConstraints, deadline: float
) -> tuple[str, np.ndarray | None]:
    """Can the side constraints (p new sites, budget, districts) cover every point within `radius`?

    Returns ("feasible", plan), ("infeasible", None) or ("unknown", None) when time ran out.
    """
    cover = sp.csr_matrix(dist <= radius)
    if (np.diff(cover.indptr) == 0).any():  # some point has no site at all within the radius
        return "infeasible", None
    mip = formulations.set_cover(cover, sc)
    mip.cost[:] = 0.0  # a pure feasibility question: the first plan that fits answers it
    solved = exact.solve(mip, deadline - time.monotonic())
    if solved.x is not None:
        return "feasible", solved.x[: dist.shape[1]] > 0.5
    return ("infeasible", None) if solved.status == "infeasible" else ("unknown", None)


def solve_center(dist: np.ndarray, sc: SideConstraints, options: PlanOptions, exact_mode: bool) -> PlanResult:
    """Heuristic upper bound, then bisection: the smallest distance within which p sites cover all."""
    search = heuristic.center_search(dist, sc)
    found = heuristic.run(search, options.time_limit * (HEURISTIC_SHARE if exact_mode else 1.0))
    if not exact_mode:
        status = "feasible" if found.feasible else "infeasible"
        return PlanResult(Model.PCENTER, "heuristic", status, found.objective, None, None, 0.0, found.is_open)
    deadline = time.monotonic() + max(0.0, options.time_limit - found.seconds)
    values = np.unique(dist)
    lo = int(
        np.searchsorted(values, dist.min(axis=1).max())
    )  # no plan beats the farthest point's nearest site
    best = found.is_open if found.feasible else None
    hi = int(np.searchsorted(values, found.objective)) if best is not None else len(values) - 1
    steps, status = 0, "optimal"
    while lo < hi:
        mid = (lo + hi) // 2
        steps += 1
        if options.progress:
            exact.progress_line(
                f"pcenter step {steps}: radius {values[mid]:.6g} in [{values[lo]:.6g}, {values[hi]:.6g}]"
            )
        answer, plan = covers_all(dist, float(values[mid]), sc, deadline)
        if answer == "feasible" and plan is not None:
            best, hi = plan, int(np.searchsorted(values, center_value(dist, plan)))
        elif answer == "infeasible":
            lo = mid + 1
        else:
            status = "time_limit"
            break
    if best is None and status == "optimal":  # the heuristic found nothing feasible: try the widest radius
        answer, best = covers_all(dist, float(values[hi]), sc, deadline)
        status = "optimal" if answer == "feasible" else answer
    return _result(dist, best, float(values[lo]), status, steps)


def _result(dist: np.ndarray, best: np.ndarray | None, bound: float, status: str, steps: int) -> PlanResult:
    objective = center_value(dist, best) if best is not None else None
    return PlanResult(
        Model.PCENTER,
        "exact",
        status,
        objective,
        bound if objective is not None else None,
        exact.relative_gap(objective, bound),
        0.0,
        best if best is not None else np.zeros(dist.shape[1], dtype=bool),
        {"bisection_steps": steps},
    )
