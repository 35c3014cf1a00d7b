"""Exact MCLP and LSCP: reduce the coverage matrix, warm-start cheaply, and let HiGHS prove the rest.

On the reduced model (identical demand rows merged, dominated sites and implied rows dropped) HiGHS needs no
presolve of its own, and a short warm start is enough: greedy, swap descent and a few VNS shakes. When the
warm start already covers every coverable person, that is its own proof (the bound is the coverable total)
and no MIP is built.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from govkiosk.platform.placement import exact, formulations, heuristic, reduction
from govkiosk.platform.placement.constraints import SideConstraints
from govkiosk.platform.placement.problem import Model, PlanOptions
from govkiosk.platform.placement.solver import HEURISTIC_SHARE, WARM_PATIENCE, PlanResult

MIP_NONZEROS = 2_000_000  # above this (reduced) the LP alone outlasts a minute: search and bound trivially


def prove_mclp(cover: sp.csr_matrix, w: np.ndarray, sc: SideConstraints, options: PlanOptions) -> PlanResult:
    """Maximal covering, exact: reduction, short warm start, LP bound and fixing, then HiGHS if still open."""
    started = time.monotonic()
    reduced = reduction.for_mclp(cover, w, sc)
    constant = float(w[_covered_by_existing(cover, sc)].sum())
    search = heuristic.mclp_search(reduced.matrix, reduced.weight, reduced.sc)
    coverable = constant + float(reduced.weight.sum())
    floor = 1e-9 * max(1.0, coverable)  # uncovered weight: nothing left to gain below this
    share = options.time_limit * HEURISTIC_SHARE
    found = heuristic.run(search, share, patience=0, floor=floor)  # greedy and swaps: often enough
    details = _details(reduced, cover, found.seconds)
    if found.feasible and found.objective <= floor:  # nobody coverable is left out: the bound is met
        details["prover"] = "coverage bound"
        plan = reduced.plan(found.is_open, sc.fixed)
        return _result(Model.MCLP, "optimal", coverable, coverable, plan, started, details)
    if (
        reduced.matrix.nnz > MIP_NONZEROS
    ):  # HiGHS would not get through the LP in time: search, bound trivially
        return _search_only(search, found, reduced, sc, coverable, options.time_limit, started, details)
    mip, _ = _mclp_mip(reduced, constant)
    best = found.is_open if found.feasible else None
    lp = exact.relax(mip, options.time_limit - (time.monotonic() - started)) if best is not None else None
    fixed_bound = -np.inf
    if lp is not None and best is not None:
        best = _round_lp(search, lp.x[: len(reduced.sites)], best)
        value = coverable - search.value(best)
        details["lp_bound"] = lp.objective
        if lp.objective - value < _tolerance(mip, lp.objective):
            details["prover"] = "lp bound"
            return _result(
                Model.MCLP, "optimal", value, lp.objective, reduced.plan(best, sc.fixed), started, details
            )
        # The LP did not close it: worth a real warm start, which also fixes more sites below.
        best = heuristic.vns(search, best, time.monotonic() + share, patience=WARM_PATIENCE)
        value = coverable - search.value(best)
        closed, fixed_bound = _fixed_by_reduced_cost(lp, value, best, mip)
        if closed.any():
            details["sites_fixed_by_lp"] = int(closed.sum())
            reduced, best = reduction.without_sites(reduced, ~closed), best[~closed]
            mip, _ = _mclp_mip(reduced, constant)
    left = options.time_limit - (time.monotonic() - started)
    solved = exact.solve(mip, left, _mclp_start(reduced, mip, best), "mclp" if options.progress else None)
    details["prover"] = "lp+highs" if np.isfinite(fixed_bound) else "highs"
    if solved.bound is not None and np.isfinite(fixed_bound):
        solved = replace(solved, bound=max(solved.bound, fixed_bound))
    return _from_mip(Model.MCLP, solved, reduced, sc, started, details)


def _search_only(
    search: heuristic.Search,
    found: heuristic.HeuristicResult,
    reduced: reduction.ReducedCover,
    sc: SideConstraints,
    coverable: float,
    time_limit: float,
    started: float,
    details: dict[str, object],
) -> PlanResult:
    """City scale: VNS for the time left; the bound is every coverable person (valid, if loose)."""
    deadline = started + 0.95 * time_limit
    plan = heuristic.vns(search, found.is_open, deadline) if found.feasible else found.is_open
    value = coverable - search.value(plan) if found.feasible else None
    details["prover"] = "coverage bound"
    details["skipped_mip_nonzeros"] = int(reduced.matrix.nnz)
    return _result(Model.MCLP, "time_limit", value, coverable, reduced.plan(plan, sc.fixed), started, details)


def _mclp_mip(reduced: reduction.ReducedCover, constant: float) -> tuple[exact.Mip, np.ndarray]:
    """The MCLP MIP of a reduced model: demand already covered by existing sites is a constant."""
    mip, columns = formulations.mclp(reduced.matrix.astype(bool).tocsr(), reduced.weight, reduced.sc)
    mip.offset += constant
    mip.presolve = False
    return mip, columns


def _mclp_start(
    reduced: reduction.ReducedCover, mip: exact.Mip, best: np.ndarray | None
) -> np.ndarray | None:
    """The MIP's column vector of a plan: y, then c = [covered] for every demand row."""
    if best is None:
        return None
    hit = np.asarray(reduced.matrix @ best.astype(float)).ravel() > 0
    return np.concatenate([best.astype(float), hit.astype(float)])[: len(mip.cost)]


