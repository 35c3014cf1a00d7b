"""`govkiosk plan`: placement (布点) on files — CSV/GeoJSON, OR-Library or SJC in; JSON/GeoJSON out."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

from govkiosk.platform.placement.inputs import read_plan_inputs
from govkiosk.platform.placement.problem import Model, PlacementInputError, PlacementProblem, PlanOptions
from govkiosk.platform.placement.readers import read_orlib, read_sjc
from govkiosk.platform.placement.report import build_report, sites_geojson
from govkiosk.platform.placement.solver import solve_plan

plan_app = typer.Typer(help="Placement (布点) planning: MCLP, LSCP, p-median, p-center.")
REPORT_SHARE = 0.08  # of --time-limit, kept for the report after the solve (coverage again, distances, JSON)


def load_problem(
    demand: Path | None, candidates: Path | None, existing: Path | None, travel_times: Path | None,
    orlib: Path | None, sjc: tuple[Path, Path] | None,
) -> PlacementProblem:  # fmt: skip
    """Exactly one input source: our files, an OR-Library file, or an SJC pair."""
    sources = [demand is not None or candidates is not None, orlib is not None, sjc is not None]
    if sum(sources) != 1:
        raise PlacementInputError(
            "give exactly one input: --demand/--candidates, --orlib FILE or --sjc POINTS DEMAND"
        )
    if orlib is not None:
        return read_orlib(orlib)
    if sjc is not None:
        return read_sjc(*sjc)
    if demand is None or candidates is None:
        raise PlacementInputError("--demand and --candidates go together")
    return read_plan_inputs(demand, candidates, existing, travel_times)


def parse_district_min(items: list[str]) -> dict[str, int]:
    """`DISTRICT=N` items -> {district: N}."""
    result: dict[str, int] = {}
    for item in items:
        name, sep, count = item.rpartition("=")
        if not sep or not name or not count.strip().isdigit():
            raise PlacementInputError(f"--district-min '{item}': expected DISTRICT=N with N ≥ 0")
        result[name.strip()] = int(count)
    return result


def plan(
    model: Model = typer.Argument(..., help="mclp | lscp | pmedian | pcenter"),
    demand: Path = typer.Option(
        None, help="demand points CSV/GeoJSON (id, x,y or lon,lat, population, district)"
    ),
    candidates: Path = typer.Option(
        None, help="candidate sites CSV/GeoJSON (id, coords, type, cost, district)"
    ),
    existing: Path = typer.Option(None, help="existing facilities, fixed open (CSV/GeoJSON)"),
    travel_times: Path = typer.Option(None, help="travel-time table CSV: origin,destination,minutes"),
    orlib: Path = typer.Option(None, help="an OR-Library p-median file (pmedN.txt)"),
    sjc: tuple[Path, Path] | None = typer.Option(None, help="SJC{n}.txt and demand-SJC{n}.dat"),
    p: int = typer.Option(None, "-p", help="number of new sites (default: the file's p for OR-Library)"),
    radius: float = typer.Option(
        None, help="coverage radius: metres, or minutes with --travel-times (inclusive)"
    ),
    budget: float = typer.Option(None, help="upper limit on the summed cost of new sites"),
    district_min: list[str] = typer.Option([], help="DISTRICT=N: at least N new sites there (repeatable)"),
    capacitated: bool = typer.Option(False, help="p-median with site capacities (exact only)"),
    exact: bool = typer.Option(
        True, "--exact/--heuristic", help="prove optimality with HiGHS, or heuristic only"
    ),
    time_limit: float = typer.Option(60.0, help="seconds"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    out_geojson: Path = typer.Option(None, help="write the open sites as GeoJSON"),
    report: Path = typer.Option(None, help="write the full JSON report"),
) -> None:
    """Plan where new kiosks go: MCLP, LSCP, p-median or p-center, exact (HiGHS) or heuristic."""
    started = time.monotonic()  # --time-limit covers reading, solving and the report
    try:
        problem = load_problem(demand, candidates, existing, travel_times, orlib, sjc)
        solve_limit = max(0.0, (1.0 - REPORT_SHARE) * time_limit - (time.monotonic() - started))
        options = PlanOptions(
            p, radius, budget, parse_district_min(district_min), capacitated, solve_limit, True
        )
        result = solve_plan(problem, model, options, exact_mode=exact)
        full = build_report(problem, result, options)
    except PlacementInputError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    if out_geojson is not None:
        out_geojson.write_text(json.dumps(sites_geojson(problem, result), ensure_ascii=False, indent=1))
    if report is not None:
        report.write_text(json.dumps(full, ensure_ascii=False, indent=2))
    typer.echo(json.dumps(full, ensure_ascii=False) if as_json else summary(full))
    if result.status == "infeasible":
        typer.echo(f"error: {infeasible_reason(model, options)}", err=True)
        raise typer.Exit(1)


plan_app.command("plan")(plan)


def infeasible_reason(model: Model, options: PlanOptions) -> str:
    """Which limits could not be met together (each one alone was checked on input)."""
    limits = [f"-p {options.p}" if options.p is not None else ""]
    limits += [f"--budget {options.budget:g}" if options.budget is not None else ""]
    limits += [f"--district-min {d}={n}" for d, n in sorted(options.district_min.items())]
    asked = ", ".join(x for x in limits if x) or "no limits"
    goal = "covering every coverable demand point" if model is Model.LSCP else "a plan"
    return f"no plan meets {asked} together ({goal}); relax one of them"


def summary(report: dict[str, Any]) -> str:
    """A few lines for a person: what was solved, how sure, what changes against today's network."""
    plan_fig, current = report["plan"], report["current_network"]
    gap = "—" if report["gap"] is None else f"{100 * report['gap']:.3f} %"
    sites = report["sites"]
    more = " …" if len(sites) > 20 else ""
    head = f"{report['model']} on {report['problem']} ({report['method']})"
    lines = [
        f"{head}: {report['status']} in {report['seconds']:.2f} s",
        f"objective {report['objective']}  bound {report['bound']}  gap {gap}",
        f"new sites ({len(sites)}): {', '.join(sites[:20])}{more}",
        f"mean distance {_num(current['mean_distance'])} -> {_num(plan_fig['mean_distance'])}; "
        f"max {_num(current['max_distance'])} -> {_num(plan_fig['max_distance'])}",
    ]
    if "coverage" in plan_fig:
        lines.append(
            f"covered within {plan_fig['radius']:g}: "
            f"{_pct(current['coverage'])} -> {_pct(plan_fig['coverage'])}"
        )
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"
