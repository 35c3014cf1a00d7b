"""Use cases of placement (布点): the live coverage index of a subtree, plans run and saved, demo seeding."""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.audit import service as audit
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.core.errors import InvalidInput, NotFound
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind, OrgNode, path_ids
from govkiosk.platform.placement import coverage, repository
from govkiosk.platform.placement.models import DemandPoint, PlacementPlan, PlacementSite
from govkiosk.platform.placement.problem import Metric, PlacementProblem, PlanOptions, make_demand, make_sites
from govkiosk.platform.placement.report import build_report, sites_geojson
from govkiosk.platform.placement.schemas import (
    CoverageFigures,
    CoverageRead,
    DistrictCoverage,
    KioskPoint,
    PlanCreate,
    PlanDetail,
    PlanRead,
)
from govkiosk.platform.placement.solver import solve_plan
from govkiosk.platform.terminals import service as terminals

KIOSK_KIND = "kiosk"  # a deployed kiosk's site, an existing facility in plans


def scope_node(session: Session, principal: Principal, node_id: int | None, perm: Perm) -> OrgNode:
    """Node `node_id` (default: the widest subtree where `perm` holds), if `perm` holds on it."""
    scopes = principal.require_any(perm)
    if node_id is None:
        node_id = path_ids(min((s.path for s in scopes), key=len))[-1]
    node = orgs.get(session, node_id)
    principal.require(perm, node.path)
    return node


# --- the live coverage index ------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveCoverage:
    """The index of a subtree with what a map needs: points, kiosks, halls and district centres."""

    read: CoverageRead
    demand_lonlat: np.ndarray
    covered_now: np.ndarray
    covered_deployed: np.ndarray
    kiosks: list[KioskPoint]
    halls: list[PlacementSite]
    districts: list[OrgNode]


def districts_of(session: Session, node: OrgNode) -> list[OrgNode]:
    """The districts in the subtree of `node`, or the district above it."""
    found = list(orgs.list_nodes(session, under=node, kind=OrgKind.DISTRICT))
    if found:
        return found
    return [n for n in orgs.ancestors(session, node) if n.kind == OrgKind.DISTRICT]


def _demand(session: Session, path: str) -> coverage.Demand:
    rows = repository.demand_under(session, path)
    return coverage.Demand(
        lonlat=np.array([(r.lon, r.lat) for r in rows], dtype=float).reshape(len(rows), 2),
        population=np.array([r.population for r in rows], dtype=float),
        district=np.array([r.org_node_id for r in rows], dtype=np.int64),
    )


def deployed_kiosks(session: Session, path: str, district_ids: set[int]) -> tuple[list[coverage.Kiosk], int]:
    """Approved kiosks under `path` with their site's coordinates and whether each can serve now; and
    how many stand at a site without coordinates."""
    critical = {p.id: list(p.critical_devices or []) for p in terminals.profiles(session)}
    kiosks, unplaced = [], 0
    for row in repository.kiosks_under(session, path):
        if row.lat is None or row.lon is None:
            unplaced += 1
            continue
        reasons = coverage.why_not_serving(
            approved=True,
            connectivity=row.connectivity,
            issues=row.device_issues or [],
            critical=critical.get(row.profile_id, []),
        )
        district = next((i for i in path_ids(row.path) if i in district_ids), None)
        kiosks.append(coverage.Kiosk(row.id, row.lon, row.lat, district, not reasons, reasons))
    return kiosks, unplaced


def _figures(f: coverage.Figures) -> dict[str, Any]:
    return {
        "population": f.population,
        "covered_now": f.covered_now,
        "covered_deployed": f.covered_deployed,
        "share_now": f.share_now,
        "share_deployed": f.share_deployed,
        "kiosks": f.kiosks,
        "serving": f.serving,
    }


def live_coverage(session: Session, node: OrgNode, radius: float = coverage.DEFAULT_RADIUS_M) -> LiveCoverage:
    """The coverage index of the subtree of `node` now (no authorisation: callers check)."""
    started = time.perf_counter()
    districts = districts_of(session, node)
    demand = _demand(session, node.path)
    kiosks, unplaced = deployed_kiosks(session, node.path, {d.id for d in districts})
    index = coverage.compute_index(demand, kiosks, radius)
    rows = [
        DistrictCoverage(node_id=d.id, name=d.name, **_figures(index.districts[d.id]))
        for d in districts
        if d.id in index.districts
    ]
    read = CoverageRead(
        node_id=node.id,
        radius_m=radius,
        total=CoverageFigures(**_figures(index.total)),
        districts=rows,
        demand_points=len(demand.population),
        unplaced_kiosks=unplaced,
        compute_ms=round((time.perf_counter() - started) * 1000, 2),
    )
    points = [KioskPoint(terminal_id=k.terminal_id, lon=k.lon, lat=k.lat, serving=k.serving,
                         reasons=list(k.reasons)) for k in kiosks]  # fmt: skip
    halls = [site for site, _ in repository.sites_under(session, node.path, existing=True)]
    return LiveCoverage(
        read, demand.lonlat, index.covered_now, index.covered_deployed, points, halls, districts
    )


def coverage_index(
    session: Session, principal: Principal, *, node_id: int | None, radius: float
) -> CoverageRead:
    """The live coverage index of a subtree the principal may read."""
    node = scope_node(session, principal, node_id, Perm.PLACEMENT_READ)
    return live_coverage(session, node, radius).read


# --- plans ------------------------------------------------------------------------------------------


