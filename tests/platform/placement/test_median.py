"""The Lagrangian branch-and-bound against the full radius formulation solved by HiGHS."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from govkiosk.platform.placement import exact
from govkiosk.platform.placement.constraints import SideConstraints
from govkiosk.platform.placement.formulations import Levels, median_levels
from govkiosk.platform.placement.median import lagrangian_search, median_cost
from govkiosk.platform.placement.problem import PlanOptions
from tests.platform.placement.helpers import random_problem


def _instance(seed: int, existing: int, integral: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    problem = random_problem(seed, n=60, m=40, existing=existing)
    dist = cdist(problem.demand.xy, problem.sites.xy)
    return (np.round(dist / 100) if integral else dist), problem.demand.weight, problem.sites.fixed


def _highs_optimum(dist: np.ndarray, w: np.ndarray, fixed: np.ndarray, p: int) -> float:
    """The untruncated, unreduced radius formulation: every client keeps all its levels."""
    sc = SideConstraints(p, None, np.ones(len(fixed)), fixed, np.full(len(fixed), -1), np.zeros(0, int))
    lv = Levels.build(dist)
    solved = exact.solve(median_levels(lv, w, lv.count - 1, sc), 60)
    assert solved.status == "optimal" and solved.objective is not None
    return solved.objective


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("integral", [True, False])
def test_lagrangian_search_matches_the_full_formulation(seed: int, integral: bool) -> None:
    dist, w, fixed = _instance(seed, existing=seed % 3, integral=integral)
    p = 3 + seed
    result = lagrangian_search(dist, w, p, fixed, None, time.monotonic() + 60)  # no start: it must find one
    assert result.status == "optimal"
    assert result.objective == pytest.approx(_highs_optimum(dist, w, fixed, p), rel=1e-9)
    assert result.objective == pytest.approx(median_cost(dist, w, result.is_open), rel=1e-12)
    assert result.bound is not None and result.bound <= result.objective + 1e-9
    assert result.is_open[fixed].all() and int((result.is_open & ~fixed).sum()) <= p
    assert result.details["prover"] == "lagrangian"


def test_integral_bound_is_rounded_up_to_the_optimum() -> None:
    dist, w, fixed = _instance(7, existing=0, integral=True)
    result = lagrangian_search(dist, w, 4, fixed, None, time.monotonic() + 60)
    assert result.status == "optimal" and result.bound == result.objective


def test_out_of_time_is_reported_not_claimed() -> None:
    dist, w, fixed = _instance(1, existing=0, integral=False)
    start = np.zeros(len(fixed), dtype=bool)
    start[:5] = True
    result = lagrangian_search(dist, w, 5, fixed, start, time.monotonic() - 1)
    assert result.status == "time_limit"
    assert result.objective == pytest.approx(median_cost(dist, w, start))
    assert result.bound is None or result.bound <= result.objective


def test_budget_sends_pmedian_to_highs() -> None:
    from govkiosk.platform.placement.problem import Model
    from govkiosk.platform.placement.solver import solve_plan

    problem = random_problem(2)
    plain = solve_plan(problem, Model.PMEDIAN, PlanOptions(p=3))
    capped = solve_plan(problem, Model.PMEDIAN, PlanOptions(p=3, budget=9.0))
    assert plain.details["prover"] == "lagrangian" and capped.details["prover"] == "highs"
    assert plain.status == capped.status == "optimal"
    assert capped.objective >= plain.objective - 1e-9


@pytest.mark.parametrize("seed", range(3))
def test_larger_p_reduced_by_the_root_then_highs_matches_the_full_formulation(seed: int) -> None:
    from govkiosk.platform.placement.heuristic import HeuristicResult
    from govkiosk.platform.placement.median import SMALL_P, prove_median

    dist, w, fixed = _instance(seed, existing=1, integral=seed != 1)
    p = SMALL_P + 2
    m = len(fixed)
    sc = SideConstraints(p, None, np.ones(m), fixed, np.full(m, -1), np.zeros(0, int))
    poor = fixed.copy()
    poor[np.flatnonzero(~fixed)[:p]] = True  # a poor start: the root must not close the optimum's sites
    result = prove_median(
        dist, w, sc, HeuristicResult(poor, median_cost(dist, w, poor), 0.0, True), PlanOptions()
    )
    assert result.status == "optimal"
    assert result.objective == pytest.approx(_highs_optimum(dist, w, fixed, p), rel=1e-9)
    assert result.bound is not None and result.bound <= result.objective + 1e-9
    assert result.details["prover"] in ("lagrangian", "lagrangian+highs")
