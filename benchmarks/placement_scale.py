"""City-scale placement: 100,000 demand points × 10,000 candidate sites, MCLP with p = 500.

    .venv/bin/python -m benchmarks.placement_scale [--quick] [--time-limit S] [--out FILE]

A synthetic city (deterministic seed): demand points drawn from a mixture of Gaussians over a
50 km × 30 km box (a dense core, secondary centres, suburbs and a thin uniform background), integer
populations; candidate sites drawn mostly from the same mixture, the rest uniformly. Coverage is the
15-minute walk, a 1,000 m radius (inclusive), built sparse with a k-d tree inside `solve_plan`.

Solved through the public API only: `solve_plan(problem, Model.MCLP, PlanOptions(p=500, radius=1000,
time_limit=...), exact_mode=True)` — the heuristic (greedy + swaps + VNS) warm-starts HiGHS, which
reports objective, dual bound and gap when it stops. The time limit is chosen so that the whole call
(coverage + heuristic + model build + MIP) fits in 60 s; the seconds reported are the whole call.

Memory: peak resident set size of the process (`ru_maxrss`, HiGHS's C++ allocations included) and the
peak of Python/numpy allocations seen by `tracemalloc` during the solve.

p-median is attempted on the same problem: our exact and heuristic p-median work on a dense n × m
distance matrix, which `distance_matrix` refuses beyond 40 M cells (here 10⁹ cells, 8 GB of float64);
the benchmark records the refusal rather than pretending.

`--quick`: 20,000 × 2,500 with p = 100 (same generator), for a check in seconds.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from benchmarks.common import ROOT, machine_facts, progress
from govkiosk.platform.placement.distances import coverage
from govkiosk.platform.placement.problem import (
    Metric,
    Model,
    PlacementInputError,
    PlacementProblem,
    PlanOptions,
    make_demand,
    make_sites,
)
from govkiosk.platform.placement.solver import solve_plan

SEED = 20_240_601
BOX = (50_000.0, 30_000.0)  # metres, x × y
RADIUS = 1_000.0  # 15 minutes' walk at 4 km/h
PROFILES: dict[str, dict[str, Any]] = {
    "full": {"n": 100_000, "m": 10_000, "p": 500, "time_limit": 50.0, "heuristic_s": 25.0, "bound_s": 25.0},
    "quick": {"n": 20_000, "m": 2_500, "p": 100, "time_limit": 20.0, "heuristic_s": 8.0, "bound_s": 8.0},
}


def _mixture(
    rng: np.random.Generator,
    count: int,
    centres: np.ndarray,
    sigma: np.ndarray,
    share: np.ndarray,
    uniform: float,
) -> np.ndarray:
    """`count` points inside the box: a `uniform` share spread evenly, the rest from the Gaussian mixture."""
    out = np.empty((count, 2))
    filled = 0
    while filled < count:
        k = count - filled
        flat = rng.random(k) < uniform
        which = rng.choice(len(centres), size=k, p=share)
        pts = centres[which] + rng.standard_normal((k, 2)) * sigma[which, None]
        pts[flat] = rng.random((int(flat.sum()), 2)) * np.array(BOX)
        inside = (pts[:, 0] >= 0) & (pts[:, 0] <= BOX[0]) & (pts[:, 1] >= 0) & (pts[:, 1] <= BOX[1])
        pts = pts[inside]
        out[filled : filled + len(pts)] = pts
        filled += len(pts)
    return out


def synthetic_city(n: int, m: int, seed: int = SEED) -> PlacementProblem:
    """A clustered city: one core, a dozen secondary centres, ~30 suburbs; integer populations."""
    rng = np.random.default_rng(seed)
    box = np.array(BOX)
    core = np.array([[0.45, 0.5]]) * box
    secondary = (0.15 + 0.7 * rng.random((12, 2))) * box
    suburbs = rng.random((30, 2)) * box
    centres = np.vstack([core, secondary, suburbs])
    sigma = np.concatenate([[4_000.0], rng.uniform(1_200, 2_500, 12), rng.uniform(400, 1_200, 30)])
    share = np.concatenate([[0.30], np.full(12, 0.40 / 12), rng.dirichlet(np.ones(30)) * 0.30])
    demand_xy = _mixture(rng, n, centres, sigma, share, uniform=0.05)
    # People per point (a building block or a grid cell): log-normal, mean about 175, at least 1.
    population = np.maximum(1.0, np.round(rng.lognormal(mean=4.9, sigma=0.6, size=n)))
    site_xy = _mixture(rng, m, centres, sigma, share, uniform=0.25)
    kinds = rng.choice(
        ["community_centre", "bank_branch", "metro_station", "mall", "service_hall"], size=m
    ).astype(object)
    return PlacementProblem(
        name=f"synthetic-city-{n}x{m}",
        demand=make_demand([f"d{i}" for i in range(n)], demand_xy, population),
        sites=make_sites([f"s{j}" for j in range(m)], site_xy, kind=kinds),
        metric=Metric.EUCLIDEAN,
    )


def _rss_mb() -> float:
    """Peak resident set size of this process so far, MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def coverage_stats(problem: PlacementProblem) -> dict[str, Any]:
    """What the 15-minute matrix looks like (built once more here, outside the timed solve)."""
    started = time.monotonic()
    cover = coverage(problem, RADIUS)
    seconds = time.monotonic() - started
    per_point = np.diff(cover.indptr)
    w = problem.demand.weight
    return {
        "radius_m": RADIUS,
        "nonzeros": int(cover.nnz),
        "build_seconds": round(seconds, 2),
        "sites_per_point_mean": round(float(per_point.mean()), 1),
        "sites_per_point_max": int(per_point.max()),
        "uncoverable_points": int((per_point == 0).sum()),
        "coverable_population": float(w[per_point > 0].sum()),
    }


