"""City-scale placement: 100,000 demand points × 10,000 candidate sites, MCLP with p = 500.

    .venv/bin/python -m benchmarks.placement_scale [--quick] [--time-limit S] [--out FILE]

A synthetic city (deterministic seed): demand points drawn from a mixture of Gaussians over a
50 km × 30 km box (a dense core, secondary centres, suburbs and a thin uniform background), integer
populations; candidate sites drawn mostly from the same mixture, the rest uniformly. Coverage is the
15-minute walk, a 1,000 m radius (inclusive), built sparse with a k-d tree inside `solve_plan`.

The city is written as CSV files and planned end to end by the command a planner runs, once per mode:

    govkiosk plan mclp --demand demand.csv --candidates candidates.csv -p 500 --radius 1000 \
        --time-limit 60 --json [--heuristic | --exact]

and again from a supplied sparse travel-time table, the 15-minute circle as a cutoff in minutes:

    govkiosk plan mclp --demand demand.csv --candidates candidates.csv --travel-times travel_times.csv \
        --radius 15 -p 500 --time-limit 60 --json [--heuristic | --exact]

The table is what a routing engine would hand over: walking minutes from the synthetic coordinates, the
straight line times a road factor (1.15–1.45, fixed per pair by a hash of the pair) at 5 km/h, one decimal,
only the pairs within 15 minutes (a table cut off at the circle, as such tables are exported).

The seconds reported are the wall time of that process (interpreter start, reading, coverage, solve,
Lagrangian bound, report); `--time-limit` is meant to hold for all of it. Memory is the process's peak
resident set size as the process itself sees it when it exits (VmHWM, HiGHS's allocations included). The
solver's progress lines go to stderr as it runs.

p-median is attempted in-process on the same problem: our exact and heuristic p-median work on a dense
n × m distance matrix, which `distance_matrix` refuses beyond 40 M cells (here 10⁹ cells, 8 GB of
float64); the benchmark records the refusal rather than pretending.

`--quick`: 20,000 × 2,500 with p = 100 (same generator), for a check in seconds.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

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
CUTOFF_MIN = 15.0  # the travel-time variant: minutes
WALK_M_PER_MIN = 5_000.0 / 60.0  # 5 km/h along the streets
ROAD_FACTOR = (1.15, 1.45)  # street distance ÷ straight line, per pair
VARIANTS = ("coordinates", "travel-times")
PROFILES: dict[str, dict[str, Any]] = {
    "full": {"n": 100_000, "m": 10_000, "p": 500, "time_limit": 60.0},
    "quick": {"n": 20_000, "m": 2_500, "p": 100, "time_limit": 20.0},
}
MODES = ("heuristic", "exact")


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


def write_inputs(problem: PlacementProblem, folder: Path) -> tuple[Path, Path]:
    """The city as the CSV files `govkiosk plan` reads: demand (id,x,y,population), sites (id,x,y,type)."""
    demand, candidates = folder / "demand.csv", folder / "candidates.csv"
    with demand.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["id", "x", "y", "population"])
        d = problem.demand
        out.writerows(
            (i, f"{x:.1f}", f"{y:.1f}", f"{w:g}") for i, (x, y), w in zip(d.ids, d.xy, d.weight, strict=True)
        )
    with candidates.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["id", "x", "y", "type"])
        s = problem.sites
        out.writerows(
            (j, f"{x:.1f}", f"{y:.1f}", k) for j, (x, y), k in zip(s.ids, s.xy, s.kind, strict=True)
        )
    return demand, candidates


def travel_minutes(problem: PlacementProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(demand index, site index, minutes) of every pair within the cutoff, sorted, minutes to 0.1."""
    reach = CUTOFF_MIN * WALK_M_PER_MIN / ROAD_FACTOR[0]  # no pair beyond this straight line can be in
    pairs = cKDTree(problem.demand.xy).sparse_distance_matrix(
        cKDTree(problem.sites.xy), reach, output_type="ndarray"
    )
    i, j = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
    # A road factor per pair from a multiplicative hash of (i, j): the same table on every run and machine.
    h = (i.astype(np.uint64) * np.uint64(1_000_003) + j.astype(np.uint64)) * np.uint64(0x9E3779B97F4A7C15)
    u = (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    factor = ROAD_FACTOR[0] + (ROAD_FACTOR[1] - ROAD_FACTOR[0]) * u
    minutes = np.round(pairs["v"] * factor / WALK_M_PER_MIN, 1)
    keep = minutes <= CUTOFF_MIN
    order = np.lexsort((j[keep], i[keep]))
    return i[keep][order], j[keep][order], minutes[keep][order]


def write_travel_times(problem: PlacementProblem, folder: Path) -> tuple[Path, dict[str, Any]]:
    """The table as `origin,destination,minutes`, and what it holds (rows, bytes, pairs per point)."""
    started = time.monotonic()
    i, j, minutes = travel_minutes(problem)
    path, d, s = folder / "travel_times.csv", problem.demand.ids, problem.sites.ids
    with path.open("w") as f:
        f.write("origin,destination,minutes\n")
        for part in np.array_split(np.arange(len(i)), max(1, len(i) // 500_000)):
            rows = zip(i[part].tolist(), j[part].tolist(), minutes[part].tolist(), strict=True)
            f.write("".join(f"{d[a]},{s[b]},{t:.1f}\n" for a, b, t in rows))
    per_point = np.bincount(i, minlength=len(d))
    w = problem.demand.weight
    return path, {
        "cutoff_min": CUTOFF_MIN,
        "walk_m_per_min": round(WALK_M_PER_MIN, 2),
        "road_factor": list(ROAD_FACTOR),
        "rows": int(len(i)),
        "file_bytes": path.stat().st_size,
        "write_seconds": round(time.monotonic() - started, 2),
        "sites_per_point_mean": round(float(per_point.mean()), 1),
        "sites_per_point_max": int(per_point.max()),
        "uncoverable_points": int((per_point == 0).sum()),
        "coverable_population": float(w[per_point > 0].sum()),
    }


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


# `govkiosk` run by the same interpreter, writing its own peak RSS (VmHWM, kB) to argv[1] as it exits. The
# child's `ru_maxrss` is no use here: Linux carries the forking parent's peak into it (this script holds the
# city and the table, 800 MB), so a child smaller than its parent reports the parent's figure.
_GOVKIOSK_WITH_PEAK = """
import atexit, sys
from pathlib import Path
out = Path(sys.argv[1])
def peak():
    status = Path("/proc/self/status").read_text().splitlines()
    out.write_text(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(peak)
from govkiosk.cli import app
sys.argv = ["govkiosk", *sys.argv[2:]]
app()
"""


def run_plan(
    inputs: list[str], variant: str, radius: float, p: int, time_limit: float, mode: str
) -> dict[str, Any]:
    """`govkiosk plan mclp … --json` as a child process: its wall time, peak RSS and the JSON it prints."""
    arguments = [
        "plan", "mclp", *inputs, "--radius", f"{radius:g}", "-p", str(p), "--time-limit", f"{time_limit:g}",
        "--json", f"--{mode}",
    ]  # fmt: skip
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as peak:
        command = [sys.executable, "-c", _GOVKIOSK_WITH_PEAK, peak.name, *arguments]
        child = subprocess.Popen(command, stdout=out, stderr=None)  # progress lines pass through
        _, code, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(code)
        out.seek(0)
        text = out.read().decode()
        peak_kb = int(peak.read() or 0)
    if child.returncode != 0:
        raise RuntimeError(f"govkiosk {' '.join(arguments)} exited {child.returncode}: {text[-2000:]}")
    report = json.loads(text)
    population = report["plan"]["covered_population"] / max(report["plan"]["coverage"] or 1.0, 1e-12)
    return {
        "command": " ".join(["govkiosk", *arguments]),
        "variant": variant,
        "mode": mode,
        "p": p,
        "time_limit": time_limit,
        "status": report["status"],
        "objective": report["objective"],
        "bound": report["bound"],
        "gap": report["gap"],
        "covered_share": report["objective"] / population if report["objective"] is not None else None,
        "new_sites": len(report["sites"]),
        "solver_seconds": report["seconds"],
        "seconds": round(wall, 2),
        "within_time_limit": wall <= time_limit,
        "peak_rss_mb": round(peak_kb / 1024, 1),  # the child's own VmHWM
        "ru_maxrss_mb": round(usage.ru_maxrss / 1024, 1),  # includes the parent's peak at fork (see above)
        "details": report["details"],
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


def table(
    cov: dict[str, Any],
    travel: dict[str, Any] | None,
    rows: list[dict[str, Any]],
    median: dict[str, Any],
    shape: str,
) -> str:
    lines = [
        f"instance   {shape}, radius {RADIUS:g} m, coverage nnz {cov['nonzeros']:,} "
        f"({cov['sites_per_point_mean']} sites/point), coverable {cov['coverable_population']:,.0f}",
    ]
    if travel is not None:
        lines.append(
            f"travel-time table: {travel['rows']:,} rows ≤ {travel['cutoff_min']:g} min, "
            f"{travel['file_bytes'] / 1e6:,.1f} MB ({travel['sites_per_point_mean']} sites/point), "
            f"coverable {travel['coverable_population']:,.0f}"
        )
    for row in rows:
        gap = "—" if row["gap"] is None else f"{100 * row['gap']:.3f} %"
        bound = "—" if row["bound"] is None else f"{row['bound']:,.0f}"
        lines.append(
            f"MCLP p={row['p']} {row['variant']:<12} --{row['mode']:<9} {row['status']:<10} "
            f"{row['seconds']:6.1f} s "
            f"(limit {row['time_limit']:g} s)  objective {row['objective']:,.0f} "
            f"({100 * row['covered_share']:.2f} %)  bound {bound}  gap {gap}  "
            f"peak RSS {row['peak_rss_mb']:,.0f} MB"
        )
    if median["ran"]:
        lines.append(f"p-median p={median['p']}: {median['status']} objective {median['objective']}")
    else:
        lines.append(f"p-median p={median['p']}: not run: {median['reason']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 × 2,500, p = 100")
    parser.add_argument("--time-limit", type=float, default=None, help="govkiosk plan --time-limit, seconds")
    parser.add_argument("--variant", choices=VARIANTS, action="append", help="repeatable; default both")
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
    rows, travel = [], None
    with tempfile.TemporaryDirectory() as folder:
        demand, candidates = write_inputs(problem, Path(folder))
        runs = []
        if "coordinates" in (args.variant or VARIANTS):
            runs.append(("coordinates", ["--demand", str(demand), "--candidates", str(candidates)], RADIUS))
        if "travel-times" in (args.variant or VARIANTS):
            table_path, travel = write_travel_times(problem, Path(folder))
            progress(f"  travel-time table: {travel['rows']:,} rows, {travel['file_bytes'] / 1e6:.1f} MB, "
                     f"written in {travel['write_seconds']} s")  # fmt: skip
            inputs = [
                "--demand",
                str(demand),
                "--candidates",
                str(candidates),
                "--travel-times",
                str(table_path),
            ]
            runs.append(("travel-times", inputs, CUTOFF_MIN))
        for variant, inputs, radius in runs:
            for mode in MODES:
                progress(f"govkiosk plan mclp ({variant}) -p {prof['p']} --time-limit {limit:g} --{mode}")
                row = run_plan(inputs, variant, radius, prof["p"], limit, mode)
                progress(f"  {row['status']} in {row['seconds']} s: objective {row['objective']}, bound "
                         f"{row['bound']}, gap {row['gap']}, peak RSS {row['peak_rss_mb']} MB")  # fmt: skip
                rows.append(row)
    progress(f"p-median p={prof['p']} through the same API")
    median = try_median(problem, prof["p"])
    progress(f"  {'ran' if median['ran'] else 'not run: ' + median['reason']}")
    print(table(cov, travel, rows, median, f"{prof['n']:,} × {prof['m']:,}"))
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
        "travel_times": travel,
        "mclp": rows,
        "pmedian": median,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    progress(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
