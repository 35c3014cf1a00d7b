"""One entry point, `solve_plan`: pick the model, run the heuristic, and (in exact mode) prove with HiGHS."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from govkiosk.platform.placement import exact, formulations, heuristic
from govkiosk.platform.placement.constraints import SideConstraints
from govkiosk.platform.placement.distances import coverage, distance_matrix, finite_for_solver
from govkiosk.platform.placement.problem import Model, PlacementInputError, PlacementProblem, PlanOptions

HEURISTIC_SHARE = 0.1  # of the time limit, spent on the warm start before the MIP in exact mode
MEDIAN_WARM_START = 5.0  # seconds at most: the p-median search improves on the start itself
WARM_PATIENCE = 20  # exact mode: VNS shakes without improvement before the prover takes over (heuristic: 100)


@dataclass
class PlanResult:
    """A plan and how sure we are of it."""

    model: Model
    method: str  # exact | heuristic
    status: str  # optimal | feasible | time_limit | infeasible | …
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    is_open: np.ndarray  # (m,) bool, existing facilities included
    details: dict[str, object] = field(default_factory=dict)

    @property
    def proven(self) -> bool:
        return self.status == "optimal"


def required_p(problem: PlacementProblem, options: PlanOptions, model: Model) -> int | None:
    """p from the options, else from the file (OR-Library); LSCP has none."""
    if model is Model.LSCP:
        return options.p
    p = options.p if options.p is not None else problem.default_p
    if p is None or p < 0:
        raise PlacementInputError(f"{model.value} needs -p N (the number of new sites)")
    if p > len(problem.sites.free):
        raise PlacementInputError(f"p={p} but only {len(problem.sites.free)} candidate sites")
    return p


def _radius(options: PlanOptions, model: Model) -> float:
    if options.radius is None or options.radius < 0:
        raise PlacementInputError(f"{model.value} needs --radius R (metres, or minutes with --travel-times)")
    return float(options.radius)


def solve_plan(
    problem: PlacementProblem, model: Model, options: PlanOptions, *, exact_mode: bool = True
) -> PlanResult:
    """Solve one model on one problem; exact mode proves optimality with HiGHS within the time limit.

    The time limit covers the whole call: building the coverage or distances counts against it."""
    started = time.monotonic()
    p = required_p(problem, options, model)
    sc = SideConstraints.build(problem.sites, options, p)
    w = problem.demand.weight
    if model in (Model.MCLP, Model.LSCP):
        cover = coverage(problem, _radius(options, model))
        left = replace(options, time_limit=max(0.0, options.time_limit - (time.monotonic() - started)))
        result = (_mclp if model is Model.MCLP else _lscp)(cover, w, sc, left, exact_mode)
    elif options.capacitated and model is Model.PMEDIAN:
        result = _capacitated_median(problem, w, sc, options)
    else:
        dist = finite_for_solver(distance_matrix(problem))
        if model is Model.PMEDIAN:
            result = _median(dist, w, sc, options, exact_mode)
        else:
            from govkiosk.platform.placement.center import solve_center

            result = solve_center(dist, sc, options, exact_mode)
    result.seconds = time.monotonic() - started
    return result


def _label(options: PlanOptions, name: str) -> str | None:
    return name if options.progress else None


def _from_heuristic(model: Model, found: heuristic.HeuristicResult, objective: float) -> PlanResult:
    status = "feasible" if found.feasible else "infeasible"
    return PlanResult(model, "heuristic", status, objective, None, None, found.seconds, found.is_open)


def _from_mip(model: Model, mip_result: exact.MipResult, is_open: np.ndarray | None, m: int) -> PlanResult:
    chosen = is_open if is_open is not None else np.zeros(m, dtype=bool)
    r = mip_result
    return PlanResult(model, "exact", r.status, r.objective, r.bound, r.gap, r.seconds, chosen)


def _open_from(x: np.ndarray | None, m: int) -> np.ndarray | None:
    return None if x is None else x[:m] > 0.5


def _mclp(
    cover: sp.csr_matrix, w: np.ndarray, sc: SideConstraints, options: PlanOptions, exact_mode: bool
) -> PlanResult:
    """Maximal covering: heuristic (greedy + swaps + VNS), then a Lagrangian bound for its gap; exact mode
    proves it (`covering.prove_mclp`)."""
    from govkiosk.platform.placement import covering

    if exact_mode:
        return covering.prove_mclp(cover, w, sc, options)
    started = time.monotonic()
    total = float(w.sum())
    search = heuristic.mclp_search(cover, w, sc)
    report = covering.vns_ticker(search, total, "mclp search") if options.progress else None
    found = heuristic.run(search, covering.SEARCH_END * options.time_limit, report=report)
    result = _from_heuristic(Model.MCLP, found, total - found.objective)
    if found.feasible and result.objective is not None:
        deadline = started + covering.BOUND_END * options.time_limit
        bound, facts = covering.bound_plan(cover, w, sc, found.is_open, deadline, options.progress)
        result.bound, result.gap = bound, exact.relative_gap(result.objective, bound)
        result.details.update(facts)
    return result


def _lscp(
    cover: sp.csr_matrix, w: np.ndarray, sc: SideConstraints, options: PlanOptions, exact_mode: bool
) -> PlanResult:
    """Set covering: greedy cover, redundant sites dropped; exact mode proves it (`covering.prove_lscp`)."""
    if exact_mode:
        from govkiosk.platform.placement.covering import prove_lscp

        return prove_lscp(cover, sc, options)
    coverable = np.asarray(cover.sum(axis=1)).ravel() > 0
    found_open = heuristic.greedy_cover(cover, coverable, sc)
    new = float((found_open & ~sc.fixed).sum())
    details: dict[str, object] = {"uncoverable_points": int((~coverable).sum())}
    status = "feasible" if sc.feasible(found_open) else "infeasible"
    return PlanResult(Model.LSCP, "heuristic", status, new, None, None, 0.0, found_open, details)


def _median(
    dist: np.ndarray, w: np.ndarray, sc: SideConstraints, options: PlanOptions, exact_mode: bool
) -> PlanResult:
    """p-median: heuristic; exact mode proves from a short warm start (`median.prove_median`)."""
    search = heuristic.median_search(dist, w, sc)
    if not exact_mode:
        found = heuristic.run(search, options.time_limit)
        return _from_heuristic(Model.PMEDIAN, found, found.objective)
    share = min(options.time_limit * HEURISTIC_SHARE, MEDIAN_WARM_START)
    found = heuristic.run(search, share, patience=WARM_PATIENCE)
    from govkiosk.platform.placement.median import prove_median

    return prove_median(dist, w, sc, found, options)


def _capacitated_median(
    problem: PlacementProblem, w: np.ndarray, sc: SideConstraints, options: PlanOptions
) -> PlanResult:
    """Capacitated p-median, assignment formulation (exact mode only)."""
    dist = finite_for_solver(distance_matrix(problem))
    if dist.size > 2_000_000:
        raise PlacementInputError(
            f"capacitated p-median on {dist.shape[0]}×{dist.shape[1]} pairs is too large"
        )
    mip = formulations.median_capacitated(dist, w, problem.sites.capacity, sc)
    solved = exact.solve(mip, options.time_limit, None, _label(options, "pmedian"))
    return _from_mip(Model.PMEDIAN, solved, _open_from(solved.x, len(sc.fixed)), len(sc.fixed))
