"""Our placement solver side by side with PySAL's spopt (PuLP + its bundled CBC) on the same inputs.

    .venv/bin/python -m benchmarks.placement_spopt [--quick] [--repeat N] [--out FILE]

Instances: São José dos Campos (every SJC instance; `--quick`: SJC324 and SJC402) at radii 800 and
1200 m, MCLP with p = 5 and 10 and LSCP; OR-Library pmed1–5 (`--quick`: pmed1–2) as p-median with the
file's p. Ours: `solve_plan(..., exact_mode=True)` (heuristic warm start, HiGHS, proven optimal).
spopt: `MCLP/LSCP/PMedian.from_cost_matrix(...)` then `.solve(pulp.PULP_CBC_CMD(msg=False), results=False)`.

Timing is end to end for each side — model build and solve — and excludes reading the files. The inputs
both sides get are prepared once, outside the timing: the problem (`read_sjc` / `read_orlib`) for ours,
the dense cost matrix for spopt (Euclidean `cdist` for SJC, the all-pairs shortest paths of the reader
for pmed). Our side builds its coverage matrix from the coordinates inside the timed call; spopt is handed
the distances, so the comparison is, if anything, tilted towards spopt. Each case runs `--repeat` times,
the two sides alternating (ours first on even rounds, spopt first on odd rounds); the median is reported.
One untimed warm-up of each side comes first (imports, first HiGHS/CBC start).

Both must reach the same optimal objective (covered population, number of sites, summed distance).
The ratio is spopt seconds ÷ our seconds, per case and overall (sum ÷ sum, and the geometric mean).

spopt is a benchmark-only dependency (extra `bench`); without it this script says so and stops.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial.distance import cdist

from benchmarks.common import ROOT, machine_facts, progress
from govkiosk.platform.placement.problem import Model, PlacementProblem, PlanOptions
from govkiosk.platform.placement.readers import read_orlib, read_sjc
from govkiosk.platform.placement.solver import solve_plan

DATA = ROOT.parent / "shared" / "data" / "placement"
RADII = (800.0, 1200.0)
PROFILES: dict[str, dict[str, Any]] = {
    "full": {"sjc": [324, 402, 500, 708, 818], "p": [5, 10], "pmed": [1, 2, 3, 4, 5], "repeat": 2},
    "quick": {"sjc": [324, 402], "p": [5, 10], "pmed": [1, 2], "repeat": 1},
}
TIME_LIMIT = 300.0  # per solve, each side
INSTALL_HINT = "install it with: .venv/bin/pip install -e '.[bench]'  (or: .venv/bin/pip install spopt)"


@dataclass(frozen=True)
class Case:
    """One comparison: the same model on the same data for both sides."""

    instance: str
    model: Model
    radius: float | None
    p: int | None
    problem: PlacementProblem
    cost: np.ndarray  # dense n × m distances for spopt

    @property
    def label(self) -> str:
        radius = "" if self.radius is None else f" r={self.radius:g}"
        p = "" if self.p is None else f" p={self.p}"
        return f"{self.model.value} {self.instance}{radius}{p}"


def spopt_available() -> str | None:
    """None when spopt and PuLP's CBC can run; otherwise why not."""
    try:
        import pulp
        import spopt.locate  # noqa: F401
    except ImportError as exc:
        return f"spopt is not importable ({exc}); {INSTALL_HINT}"
    if not pulp.PULP_CBC_CMD(msg=False).available():
        return "PuLP's bundled CBC solver (PULP_CBC_CMD) is not available on this machine"
    return None


def cases(profile: dict[str, Any]) -> list[Case]:
    """Every (instance, model, radius, p) of the profile, inputs prepared once."""
    out: list[Case] = []
    for n in profile["sjc"]:
        problem = read_sjc(DATA / "sjc" / f"SJC{n}.txt", DATA / "sjc" / f"demand-SJC{n}.dat")
        cost = cdist(problem.demand.xy, problem.sites.xy)
        for radius in RADII:
            for p in profile["p"]:
                out.append(Case(problem.name, Model.MCLP, radius, p, problem, cost))
            out.append(Case(problem.name, Model.LSCP, radius, None, problem, cost))
    for k in profile["pmed"]:
        problem = read_orlib(DATA / "orlib-pmed" / f"pmed{k}.txt")
        assert problem.matrix is not None
        out.append(Case(problem.name, Model.PMEDIAN, None, problem.default_p, problem, problem.matrix))
    return out


