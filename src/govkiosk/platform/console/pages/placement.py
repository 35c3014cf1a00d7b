"""Placement (布点): the live coverage map (inline SVG, no tiles), per-district figures and a plan form."""

import math
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.console.deps import (
    ConsolePrincipal,
    ConsoleSession,
    ConsoleWriter,
    optional_int,
    parse_form,
)
from govkiosk.platform.console.rendering import page_url, redirect, render, request_lang
from govkiosk.platform.core.errors import DomainError, InvalidInput
from govkiosk.platform.placement import service as placement
from govkiosk.platform.placement.coverage import DEFAULT_RADIUS_M
from govkiosk.platform.placement.problem import Model
from govkiosk.platform.placement.schemas import PlanCreate, PlanDetail

router = APIRouter(prefix="/console", include_in_schema=False)
Field = Annotated[str, Form()]
MODELS = tuple(m.value for m in Model)
WIDTH, PAD = 960, 18
KM_PER_DEG = 111.32


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection around the data: lon/lat degrees → SVG pixels."""

    lon0: float
    lat1: float
    cos: float
    scale: float  # pixels per degree of latitude

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (PAD + (lon - self.lon0) * self.cos * self.scale, PAD + (self.lat1 - lat) * self.scale)

    def km(self, km: float) -> float:
        return km / KM_PER_DEG * self.scale


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class CoverageMap:
    """What placement.html draws: dot paths per coverage state, markers, labels and a scale bar."""

    width: int
    height: int
    dots: dict[str, str]  # covered / lost / uncovered → SVG path data of zero-length dots
    counts: dict[str, int]
    circle_r: float
    serving: list[Marker]
    down: list[Marker]
    halls: list[Marker]
    chosen: list[Marker]
    labels: list[Marker]
    scale_bar: tuple[float, float, float, str]  # x1, x2, y, label


def projection(lonlat: np.ndarray) -> Projection:
    """Fit all points in WIDTH pixels, north up, metres equal along both axes."""
    lo, hi = lonlat.min(axis=0), lonlat.max(axis=0)
    cos = math.cos(math.radians(float(lo[1] + hi[1]) / 2))
    span = max(float(hi[0] - lo[0]) * cos, 1e-3)
    return Projection(float(lo[0]), float(hi[1]), cos, (WIDTH - 2 * PAD) / span)


def _dots(proj: Projection, lonlat: np.ndarray) -> str:
    return "".join("M{:.1f} {:.1f}h0".format(*proj.xy(lon, lat)) for lon, lat in lonlat)


def coverage_map(live: placement.LiveCoverage, chosen: list[dict[str, Any]], lang: str) -> CoverageMap | None:
    """The map geometry of a live coverage index (and a plan's new sites); None without data."""
    kiosks = live.kiosks
    extra = [(k.lon, k.lat) for k in kiosks] + [(h.lon, h.lat) for h in live.halls]
    everything = np.vstack([live.demand_lonlat, np.array(extra, dtype=float).reshape(-1, 2)])
    if len(everything) == 0:
        return None
    proj = projection(everything)
    now, deployed = live.covered_now, live.covered_deployed
    states = {"covered": now, "lost": deployed & ~now, "uncovered": ~deployed}
    serving_word, down_word = ("can serve", "cannot serve") if lang == "en" else ("可服务", "不可服务")
    height = int(PAD + (proj.lat1 - float(everything[:, 1].min())) * proj.scale + PAD + 24)
    bar = proj.km(5)
    return CoverageMap(
        width=WIDTH,
        height=height,
        dots={k: _dots(proj, live.demand_lonlat[mask]) for k, mask in states.items()},
        counts={k: int(mask.sum()) for k, mask in states.items()},
        circle_r=proj.km(live.read.radius_m / 1000),
        serving=[
            Marker(*proj.xy(k.lon, k.lat), f"#{k.terminal_id} {serving_word}") for k in kiosks if k.serving
        ],
        down=[
            Marker(*proj.xy(k.lon, k.lat), f"#{k.terminal_id} {down_word}: {', '.join(k.reasons)}")
            for k in kiosks
            if not k.serving
        ],
        halls=[Marker(*proj.xy(h.lon, h.lat), h.name) for h in live.halls],
        chosen=[Marker(*proj.xy(s["x"], s["y"]), f"{s['id']} ({s['type']})") for s in chosen],
        labels=[_label(proj, d.lon, d.lat, d.name) for d in live.districts if d.lon and d.lat],
        scale_bar=(PAD, PAD + bar, height - 14, "5 km"),
    )


def _label(proj: Projection, lon: float, lat: float, name: str) -> Marker:
    """A district's name just above its centre, so the hall and kiosks there stay visible."""
    x, y = proj.xy(lon, lat)
    return Marker(x, y - 12, name)


def _node_choices(session: Session, principal: Principal) -> list[tuple[int, str]]:
    """The widest readable subtree and its districts, for the node select."""
    top = placement.scope_node(session, principal, None, Perm.PLACEMENT_READ)
    districts = [d for d in placement.districts_of(session, top) if d.id != top.id]
    return [(top.id, top.name)] + [(d.id, d.name) for d in districts]


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    node_id: int | None,
    radius: float,
    plan: PlanDetail | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    node = placement.scope_node(session, principal, node_id, Perm.PLACEMENT_READ)
    live = placement.live_coverage(session, node, radius)
    chosen = plan.report.get("new_sites", []) if plan else []
    lang = request_lang(request)
    context = {
        "node": node,
        "radius": radius,
        "index": live.read,
        "map": coverage_map(live, chosen, lang),
        "plan": plan,
        "choices": _node_choices(session, principal),
        "may_plan": principal.can(Perm.PLACEMENT_WRITE, node.path),
        "models": MODELS,
        "form": form or _form_values(plan, radius),
        "error": error,
    }
    here = page_url("/console/placement", node_id=node.id)
    return render(request, "placement.html", context, status=422 if error else 200, here=here)


def _form_values(plan: PlanDetail | None, radius: float) -> dict[str, str]:
    """The plan form's fields: the shown plan's options, else defaults."""
    if plan is None:
        return {"model": "mclp", "p": "20", "radius": f"{radius:g}", "method": "exact"}
    options = plan.options
    return {
        "model": plan.model,
        "p": "" if options.get("p") is None else str(options["p"]),
        "radius": f"{options.get('radius') or radius:g}",
        "method": plan.method,
    }


def _radius(value: str) -> float:
    try:
        radius = float(value) if value.strip() else DEFAULT_RADIUS_M
    except ValueError as exc:
        raise InvalidInput(f"radius: '{value[:20]}' is not a number") from exc
    if not 0 < radius <= 20_000:
        raise InvalidInput("radius: between 1 and 20,000 metres")
    return radius


@router.get("/placement", response_class=HTMLResponse)
def coverage_page(
    request: Request,
    principal: ConsolePrincipal,
    session: ConsoleSession,
    node_id: str = "",
    radius: str = "",
    plan: str = "",
) -> Response:
    """The live coverage map and table of a subtree, and a saved plan's sites when one is asked for."""
    plan_id = optional_int(plan)
    shown = placement.get_plan(session, principal, plan_id) if plan_id else None
    return _page(
        request, session, principal, node_id=optional_int(node_id), radius=_radius(radius), plan=shown
    )


@router.post("/placement/plans", response_class=HTMLResponse)
def run_plan(
    request: Request,
    principal: ConsoleWriter,
    session: ConsoleSession,
    node_id: Field = "",
    model: Field = "mclp",
    p: Field = "",
    radius: Field = "",
    method: Field = "exact",
    time_limit: Field = "10",
) -> Response:
    """Run a plan from the form (solved in this request, time-limited), then show it on the map."""
    form = {"model": model, "p": p, "radius": radius, "method": method, "time_limit": time_limit}
    target = optional_int(node_id)
    try:
        data = parse_form(
            PlanCreate, org_node_id=target, model=model, p=optional_int(p), radius=_radius(radius),
            exact=method != "heuristic", time_limit=time_limit or "10",
        )  # fmt: skip
        plan = placement.run_plan(session, principal, data)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        return _page(
            request, session, principal, node_id=target, radius=DEFAULT_RADIUS_M, error=exc.message, form=form
        )
    url = page_url("/console/placement", node_id=plan.org_node_id, radius=f"{data.radius:g}", plan=plan.id)
    return redirect(url + "&done=plan_run")
