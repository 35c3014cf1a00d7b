"""Coverage reduction and the exact covering paths it feeds: what is dropped is provably not needed."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.spatial.distance import cdist

from govkiosk.platform.placement import exact, formulations, heuristic, reduction
from govkiosk.platform.placement.constraints import SideConstraints
from govkiosk.platform.placement.distances import coverage
from govkiosk.platform.placement.problem import (
    Metric,
    Model,
    PlacementProblem,
    PlanOptions,
    make_demand,
    make_sites,
)
from govkiosk.platform.placement.solver import solve_plan


def _matrix(rows: list[list[int]]) -> sp.csr_matrix:
    return sp.csr_matrix(np.array(rows, dtype=float))


def test_identical_rows_are_grouped() -> None:
    group, first = reduction.identical_rows(_matrix([[1, 0, 1], [0, 1, 0], [1, 0, 1], [0, 0, 0]]))
    assert group[0] == group[2] != group[1] != group[3]
    assert sorted(first.tolist()) == [0, 1, 3]


def test_dominated_sites_respect_cost_and_keep_one_of_equals() -> None:
    a = _matrix([[1, 1, 1, 0, 1], [1, 0, 1, 0, 1], [0, 0, 0, 0, 1]])
    # site 1 ⊂ site 0; sites 0 and 2 are equal (the lower index stays); site 3 is empty; site 4 ⊃ site 0
    # but costs more, so it does not dominate 0.
    cost = np.array([1.0, 1.0, 1.0, 1.0, 2.0])
    assert reduction.dominated_sites(a, cost).tolist() == [False, True, True, True, False]
    assert reduction.dominated_sites(a, np.array([1.0, 0.5, 1.0, 1.0, 1.0])).tolist() == [
        True,  # now site 4 costs no more and covers more
        False,  # cheaper than everything covering it
        True,
        True,
        False,
    ]


def test_implied_rows_of_a_set_cover() -> None:
    # row 0 ⊃ row 1 (covering row 1 covers row 0); rows 2 and 3 are equal: one stays.
    a = _matrix([[1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 1, 1]])
    assert reduction.implied_rows(a).tolist() == [True, False, False, True]


def test_owner_sums_match_the_one_hot_product() -> None:
    rng = np.random.default_rng(3)
    terms = rng.random((40, 7))
    owner = rng.integers(0, 6, size=40)
    out = np.array([5, 1, 3])
    one_hot = (owner[:, None] == out[None, :]).astype(float)
    assert np.allclose(heuristic._owner_sums(terms, owner, out), one_hot.T @ terms)


def _clustered(seed: int, n: int = 60, m: int = 30) -> PlacementProblem:
    """Points on a coarse grid, so many share a coverage set and many sites are dominated."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 6, size=(n, 2)).astype(float) * 1_000
    sites = rng.integers(0, 6, size=(m, 2)).astype(float) * 1_000
    fixed = np.zeros(m, dtype=bool)
    fixed[0] = True
    demand = make_demand([f"d{i}" for i in range(n)], xy, rng.integers(1, 50, size=n).astype(float))
    return PlacementProblem(
        f"grid{seed}", demand, make_sites([f"s{j}" for j in range(m)], sites, fixed=fixed), Metric.EUCLIDEAN
    )


def _unreduced_mclp(problem: PlacementProblem, options: PlanOptions) -> float:
    """The MCLP optimum from the full model with HiGHS's own presolve: the reference."""
    sc = SideConstraints.build(problem.sites, options, options.p)
    assert options.radius is not None
    mip, _ = formulations.mclp(coverage(problem, options.radius), problem.demand.weight, sc)
    solved = exact.solve(mip, 30)
    assert solved.status == "optimal" and solved.objective is not None
    return solved.objective


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("p", "radius"), [(1, 1_000.0), (2, 1_500.0), (3, 1_000.0)])
def test_reduced_mclp_keeps_the_optimum(seed: int, p: int, radius: float) -> None:
    problem = _clustered(seed)
    options = PlanOptions(p=p, radius=radius, time_limit=30)
    result = solve_plan(problem, Model.MCLP, options)
    assert result.status == "optimal" and result.objective is not None
    assert result.objective == pytest.approx(_unreduced_mclp(problem, options))
    covered = cdist(problem.demand.xy, problem.sites.xy)[:, result.is_open] <= radius
    assert float(problem.demand.weight[covered.any(axis=1)].sum()) == pytest.approx(result.objective)
    assert result.bound is not None and result.bound >= result.objective - 1e-9
    assert int((result.is_open & ~problem.sites.fixed).sum()) <= p


def test_a_plan_covering_everyone_is_its_own_proof() -> None:
    problem = _clustered(0)
    result = solve_plan(problem, Model.MCLP, PlanOptions(p=29, radius=10_000.0, time_limit=30))
    assert result.status == "optimal" and result.details["prover"] == "coverage bound"
    assert result.objective == result.bound == problem.demand.weight.sum()


@pytest.mark.parametrize("seed", range(5))
def test_reduced_lscp_keeps_the_optimum(seed: int) -> None:
    problem = _clustered(seed)
    sc = SideConstraints.build(problem.sites, PlanOptions(), None)
    reference = exact.solve(formulations.set_cover(coverage(problem, 1_000.0), sc), 30)
    result = solve_plan(problem, Model.LSCP, PlanOptions(radius=1_000.0, time_limit=30))
    assert result.status == "optimal" and result.objective == reference.objective
    covered = cdist(problem.demand.xy, problem.sites.xy) <= 1_000.0
    coverable = covered.any(axis=1)
    assert covered[:, result.is_open].any(axis=1)[coverable].all()