def run_ours(case: Case) -> tuple[float, float | None, str]:
    """solve_plan in exact mode: seconds, objective, status."""
    options = PlanOptions(p=case.p, radius=case.radius, time_limit=TIME_LIMIT)
    started = time.perf_counter()
    result = solve_plan(case.problem, case.model, options, exact_mode=True)
    seconds = time.perf_counter() - started
    plan = plan_objective(case, result.is_open)
    status = result.status
    if result.objective is not None and not same_objective(result.objective, plan):
        status = f"{status}, but the returned plan's own objective is {plan:g}"
    return seconds, result.objective, status


def plan_objective(case: Case, is_open: np.ndarray) -> float:
    """The objective of a set of open sites, recomputed from the cost matrix (a check on the solver)."""
    if not is_open.any():
        return float("nan")
    w = case.problem.demand.weight
    if case.model is Model.MCLP:
        return float(w[(case.cost[:, is_open] <= case.radius).any(axis=1)].sum())
    if case.model is Model.LSCP:
        return float((is_open & ~case.problem.sites.fixed).sum())
    return float(w @ case.cost[:, is_open].min(axis=1))


def run_spopt(case: Case) -> tuple[float, float | None, str]:
    """spopt from the cost matrix, solved with PuLP's CBC: seconds, objective, status."""
    import pulp
    from spopt.locate import LSCP, MCLP, PMedian

    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=TIME_LIMIT)
    w = case.problem.demand.weight
    started = time.perf_counter()
    if case.model is Model.MCLP:
        assert case.radius is not None and case.p is not None
        model: Any = MCLP.from_cost_matrix(case.cost, w, service_radius=case.radius, p_facilities=case.p)
    elif case.model is Model.LSCP:
        assert case.radius is not None
        model = LSCP.from_cost_matrix(case.cost, service_radius=case.radius)
    else:
        assert case.p is not None
        model = PMedian.from_cost_matrix(case.cost, w, p_facilities=case.p)
    model.solve(solver, results=False)
    seconds = time.perf_counter() - started
    value = model.problem.objective.value()
    return seconds, None if value is None else float(value), pulp.LpStatus[model.problem.status].lower()


