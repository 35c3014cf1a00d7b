"""Exact solvers against brute force on random small instances: existing sites, budgets, districts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from govkiosk.platform.placement.problem import Model, PlacementProblem, PlanOptions
from govkiosk.platform.placement.solver import solve_plan
from tests.platform.placement.helpers import brute_force, feasible, random_problem

SEEDS = range(6)
SIDE = [
    PlanOptions(),
    PlanOptions(budget=9.0),
    PlanOptions(district_min={"north": 1, "south": 1}),
]


def _dist(problem: PlacementProblem) -> np.ndarray:
    return cdist(problem.demand.xy, problem.sites.xy)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("side", range(len(SIDE)))
def test_pmedian_matches_brute_force(seed: int, side: int) -> None:
    problem = random_problem(seed)
    base = SIDE[side]
    options = PlanOptions(p=3, budget=base.budget, district_min=base.district_min, time_limit=30)
    dist, w = _dist(problem), problem.demand.weight
    best, _ = brute_force(problem, options, 3, lambda plan: float(w @ dist[:, plan].min(axis=1)))
    result = solve_plan(problem, Model.PMEDIAN, options)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best, rel=1e-9)
    assert feasible(problem, result.is_open, options, 3)
    assert result.is_open[problem.sites.fixed].all()  # existing facilities stay open


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("side", range(len(SIDE)))
def test_mclp_matches_brute_force(seed: int, side: int) -> None:
    problem = random_problem(seed)
    base = SIDE[side]
    options = PlanOptions(
        p=2, radius=3_000, budget=base.budget, district_min=base.district_min, time_limit=30
    )
    covered = _dist(problem) <= 3_000
    w = problem.demand.weight
    best, _ = brute_force(problem, options, 2, lambda plan: -float(w[covered[:, plan].any(axis=1)].sum()))
    result = solve_plan(problem, Model.MCLP, options)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(-best)
    assert feasible(problem, result.is_open, options, 2)


@pytest.mark.parametrize("seed", SEEDS)
def test_lscp_matches_brute_force(seed: int) -> None:
    problem = random_problem(seed)
    covered = _dist(problem) <= 4_000
    coverable = covered.any(axis=1)

    def score(plan: np.ndarray) -> float:
        complete = covered[:, plan].any(axis=1)[coverable].all()
        return float((plan & ~problem.sites.fixed).sum()) if complete else np.inf

    best, _ = brute_force(problem, PlanOptions(), None, score)
    result = solve_plan(problem, Model.LSCP, PlanOptions(radius=4_000))
    assert result.status == "optimal"
    assert result.objective == best
    assert covered[:, result.is_open].any(axis=1)[coverable].all()
    heuristic = solve_plan(problem, Model.LSCP, PlanOptions(radius=4_000), exact_mode=False)
    assert covered[:, heuristic.is_open].any(axis=1)[coverable].all()
    assert heuristic.objective >= best


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("side", range(len(SIDE)))
def test_pcenter_bisection_matches_brute_force(seed: int, side: int) -> None:
    problem = random_problem(seed)
    base = SIDE[side]
    options = PlanOptions(p=3, budget=base.budget, district_min=base.district_min, time_limit=30)
    dist = _dist(problem)
    best, _ = brute_force(problem, options, 3, lambda plan: float(dist[:, plan].min(axis=1).max()))
    result = solve_plan(problem, Model.PCENTER, options)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best)
    assert result.bound == pytest.approx(best)
    assert feasible(problem, result.is_open, options, 3)


def test_existing_facilities_are_counted_in_coverage() -> None:
    problem = random_problem(3, existing=3)
    covered = _dist(problem) <= 3_000
    w = problem.demand.weight
    none_new = solve_plan(problem, Model.MCLP, PlanOptions(p=0, radius=3_000))
    assert none_new.objective == pytest.approx(w[covered[:, :3].any(axis=1)].sum())
    assert none_new.is_open.sum() == 3


def test_capacitated_pmedian_respects_capacity() -> None:
    problem = random_problem(1, n=10, m=5, existing=0)
    capacity = np.full(5, problem.demand.weight.sum() / 2 + 1)
    sites = problem.sites.__class__(**{**problem.sites.__dict__, "capacity": capacity})
    capped = problem.__class__(**{**problem.__dict__, "sites": sites})
    free = solve_plan(problem, Model.PMEDIAN, PlanOptions(p=1))
    result = solve_plan(capped, Model.PMEDIAN, PlanOptions(p=2, capacitated=True))
    assert result.status == "optimal"
    assert result.is_open.sum() == 2  # one site alone cannot hold the population
    uncapped = solve_plan(problem, Model.PMEDIAN, PlanOptions(p=2))
    assert result.objective >= uncapped.objective - 1e-6
    assert free.objective >= uncapped.objective


def test_infeasible_district_minimum_is_an_input_error() -> None:
    from govkiosk.platform.placement.problem import PlacementInputError

    problem = random_problem(0)
    with pytest.raises(PlacementInputError, match="district 'north'"):
        solve_plan(problem, Model.PMEDIAN, PlanOptions(p=3, district_min={"north": 50}))
