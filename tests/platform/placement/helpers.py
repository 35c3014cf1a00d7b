"""Small random instances and brute force over every plan, to check the solvers against."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np

from govkiosk.platform.placement.problem import Metric, PlacementProblem, PlanOptions, make_demand, make_sites

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "placement"


def random_problem(seed: int, n: int = 14, m: int = 8, existing: int = 1) -> PlacementProblem:
    """Integer coordinates on a 10×10 km square, two districts, integer populations, random costs."""
    rng = np.random.default_rng(seed)
    demand_xy = rng.integers(0, 10_000, size=(n, 2)).astype(float)
    site_xy = rng.integers(0, 10_000, size=(m, 2)).astype(float)
    fixed = np.zeros(m, dtype=bool)
    fixed[:existing] = True
    districts = np.array(["north" if y > 5_000 else "south" for y in site_xy[:, 1]], dtype=object)
    demand = make_demand(
        [f"d{i}" for i in range(n)],
        demand_xy,
        rng.integers(1, 100, size=n).astype(float),
        np.array(["north" if y > 5_000 else "south" for y in demand_xy[:, 1]], dtype=object),
    )
    cost = np.where(fixed, 0.0, rng.integers(1, 10, size=m)).astype(float)
    sites = make_sites([f"s{j}" for j in range(m)], site_xy, fixed=fixed, cost=cost, district=districts)
    return PlacementProblem(f"random{seed}", demand, sites, Metric.EUCLIDEAN)


def feasible(problem: PlacementProblem, plan: np.ndarray, options: PlanOptions, p: int | None) -> bool:
    """The side constraints, written the plain way."""
    s = problem.sites
    new = plan & ~s.fixed
    if p is not None and new.sum() > p:
        return False
    if options.budget is not None and s.cost[new].sum() > options.budget + 1e-9:
        return False
    return all((new & (s.district == d)).sum() >= k for d, k in options.district_min.items())


def brute_force(
    problem: PlacementProblem, options: PlanOptions, p: int | None, score: Callable[[np.ndarray], float]
) -> tuple[float, np.ndarray | None]:
    """Minimum of `score` over every feasible set of new sites (existing ones always open)."""
    s = problem.sites
    free = np.flatnonzero(~s.fixed)
    best, best_plan = np.inf, None
    sizes = range(0, (p if p is not None else len(free)) + 1)
    for size in sizes:
        for combo in itertools.combinations(free, size):
            plan = s.fixed.copy()
            plan[list(combo)] = True
            if feasible(problem, plan, options, p):
                value = score(plan)
                if value < best:
                    best, best_plan = value, plan
    return best, best_plan
