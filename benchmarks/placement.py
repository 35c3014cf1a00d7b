"""`make bench-placement`: the placement (布点) solvers on public instances.

    .venv/bin/python -m benchmarks.placement [--quick] [--out benchmarks/results/placement.json]

1. OR-Library pmed1–40, exact (Lagrangian branch-and-bound; HiGHS when a budget or districts apply):
   objective, the optimum from pmedopt.txt, proven yes/no (status optimal AND objective = pmedopt), seconds;
2. the same instances with the heuristic (greedy + swap local search + VNS): gap to the optimum, seconds;
3. São José dos Campos (every instance in the full profile) MCLP (a few p) and LSCP at radii 800 and
   1200 m, solved to proven optimality (HiGHS).

The data are read from ../shared/data/placement/ beside the checkout; without it the benchmark says so and
stops. `--quick` runs a subset in about a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, machine_facts, progress
from govkiosk.platform.placement.problem import Model, PlanOptions
from govkiosk.platform.placement.readers import read_orlib, read_sjc
from govkiosk.platform.placement.solver import solve_plan

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "placement"
PROFILES: dict[str, dict[str, Any]] = {
    "full": {
        "pmed": list(range(1, 41)),
        "exact_limit": 300.0,
        "heuristic_limit": 10.0,
        "sjc": [324, 402, 500, 708, 818],
        "p": [5, 10, 20],
    },
    "quick": {
        "pmed": [1, 2, 3, 5, 6, 10, 11, 15],
        "exact_limit": 60.0,
        "heuristic_limit": 3.0,
        "sjc": [324, 402],
        "p": [5, 10],
    },
}
RADII = (800.0, 1200.0)


def optima() -> dict[str, int]:
    lines = (DATA / "orlib-pmed" / "pmedopt.txt").read_text().splitlines()[1:]
    return {name: int(value) for name, value in (line.split() for line in lines if line.strip())}


def pmed_runs(numbers: list[int], exact: bool, limit: float) -> list[dict[str, Any]]:
    """Solve each pmed instance once; compare with the proven optimum."""
    best = optima()
    rows = []
    for k in numbers:
        problem = read_orlib(DATA / "orlib-pmed" / f"pmed{k}.txt")
        result = solve_plan(problem, Model.PMEDIAN, PlanOptions(time_limit=limit), exact_mode=exact)
        optimum = best[problem.name]
        gap = None if result.objective is None else (result.objective - optimum) / optimum
        row = {
            "instance": problem.name,
            "n": len(problem.demand),
            "p": problem.default_p,
            "objective": result.objective,
            "optimum": optimum,
            "bound": result.bound,
            "status": result.status,
            "prover": result.details.get("prover"),
            "nodes": result.details.get("nodes"),
            "proven": result.proven and result.objective == optimum,
            "gap_to_optimum": gap,
            "seconds": round(result.seconds, 2),
        }
        rows.append(row)
        mode = "exact" if exact else "heuristic"
        progress(f"  {mode} {problem.name:7s} n={row['n']} p={row['p']}: {result.objective} (opt {optimum}) "
                 f"{result.status} in {result.seconds:.1f} s")  # fmt: skip
    return rows


def sjc_runs(sizes: list[int], ps: list[int], limit: float) -> list[dict[str, Any]]:
    """MCLP for each (instance, radius, p) and LSCP for each (instance, radius), exact."""
    rows = []
    for n in sizes:
        problem = read_sjc(DATA / "sjc" / f"SJC{n}.txt", DATA / "sjc" / f"demand-SJC{n}.dat")
        for radius in RADII:
            cases = [(Model.MCLP, p) for p in ps] + [(Model.LSCP, None)]
            for model, p in cases:
                result = solve_plan(problem, model, PlanOptions(p=p, radius=radius, time_limit=limit))
                rows.append({
                    "instance": problem.name, "model": model.value, "radius": radius, "p": p,
                    "objective": result.objective, "bound": result.bound, "status": result.status,
                    "proven": result.proven, "seconds": round(result.seconds, 2),
                    "total_demand": float(problem.demand.weight.sum()),
                })  # fmt: skip
                progress(f"  {model.value} {problem.name} r={radius:g} p={p}: {result.objective} "
                         f"{result.status} in {result.seconds:.2f} s")  # fmt: skip
    return rows


def table(exact_rows: list[dict], heuristic_rows: list[dict], sjc_rows: list[dict]) -> str:
    """The figures a reader compares: one line per pmed instance, then SJC."""
    lines = [f"{'instance':8s} {'n':>4s} {'p':>4s} {'optimum':>8s} {'exact':>8s} {'proven':>6s} {'s':>7s} "
             f"{'heur.':>8s} {'gap %':>6s} {'s':>6s}"]  # fmt: skip
    for e, h in zip(exact_rows, heuristic_rows, strict=True):
        lines.append(
            f"{e['instance']:8s} {e['n']:4d} {e['p']:4d} {e['optimum']:8d} {e['objective'] or 0:8.0f} "
            f"{'yes' if e['proven'] else 'NO':>6s} {e['seconds']:7.1f} {h['objective'] or 0:8.0f} "
            f"{100 * (h['gap_to_optimum'] or 0):6.3f} {h['seconds']:6.1f}"
        )
    lines.append("")
    lines.append(
        f"{'SJC':8s} {'model':5s} {'radius':>6s} {'p':>3s} {'objective':>10s} {'proven':>6s} {'s':>7s}"
    )
    for r in sjc_rows:
        p = "" if r["p"] is None else str(r["p"])
        lines.append(f"{r['instance']:8s} {r['model']:5s} {r['radius']:6.0f} {p:>3s} "
                     f"{r['objective'] or 0:10.0f} "
                     f"{'yes' if r['proven'] else 'NO':>6s} {r['seconds']:7.2f}")  # fmt: skip
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a subset that runs in about a minute")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "placement.json")
    args = parser.parse_args()
    if not (DATA / "orlib-pmed" / "pmedopt.txt").exists():
        print(f"placement benchmark skipped: reference data not found at {DATA}", file=sys.stderr)
        return 0
    profile_name = "quick" if args.quick else "full"
    prof = PROFILES[profile_name]
    progress(
        f"placement benchmark ({profile_name}): pmed {prof['pmed'][0]}–{prof['pmed'][-1]}, SJC {prof['sjc']}"
    )
    load_before = os.getloadavg()
    progress("OR-Library p-median, exact")
    exact_rows = pmed_runs(prof["pmed"], True, prof["exact_limit"])
    progress("OR-Library p-median, heuristic")
    heuristic_rows = pmed_runs(prof["pmed"], False, prof["heuristic_limit"])
    progress("São José dos Campos MCLP and LSCP, exact")
    sjc_rows = sjc_runs(prof["sjc"], prof["p"], prof["exact_limit"])
    gaps = [r["gap_to_optimum"] for r in heuristic_rows if r["gap_to_optimum"] is not None]
    summary = {
        "pmed_proven": sum(r["proven"] for r in exact_rows),
        "pmed_instances": len(exact_rows),
        "pmed_exact_seconds": round(sum(r["seconds"] for r in exact_rows), 1),
        "heuristic_mean_gap_pct": round(100 * sum(gaps) / max(len(gaps), 1), 4),
        "heuristic_max_gap_pct": round(100 * max(gaps, default=0.0), 4),
        "heuristic_seconds": round(sum(r["seconds"] for r in heuristic_rows), 1),
        "sjc_proven": sum(r["proven"] for r in sjc_rows),
        "sjc_runs": len(sjc_rows),
        "sjc_seconds": round(sum(r["seconds"] for r in sjc_rows), 1),
        "pmed_exact_max_seconds": max((r["seconds"] for r in exact_rows), default=0.0),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(table(exact_rows, heuristic_rows, sjc_rows))
    print(json.dumps(summary, indent=2))
    out = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "profile": profile_name,
        "machine": machine_facts(),
        "summary": summary,
        "pmed_exact": exact_rows,
        "pmed_heuristic": heuristic_rows,
        "sjc": sjc_rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    progress(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
