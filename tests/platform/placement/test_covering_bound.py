"""The Lagrangian MCLP bound against brute-force optima: never below, equal or close on easy instances."""

from __future__ import annotations

import time

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.spatial.distance import cdist

from govkiosk.platform.placement import covering, heuristic
from govkiosk.platform.placement.constraints import SideConstraints
from govkiosk.platform.placement.covering_bound import _lagrangian, mclp_bound
from govkiosk.platform.placement.distances import coverage
from govkiosk.platform.placement.problem import Model, PlacementProblem, PlanOptions
from govkiosk.platform.placement.solver import solve_plan
from tests.platform.placement.helpers import brute_force, random_problem

SIDE = [PlanOptions(), PlanOptions(budget=9.0), PlanOptions(district_min={"north": 1, "south": 1})]


def _optimum(seed: int, options: PlanOptions, p: int, radius: float) -> float:
    return _optimum_of(random_problem(seed, n=18, m=9), options, p, radius)


def _optimum_of(problem: PlacementProblem, options: PlanOptions, p: int, radius: float) -> float:
    """The most population any feasible plan covers, by trying every plan."""
    covered = cdist(problem.demand.xy, problem.sites.xy) <= radius
    w = problem.demand.weight
    best, _ = brute_force(problem, options, p, lambda plan: -float(w[covered[:, plan].any(axis=1)].sum()))
    return -best


def _bound(seed: int, options: PlanOptions, p: int, radius: float, plan: str) -> float:
    """The library's bound (existing sites, reduction and all), seeded by a greedy or an empty plan."""
    problem = random_problem(seed, n=18, m=9)
    cover, w = coverage(problem, radius), problem.demand.weight
    sc = SideConstraints.build(problem.sites, options, p)
    start = heuristic.greedy(heuristic.mclp_search(cover, w, sc), sc.fixed.copy())
    seed_plan = start if plan == "greedy" else sc.fixed.copy()
    bound, _ = covering.bound_plan(cover, w, sc, seed_plan, time.monotonic() + 2.0, progress=False)
    return bound


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("side", range(len(SIDE)))
@pytest.mark.parametrize("p,radius", [(2, 2_500.0), (2, 3_500.0), (3, 2_000.0)])
@pytest.mark.parametrize("plan", ["greedy", "empty"])
def test_bound_is_never_below_the_optimum(seed: int, side: int, p: int, radius: float, plan: str) -> None:
    base = SIDE[side]
    options = PlanOptions(p=p, radius=radius, budget=base.budget, district_min=base.district_min)
    optimum = _optimum(seed, options, p, radius)
    assert _bound(seed, options, p, radius, plan) >= optimum


@pytest.mark.parametrize("seed", range(8))
def test_bound_is_close_on_plain_instances(seed: int) -> None:
    """p only, no budget: the Lagrangian dual is the LP bound, within a few per cent of the optimum here."""
    options = PlanOptions(p=2, radius=3_000.0)
    optimum = _optimum(seed, options, 2, 3_000.0)
    bound = _bound(seed, options, 2, 3_000.0, "greedy")
    assert optimum <= bound <= 1.05 * optimum


def test_bound_meets_the_optimum_when_sites_do_not_overlap() -> None:
    """Disjoint coverage sets: the LP is integral, so the bound proves the best plan (the p heaviest sets)."""
    a = sp.csr_matrix(np.kron(np.eye(4), np.ones((3, 1))))  # 12 points, 4 sites with 3 points each
    w = np.array([5, 1, 1, 2, 2, 2, 9, 0, 0, 1, 1, 1], dtype=float)  # site totals 7, 6, 9, 3
    sc = SideConstraints(2, None, np.ones(4), np.zeros(4, bool), np.full(4, -1), np.zeros(0, np.int64))
    found = mclp_bound(a, w, sc, np.array([True, False, True, False]), time.monotonic() + 2.0)
    assert found.value == 16.0  # sites 0 and 2: 7 + 9


def test_every_multiplier_gives_a_bound() -> None:
    """Validity does not depend on the search: random multipliers never bound below the optimum."""
    problem = random_problem(3, n=18, m=9, existing=0)  # no existing site: the raw matrix is the model
    options = PlanOptions(p=2, radius=3_000.0, budget=9.0)
    cover, w = coverage(problem, 3_000.0), problem.demand.weight
    sc = SideConstraints.build(problem.sites, options, 2)
    optimum = _optimum_of(problem, options, 2, 3_000.0)
    at = cover.astype(float).T.tocsr()
    rng = np.random.default_rng(0)
    for _ in range(300):
        lam = rng.random(len(w)) * w * rng.choice([0.0, 0.5, 1.0, 2.0])
        value, _ = _lagrangian(at, w, sc, lam)
        assert value >= optimum - 1e-9


@pytest.mark.parametrize("exact_mode", [False, True])
def test_solve_plan_reports_a_bound_in_both_modes(exact_mode: bool) -> None:
    problem = random_problem(5, n=18, m=9)
    options = PlanOptions(p=2, radius=3_000.0, time_limit=10)
    result = solve_plan(problem, Model.MCLP, options, exact_mode=exact_mode)
    optimum = _optimum(5, options, 2, 3_000.0)
    assert result.bound is not None and result.gap is not None
    assert result.bound >= optimum >= (result.objective or 0.0)
