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

from govkiosk.platform.placement import covering_bound, exact, formulations, heuristic, reduction
from govkiosk.platform.placement.constraints import SideConstraints
from govkiosk.platform.placement.problem import Model, PlanOptions
from govkiosk.platform.placement.solver import HEURISTIC_SHARE, WARM_PATIENCE, PlanResult

MIP_NONZEROS = 2_000_000  # above this (reduced) the LP alone outlasts a minute: search, Lagrangian bound
SEARCH_END = 0.85  # city scale: the search stops at this share of the time limit, the bound works until…
BOUND_END = 0.97  # …this share; the rest is left for the caller's report
LP_END = 0.5  # the LP relaxation must be solved by this share of the time limit, or the search takes over


def prove_mclp(cover: sp.csr_matrix, w: np.ndarray, sc: SideConstraints, options: PlanOptions) -> PlanResult:
    """Maximal covering, exact: reduction, short warm start, LP bound and fixing, then HiGHS if still open."""
    started = time.monotonic()
    reduced = reduction.for_mclp(cover, w, sc)
    constant = float(w[_covered_by_existing(cover, sc)].sum())
    search = heuristic.mclp_search(reduced.matrix, reduced.weight, reduced.sc)
    coverable = constant + float(reduced.weight.sum())
    floor = 1e-9 * max(1.0, coverable)  # uncovered weight: nothing left to gain below this
    share = options.time_limit * HEURISTIC_SHARE
    report = vns_ticker(search, coverable, "mclp warm start") if options.progress else None
    found = heuristic.run(
        search, share, patience=0, floor=floor, report=report
    )  # greedy and swaps: often enough
    details = _details(reduced, cover, found.seconds)
    if found.feasible and found.objective <= floor:  # nobody coverable is left out: the bound is met
        details["prover"] = "coverage bound"
        plan = reduced.plan(found.is_open, sc.fixed)
        return _result(Model.MCLP, "optimal", coverable, coverable, plan, started, details)
    if reduced.matrix.nnz > MIP_NONZEROS:  # HiGHS would not get through the LP in time
        return _search_and_bound(search, found, reduced, constant, sc.fixed, options, started, details)
    mip, _ = _mclp_mip(reduced, constant)
    best = found.is_open if found.feasible else None
    lp = None
    if best is not None:
        lp = exact.relax(mip, LP_END * options.time_limit - (time.monotonic() - started))
        if lp is None:  # a degenerate LP outlasting its share: search on, bound by Lagrangian relaxation
            details["lp"] = "not solved within its share of the time limit"
            return _search_and_bound(search, found, reduced, constant, sc.fixed, options, started, details)
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


def _search_and_bound(
    search: heuristic.Search,
    found: heuristic.HeuristicResult,
    reduced: reduction.ReducedCover,
    constant: float,
    fixed: np.ndarray,
    options: PlanOptions,
    started: float,
    details: dict[str, object],
) -> PlanResult:
    """City scale: VNS for most of the time left, then the Lagrangian bound (`covering_bound`) for the gap."""
    limit = options.time_limit
    coverable = constant + float(reduced.weight.sum())
    report = vns_ticker(search, coverable, "mclp search") if options.progress else None
    plan = found.is_open
    if found.feasible:
        plan = heuristic.vns(search, plan, started + SEARCH_END * limit, report=report)
    value = coverable - search.value(plan) if found.feasible else None
    bound = coverable
    if found.feasible:
        bound, facts = _lagrangian(reduced, constant, plan, started + BOUND_END * limit, options.progress)
        details.update(facts)
    details["prover"] = "lagrangian bound"
    details["skipped_mip_nonzeros"] = int(reduced.matrix.nnz)
    status = "optimal" if value is not None and _closed(value, bound, reduced.weight) else "time_limit"
    return _result(Model.MCLP, status, value, bound, reduced.plan(plan, fixed), started, details)


def bound_plan(
    cover: sp.csr_matrix,
    w: np.ndarray,
    sc: SideConstraints,
    is_open: np.ndarray,
    deadline: float,
    progress: bool,
) -> tuple[float, dict[str, object]]:
    """An upper bound on the population any plan covers, seeded by a heuristic's plan (`covering_bound`)."""
    reduced = reduction.for_mclp(cover, w, sc)
    constant = float(w[_covered_by_existing(cover, sc)].sum())
    return _lagrangian(reduced, constant, reduced.start(is_open), deadline, progress)


def _lagrangian(
    reduced: reduction.ReducedCover, constant: float, plan: np.ndarray, deadline: float, progress: bool
) -> tuple[float, dict[str, object]]:
    """The Lagrangian bound of a reduced model plus its constant, never above every coverable person."""
    ticker = exact.Ticker("mclp bound") if progress else None

    def report(bound: float, steps: int) -> None:
        if ticker is not None:
            ticker(f"bound {constant + bound:,.0f} after {steps} subgradient steps")

    found = covering_bound.mclp_bound(
        reduced.matrix, reduced.weight, reduced.sc, plan, deadline, report=report
    )
    coverable = constant + float(reduced.weight.sum())
    facts: dict[str, object] = {"bound_steps": found.iterations, "bound_seconds": round(found.seconds, 3)}
    return min(coverable, constant + found.value), facts


def vns_ticker(search: heuristic.Search, total: float, label: str) -> heuristic.Report:
    """Progress of a search as covered weight (`total` − uncovered), a line every 2 s at most."""
    ticker = exact.Ticker(label)

    def report(plan: np.ndarray) -> None:
        if ticker.due():  # pricing the plan costs a product over the whole matrix: only when printed
            ticker.say(f"best {total - search.value(plan):,.0f} covered")

    return report


def _closed(value: float, bound: float, w: np.ndarray) -> bool:
    """Whether no plan can beat `value` by more than rounding (under 1 when weights are integers)."""
    integral = bool(np.all(w == np.round(w)))
    return bound - value < (1.0 - 1e-6 if integral else 1e-7 * max(1.0, abs(bound)))


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
