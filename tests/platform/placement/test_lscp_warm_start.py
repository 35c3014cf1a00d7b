"""Regression: HiGHS warm-started with a greedy cover once ended LSCP "optimal" with a wrong objective (found
side by side with spopt). Every exact answer must be a plan that costs what the answer says."""

from pathlib import Path

import pytest

from govkiosk.platform.placement.problem import Model, PlanOptions
from govkiosk.platform.placement.readers import read_sjc
from govkiosk.platform.placement.solver import solve_plan

SJC = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "placement" / "sjc"


@pytest.mark.skipif(not SJC.exists(), reason="../shared/data/placement is absent")
@pytest.mark.parametrize(("n", "radius", "optimum"), [(402, 800, 6), (708, 1200, 6), (500, 1200, 4)])
def test_lscp_reports_the_plan_it_returns(n: int, radius: float, optimum: int) -> None:
    problem = read_sjc(SJC / f"SJC{n}.txt", SJC / f"demand-SJC{n}.dat")
    result = solve_plan(problem, Model.LSCP, PlanOptions(radius=radius, time_limit=60), exact_mode=True)
    assert result.status == "optimal"
    assert round(result.objective) == optimum == int(result.is_open.sum())