def _tolerance(mip: exact.Mip, value: float) -> float:
    """A gap below this is closed: under 1 when every plan's objective is an integer."""
    return 1.0 - 1e-6 if mip.integral_objective else 1e-7 * max(1.0, abs(value))


def _round_lp(search: heuristic.Search, y: np.ndarray, best: np.ndarray) -> np.ndarray:
    """The LP's sites at (nearly) 1, filled greedily and improved by swaps; kept if better than `best`."""
    plan = heuristic.greedy(search, y > 1.0 - 1e-6)
    if not search.sc.feasible(plan):
        return best
    plan = heuristic.local_search(search, plan, time.monotonic() + 1.0)
    return plan if search.value(plan) < search.value(best) else best


def _fixed_by_reduced_cost(
    lp: exact.LpResult, value: float, best: np.ndarray, mip: exact.Mip
) -> tuple[np.ndarray, float]:
    """Sites whose opening costs the LP bound so much that no such plan beats `value`: closed for good.

    A site at 0 in the LP with reduced cost d bounds every plan that opens it by LP − |d|. Sites in the
    incumbent are kept. Returns the mask and the largest bound among the closed sites (−inf if none)."""
    m = len(best)
    with_site = lp.objective - np.abs(lp.reduced_cost[:m])
    margin = 1e-6 * max(1.0, abs(lp.objective))  # the LP's own feasibility tolerances
    slack = 1.0 if mip.integral_objective else 0.0
    closed = (lp.x[:m] < 1e-9) & ~best & (with_site + margin < value + slack)
    return closed, float(with_site[closed].max() + margin) if closed.any() else -np.inf


def prove_lscp(cover: sp.csr_matrix, sc: SideConstraints, options: PlanOptions) -> PlanResult:
    """Set covering, exact: reduction, greedy cover with redundant sites dropped, then HiGHS."""
    started = time.monotonic()
    reduced = reduction.for_lscp(cover, sc)
    rows = reduced.matrix.shape[0]
    chosen = heuristic.greedy_cover(
        reduced.matrix.astype(bool).tocsr(), np.ones(rows, dtype=bool), reduced.sc
    )
    details = _details(reduced, cover, time.monotonic() - started)
    mip = formulations.set_cover(reduced.matrix.astype(bool).tocsr(), reduced.sc)
    mip.presolve = False
    start = chosen.astype(float) if reduced.sc.feasible(chosen) else None
    left = options.time_limit - (time.monotonic() - started)
    solved = exact.solve(mip, left, start, "lscp" if options.progress else None)
    details["prover"] = "highs"
    return _from_mip(Model.LSCP, solved, reduced, sc, started, details)


def _covered_by_existing(cover: sp.csr_matrix, sc: SideConstraints) -> np.ndarray:
    return np.asarray(cover[:, sc.fixed].sum(axis=1)).ravel() > 0


def _details(reduced: reduction.ReducedCover, cover: sp.csr_matrix, warm_seconds: float) -> dict[str, object]:
    """What the reduction kept, for the record (`details` of the result)."""
    return {
        "uncoverable_points": int((np.diff(cover.tocsr().indptr) == 0).sum()),
        "reduced_rows": int(reduced.matrix.shape[0]),
        "reduced_sites": int(len(reduced.sites)),
        "warm_start_seconds": round(warm_seconds, 4),
    }


def _result(
    model: Model,
    status: str,
    objective: float | None,
    bound: float | None,
    is_open: np.ndarray,
    started: float,
    details: dict[str, object],
) -> PlanResult:
    gap = exact.relative_gap(objective, bound)
    seconds = time.monotonic() - started
    return PlanResult(model, "exact", status, objective, bound, gap, seconds, is_open, details)


def _from_mip(
    model: Model,
    solved: exact.MipResult,
    reduced: reduction.ReducedCover,
    sc: SideConstraints,
    started: float,
    details: dict[str, object],
) -> PlanResult:
    """The MIP's answer over the original sites (existing facilities open)."""
    chosen = solved.x[: len(reduced.sites)] > 0.5 if solved.x is not None else None
    is_open = reduced.plan(chosen, sc.fixed) if chosen is not None else np.zeros(len(sc.fixed), dtype=bool)
    return _result(model, solved.status, solved.objective, solved.bound, is_open, started, details)