def run_mclp(problem: PlacementProblem, p: int, time_limit: float, trace: bool) -> dict[str, Any]:
    """The timed call: solve_plan in exact mode (heuristic warm start, HiGHS, gap reported)."""
    gc.collect()
    if trace:
        tracemalloc.start()
    rss_before = _rss_mb()
    options = PlanOptions(p=p, radius=RADIUS, time_limit=time_limit, progress=True)
    started = time.monotonic()
    result = solve_plan(problem, Model.MCLP, options, exact_mode=True)
    wall = time.monotonic() - started
    traced_peak = None
    if trace:
        traced_peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    total = float(problem.demand.weight.sum())
    new = int((result.is_open & ~problem.sites.fixed).sum())
    return {
        "model": "mclp",
        "p": p,
        "time_limit": time_limit,
        "method": result.method,
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "covered_share": None if result.objective is None else result.objective / total,
        "new_sites": new,
        "seconds": round(wall, 2),
        "within_60s": wall <= 60.0,
        "peak_rss_mb_before": round(rss_before, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        "tracemalloc_peak_mb": None if traced_peak is None else round(traced_peak, 1),
    }


def lagrangian_bound(
    cover: sp.csr_matrix, w: np.ndarray, p: int, incumbent: float, seconds: float
) -> dict[str, Any]:
    """A valid upper bound on MCLP by subgradient optimisation of its Lagrangian relaxation.

    Relaxing c_i ≤ Σ_j a_ij y_j with λ_i ≥ 0 leaves max Σ (w_i − λ_i) c_i + Σ_j (Aᵀλ)_j y_j, Σ y ≤ p,
    solved by inspection: L(λ) = Σ max(0, w − λ) + the p largest positive (Aᵀλ)_j. Every λ ≥ 0 gives an
    upper bound (the best one equals the LP relaxation's); `incumbent` steers the step length only.
    """
    started = time.monotonic()
    keep = (np.diff(cover.indptr) > 0) & (w > 0)
    a = cover[keep].astype(np.float64).tocsr()
    at = a.T.tocsr()
    wk = w[keep].astype(np.float64)
    lam = 0.5 * wk
    # L(0) = Σ w (all coverable demand covered) is the trivial bound; subgradient steps only improve on it.
    best, theta, idle, iterations = float(wk.sum()), 2.0, 0, 0
    while time.monotonic() - started < seconds and theta > 1e-4:
        iterations += 1
        s = at @ lam
        top = np.argpartition(-s, p - 1)[:p] if p < len(s) else np.arange(len(s))
        top = top[s[top] > 0]
        value = float(np.maximum(wk - lam, 0.0).sum() + s[top].sum())
        if value < best - 1e-9 * abs(best if np.isfinite(best) else 1.0):
            best, idle = value, 0
        else:
            idle += 1
            if idle >= 20:
                theta, idle = theta / 2, 0
        y = np.zeros(len(s))
        y[top] = 1.0
        g = (wk > lam).astype(np.float64) - a @ y  # subgradient of −L: step against (Ay − c)
        norm = float(g @ g)
        if norm == 0:
            break
        lam = np.maximum(0.0, lam + theta * (value - incumbent) / norm * g)
    return {"bound": best, "iterations": iterations, "seconds": round(time.monotonic() - started, 2)}


def run_fallback(
    problem: PlacementProblem, p: int, heuristic_s: float, bound_s: float, trace: bool
) -> dict[str, Any]:
    """The heuristic through solve_plan (exact_mode=False), then a Lagrangian bound for its gap."""
    gc.collect()
    if trace:
        tracemalloc.start()
    options = PlanOptions(p=p, radius=RADIUS, time_limit=heuristic_s)
    started = time.monotonic()
    result = solve_plan(problem, Model.MCLP, options, exact_mode=False)
    heuristic_wall = time.monotonic() - started
    assert result.objective is not None
    cover = coverage(problem, RADIUS)
    lag = lagrangian_bound(cover, problem.demand.weight, p, result.objective, bound_s)
    wall = time.monotonic() - started
    traced_peak = None
    if trace:
        traced_peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    bound = lag["bound"]
    total = float(problem.demand.weight.sum())
    return {
        "model": "mclp",
        "p": p,
        "method": "heuristic (solve_plan exact_mode=False) + Lagrangian bound (this script)",
        "heuristic_time_limit": heuristic_s,
        "heuristic_seconds": round(heuristic_wall, 2),
        "bound_time_limit": bound_s,
        "bound_seconds": lag["seconds"],
        "bound_iterations": lag["iterations"],
        "status": result.status,
        "objective": result.objective,
        "bound": bound,
        "gap": (bound - result.objective) / max(1.0, abs(result.objective)),
        "covered_share": result.objective / total,
        "new_sites": int((result.is_open & ~problem.sites.fixed).sum()),
        "seconds": round(wall, 2),
        "within_60s": wall <= 60.0,
        "peak_rss_mb": round(_rss_mb(), 1),
        "tracemalloc_peak_mb": None if traced_peak is None else round(traced_peak, 1),
    }


def try_median(problem: PlacementProblem, p: int) -> dict[str, Any]:
    """p-median through the same API: expected to be refused (dense n × m matrix)."""
    started = time.monotonic()
    try:
        result = solve_plan(problem, Model.PMEDIAN, PlanOptions(p=p, time_limit=10.0), exact_mode=False)
    except PlacementInputError as exc:
        return {"model": "pmedian", "p": p, "ran": False, "reason": exc.message,
                "seconds": round(time.monotonic() - started, 2)}  # fmt: skip
    return {"model": "pmedian", "p": p, "ran": True, "method": result.method, "status": result.status,
            "objective": result.objective, "seconds": round(result.seconds, 2)}  # fmt: skip


def table(cov: dict[str, Any], row: dict[str, Any], median: dict[str, Any], shape: str) -> str:
    gap = "—" if row["gap"] is None else f"{100 * row['gap']:.4f} %"
    share = "—" if row["covered_share"] is None else f"{100 * row['covered_share']:.2f} %"
    lines = [
        f"instance            {shape}, radius {RADIUS:g} m, coverage nnz {cov['nonzeros']:,} "
        f"({cov['sites_per_point_mean']} sites/point)",
        f"MCLP p={row['p']:<4d}         {row['status']} ({row['method']}) in {row['seconds']:.1f} s "
        f"(time limit {row['time_limit']:g} s)",
        f"  objective         {row['objective']:,.0f} covered ({share})",
        f"  bound             {row['bound'] if row['bound'] is None else format(row['bound'], ',.0f')}",
        f"  gap               {gap}",
        f"  peak RSS          {row['peak_rss_mb']:,.0f} MB "
        f"(before the solve {row['peak_rss_mb_before']:,.0f} MB)",
        f"  tracemalloc peak  {row['tracemalloc_peak_mb']} MB (Python/numpy allocations only)",
    ]
    if median["ran"]:
        lines.append(f"p-median p={median['p']}       {median['status']} objective {median['objective']}")
    else:
        lines.append(f"p-median p={median['p']}       not run: {median['reason']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 × 2,500, p = 100")
    parser.add_argument("--time-limit", type=float, default=None, help="solve_plan time limit, seconds")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip tracemalloc during the solve")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "placement_scale.json")
    args = parser.parse_args()
    profile_name = "quick" if args.quick else "full"
    prof = PROFILES[profile_name]
    limit = args.time_limit if args.time_limit is not None else prof["time_limit"]
    load_before = os.getloadavg()
    progress(f"placement scale ({profile_name}): {prof['n']:,} demand points × {prof['m']:,} sites")
    started = time.monotonic()
    problem = synthetic_city(prof["n"], prof["m"])
    generate_s = time.monotonic() - started
    progress(f"  generated in {generate_s:.1f} s; population {problem.demand.weight.sum():,.0f}")
    cov = coverage_stats(problem)
    progress(f"  coverage within {RADIUS:g} m: {cov['nonzeros']:,} pairs, {cov['sites_per_point_mean']} "
             f"sites per point, {cov['uncoverable_points']:,} points uncoverable, built in "
             f"{cov['build_seconds']} s")  # fmt: skip
    progress(f"MCLP p={prof['p']}, exact mode, time limit {limit:g} s (HiGHS progress on stderr)")
    row = run_mclp(problem, prof["p"], limit, trace=not args.no_tracemalloc)
    progress(f"  {row['status']} ({row['method']}) in {row['seconds']} s: objective {row['objective']}, "
             f"bound {row['bound']}, gap {row['gap']}, peak RSS {row['peak_rss_mb']} MB")  # fmt: skip
    progress(
        f"MCLP p={prof['p']}: heuristic ({prof['heuristic_s']:g} s) + Lagrangian bound "
        f"({prof['bound_s']:g} s)"
    )
    fallback = run_fallback(problem, prof["p"], prof["heuristic_s"], prof["bound_s"], not args.no_tracemalloc)
    progress(f"  {fallback['status']} in {fallback['seconds']} s: objective {fallback['objective']}, "
             f"bound {fallback['bound']:.0f}, gap {100 * fallback['gap']:.3f} %, "
             f"peak RSS {fallback['peak_rss_mb']} MB")  # fmt: skip
    progress(f"p-median p={prof['p']} through the same API")
    median = try_median(problem, prof["p"])
    progress(f"  {'ran' if median['ran'] else 'not run: ' + median['reason']}")
    shape = f"{prof['n']:,} × {prof['m']:,}"
    print(table(cov, row, median, shape))
    print(
        f"MCLP p={fallback['p']} fallback: heuristic {fallback['heuristic_seconds']} s + Lagrangian bound "
        f"{fallback['bound_seconds']} s ({fallback['bound_iterations']} iterations) "
        f"= {fallback['seconds']} s\n"
        f"  objective {fallback['objective']:,.0f} ({100 * fallback['covered_share']:.2f} %), "
        f"bound {fallback['bound']:,.0f}, gap {100 * fallback['gap']:.3f} %, "
        f"peak RSS {fallback['peak_rss_mb']:,.0f} MB, tracemalloc peak {fallback['tracemalloc_peak_mb']} MB"
    )
    payload = {
        "benchmark": "placement_scale",
        "profile": profile_name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        "instance": {
            "name": problem.name,
            "seed": SEED,
            "box_m": list(BOX),
            "demand_points": len(problem.demand),
            "candidate_sites": len(problem.sites),
            "population": float(problem.demand.weight.sum()),
            "generate_seconds": round(generate_s, 2),
        },
        "coverage": cov,
        "mclp": row,
        "mclp_fallback": fallback,
        "pmedian": median,
        "peak_rss_mb_process": round(_rss_mb(), 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    progress(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