def same_objective(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= 1e-6 * max(1.0, abs(a))


def compare(case: Case, repeat: int) -> dict[str, Any]:
    """Alternate the two sides `repeat` times; medians, objectives and the ratio."""
    ours: list[tuple[float, float | None, str]] = []
    theirs: list[tuple[float, float | None, str]] = []
    for k in range(repeat):
        order: list[tuple[Callable[[Case], tuple[float, float | None, str]], list]] = [
            (run_ours, ours),
            (run_spopt, theirs),
        ]
        for run, sink in order if k % 2 == 0 else reversed(order):
            sink.append(run(case))
    ours_s = statistics.median(r[0] for r in ours)
    spopt_s = statistics.median(r[0] for r in theirs)
    ours_obj, ours_status = ours[-1][1], ours[-1][2]
    spopt_obj, spopt_status = theirs[-1][1], theirs[-1][2]
    return {
        "instance": case.instance,
        "n": len(case.problem.demand),
        "model": case.model.value,
        "radius": case.radius,
        "p": case.p,
        "ours_objective": ours_obj,
        "ours_status": ours_status,
        "ours_seconds": round(ours_s, 4),
        "ours_seconds_all": [round(r[0], 4) for r in ours],
        "spopt_objective": spopt_obj,
        "spopt_status": spopt_status,
        "spopt_seconds": round(spopt_s, 4),
        "spopt_seconds_all": [round(r[0], 4) for r in theirs],
        "same_objective": same_objective(ours_obj, spopt_obj),
        "ratio": round(spopt_s / ours_s, 2) if ours_s > 0 else None,
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Overall ratios, and per model family."""

    def block(selected: list[dict[str, Any]]) -> dict[str, Any]:
        ratios = [r["ratio"] for r in selected if r["ratio"]]
        ours = sum(r["ours_seconds"] for r in selected)
        theirs = sum(r["spopt_seconds"] for r in selected)
        return {
            "cases": len(selected),
            "same_objective": sum(r["same_objective"] for r in selected),
            "ours_seconds_total": round(ours, 3),
            "spopt_seconds_total": round(theirs, 3),
            "ratio_of_totals": round(theirs / ours, 2) if ours else None,
            "ratio_geomean": round(math.exp(statistics.fmean(math.log(x) for x in ratios)), 2)
            if ratios
            else None,
            "ratio_min": min(ratios) if ratios else None,
            "ratio_max": max(ratios) if ratios else None,
            "cases_at_least_10x": sum(x >= 10 for x in ratios),
        }

    out = {"overall": block(rows)}
    for model in ("mclp", "lscp", "pmedian"):
        selected = [r for r in rows if r["model"] == model]
        if selected:
            out[model] = block(selected)
    return out


def table(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    head = (
        f"{'instance':8s} {'model':7s} {'radius':>6s} {'p':>3s} {'objective':>12s} {'same':>4s} "
        f"{'ours s':>8s} {'spopt s':>8s} {'ratio':>7s}"
    )
    lines = [head]
    for r in rows:
        radius = "" if r["radius"] is None else f"{r['radius']:.0f}"
        p = "" if r["p"] is None else str(r["p"])
        obj = "—" if r["ours_objective"] is None else f"{r['ours_objective']:.0f}"
        lines.append(
            f"{r['instance']:8s} {r['model']:7s} {radius:>6s} {p:>3s} {obj:>12s} "
            f"{'yes' if r['same_objective'] else 'NO':>4s} "
            f"{r['ours_seconds']:8.3f} {r['spopt_seconds']:8.3f} "
            f"{r['ratio']:6.1f}×"
        )
    lines.append("")
    for name, s in summary.items():
        lines.append(
            f"{name:8s} {s['cases']:2d} cases, same objective {s['same_objective']}/{s['cases']}; "
            f"ours {s['ours_seconds_total']:.2f} s, spopt {s['spopt_seconds_total']:.2f} s; "
            f"ratio of totals {s['ratio_of_totals']}×, geometric mean {s['ratio_geomean']}×, "
            f"min {s['ratio_min']}×, ≥10× in {s['cases_at_least_10x']}/{s['cases']}"
        )
    return "\n".join(lines)


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {}
    for dist in ("spopt", "pulp", "highspy", "numpy", "scipy"):
        try:
            out[dist] = version(dist)
        except Exception:  # noqa: BLE001 - a missing distribution is just not listed
            continue
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="SJC324/402 and pmed1–2, one round")
    parser.add_argument("--repeat", type=int, default=None, help="rounds per case (median reported)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "placement_spopt.json")
    args = parser.parse_args()
    missing = spopt_available()
    if missing is not None:
        print(f"placement_spopt skipped: {missing}", file=sys.stderr)
        return 0
    if not (DATA / "sjc").is_dir() or not (DATA / "orlib-pmed").is_dir():
        print(f"placement_spopt skipped: reference data not found at {DATA}", file=sys.stderr)
        return 0
    profile_name = "quick" if args.quick else "full"
    profile = PROFILES[profile_name]
    repeat = args.repeat if args.repeat is not None else profile["repeat"]
    load_before = os.getloadavg()
    all_cases = cases(profile)
    progress(
        f"placement vs spopt ({profile_name}): {len(all_cases)} cases, {repeat} round(s) each, alternating"
    )
    warm = next(c for c in all_cases if c.model is Model.MCLP)
    run_ours(warm)
    run_spopt(warm)
    progress(f"  warmed up on {warm.label}")
    rows = []
    for case in all_cases:
        row = compare(case, repeat)
        rows.append(row)
        progress(
            f"  {case.label:26s} objective ours {row['ours_objective']} ({row['ours_status']}) "
            f"spopt {row['spopt_objective']} ({row['spopt_status']}); "
            f"{row['ours_seconds']:.3f} s vs {row['spopt_seconds']:.3f} s = {row['ratio']}×"
        )
    summary = summarise(rows)
    print(table(rows, summary))
    payload = {
        "benchmark": "placement_spopt",
        "profile": profile_name,
        "repeat": repeat,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "versions": versions(),
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        "timing": "end to end per side (model build + solve), file reading excluded; median of the rounds",
        "spopt_solver": "pulp.PULP_CBC_CMD(msg=False) (bundled CBC), solve(results=False)",
        "ours": "solve_plan(exact_mode=True): heuristic warm start + HiGHS",
        "summary": summary,
        "cases": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    progress(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
