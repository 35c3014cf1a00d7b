"""Real OR-Library and SJC instances from ../shared/data (skipped only when that folder is absent)."""

from __future__ import annotations

import pytest

from govkiosk.platform.placement.problem import Model, PlanOptions
from govkiosk.platform.placement.readers import read_orlib, read_sjc
from govkiosk.platform.placement.solver import solve_plan
from tests.platform.placement.helpers import DATA

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"reference data absent: {DATA}")


def _optimum(name: str) -> int:
    for line in (DATA / "orlib-pmed" / "pmedopt.txt").read_text().splitlines()[1:]:
        if line.split() and line.split()[0] == name:
            return int(line.split()[1])
    raise AssertionError(name)


@pytest.mark.parametrize("name", ["pmed1", "pmed2"])
def test_exact_pmedian_proves_the_published_optimum(name: str) -> None:
    problem = read_orlib(DATA / "orlib-pmed" / f"{name}.txt")
    result = solve_plan(problem, Model.PMEDIAN, PlanOptions(time_limit=60))
    assert result.status == "optimal"
    assert result.objective == _optimum(name)
    assert result.bound is not None and result.objective - result.bound < 1
    assert int((result.is_open).sum()) == problem.default_p


@pytest.mark.parametrize("name", ["pmed1", "pmed2", "pmed5"])
def test_heuristic_is_close_and_never_below_the_optimum(name: str) -> None:
    problem = read_orlib(DATA / "orlib-pmed" / f"{name}.txt")
    result = solve_plan(problem, Model.PMEDIAN, PlanOptions(time_limit=3), exact_mode=False)
    assert _optimum(name) <= result.objective <= 1.01 * _optimum(name)


def test_sjc324_mclp_is_proven_and_no_better_than_lscp_says() -> None:
    problem = read_sjc(DATA / "sjc" / "SJC324.txt", DATA / "sjc" / "demand-SJC324.dat")
    lscp = solve_plan(problem, Model.LSCP, PlanOptions(radius=800, time_limit=60))
    assert lscp.status == "optimal"
    full = solve_plan(problem, Model.MCLP, PlanOptions(p=int(lscp.objective), radius=800, time_limit=60))
    short = solve_plan(problem, Model.MCLP, PlanOptions(p=int(lscp.objective) - 1, radius=800, time_limit=60))
    total = problem.demand.weight.sum()
    assert full.status == short.status == "optimal"
    assert full.objective == total  # the LSCP count covers everyone…
    assert short.objective < total  # …and one site fewer cannot, else LSCP was not minimal