def build_problem(session: Session, node: OrgNode, *, include_kiosks: bool) -> PlacementProblem:
    """The stored demand, candidates and existing facilities of a subtree (plus kiosks' sites)."""
    demand = repository.demand_under(session, node.path)
    if not demand:
        raise InvalidInput(f"no demand points under {node.name}; load placement data first")
    sites = list(repository.sites_under(session, node.path))
    rows = [(s.code, s.lon, s.lat, s.kind, s.cost, name, s.existing) for s, name in sites]
    if include_kiosks:
        rows += _kiosk_sites(session, node)
    if not any(not r[6] for r in rows):
        raise InvalidInput(f"no candidate sites under {node.name}")
    points = make_demand(
        [r.code for r in demand],
        np.array([(r.lon, r.lat) for r in demand], dtype=float),
        np.array([r.population for r in demand], dtype=float),
        np.array([r.name for r in demand], dtype=object),
    )
    fixed = np.array([r[6] for r in rows], dtype=bool)
    places = make_sites(
        [r[0] for r in rows],
        np.array([(r[1], r[2]) for r in rows], dtype=float),
        fixed=fixed,
        cost=np.where(fixed, 0.0, [r[4] for r in rows]),
        district=np.array([r[5] for r in rows], dtype=object),
        kind=np.array([r[3] for r in rows], dtype=object),
    )
    return PlacementProblem(node.name, points, places, Metric.HAVERSINE)


def _kiosk_sites(session: Session, node: OrgNode) -> list[tuple[str, float, float, str, float, str, bool]]:
    """One existing facility per site with an approved kiosk (the network as deployed)."""
    districts = {d.id: d.name for d in districts_of(session, node)}
    seen: dict[tuple[float, float], tuple[str, float, float, str, float, str, bool]] = {}
    for row in repository.kiosks_under(session, node.path):
        if row.lat is None or row.lon is None:
            continue
        district = next((districts[i] for i in path_ids(row.path) if i in districts), "")
        site_id = path_ids(row.path)[-1]
        seen.setdefault(
            (row.lon, row.lat), (f"site-{site_id}", row.lon, row.lat, KIOSK_KIND, 0.0, district, True)
        )
    return list(seen.values())


def run_plan(session: Session, principal: Principal, data: PlanCreate) -> PlanDetail:
    """Solve a plan over the stored data of a subtree (in this thread, time-limited) and save it."""
    node = scope_node(session, principal, data.org_node_id, Perm.PLACEMENT_WRITE)
    problem = build_problem(session, node, include_kiosks=data.include_kiosks)
    options = PlanOptions(
        p=data.p, radius=data.radius, budget=data.budget, district_min=dict(data.district_min),
        time_limit=data.time_limit,
    )  # fmt: skip
    result = solve_plan(problem, data.model, options, exact_mode=data.exact)
    report = build_report(problem, result, options)
    plan = PlacementPlan(
        org_node_id=node.id,
        model=result.model.value,
        method=result.method,
        status=result.status,
        objective=result.objective,
        seconds=round(result.seconds, 3),
        options=data.model_dump(mode="json"),
        inputs=_inputs(problem),
        result={"report": report, "geojson": sites_geojson(problem, result)},
        created_by=principal.username,
        created_at=utcnow(),
    )
    repository.add(session, plan)
    audit.record(
        session, principal.actor, "placement.plan", object_type="placement_plan", object_id=plan.id,
        org_path=node.path, detail={"model": plan.model, "status": plan.status, "p": data.p},
    )  # fmt: skip
    return to_detail(plan)


def _inputs(problem: PlacementProblem) -> dict[str, Any]:
    sites = problem.sites
    kinds, counts = np.unique(sites.kind.astype(str), return_counts=True)
    return {
        "demand_points": len(problem.demand),
        "population": float(problem.demand.weight.sum()),
        "candidates": int((~sites.fixed).sum()),
        "existing": int(sites.fixed.sum()),
        "site_kinds": {str(k): int(c) for k, c in zip(kinds, counts, strict=True)},
    }


def to_detail(plan: PlacementPlan) -> PlanDetail:
    """A saved plan with its report and GeoJSON."""
    base = PlanRead.model_validate(plan).model_dump()
    return PlanDetail(**base, report=plan.result.get("report", {}), geojson=plan.result.get("geojson", {}))


def get_plan(session: Session, principal: Principal, plan_id: int) -> PlanDetail:
    """One saved plan the principal may read."""
    found = repository.get_plan(session, plan_id)
    if found is None:
        raise NotFound(f"placement plan {plan_id} does not exist")
    plan, path = found
    principal.require(Perm.PLACEMENT_READ, path)
    return to_detail(plan)


def list_plans(
    session: Session, principal: Principal, *, limit: int, offset: int
) -> tuple[list[PlanRead], int]:
    """Saved plans under the principal's subtrees, newest first."""
    paths = [s.path for s in principal.require_any(Perm.PLACEMENT_READ)]
    rows, total = repository.list_plans(session, paths=paths, limit=limit, offset=offset)
    return [PlanRead.model_validate(r) for r in rows], total


# --- loading data (demo seeding, imports) -----------------------------------------------------------


def add_demand_points(session: Session, points: Sequence[DemandPoint]) -> int:
    """Store demand points (no authorisation: seeding and imports)."""
    repository.add(session, *points)
    return len(points)


def add_sites(session: Session, sites: Sequence[PlacementSite]) -> int:
    """Store candidate and existing sites (no authorisation: seeding and imports)."""
    repository.add(session, *sites)
    return len(sites)
