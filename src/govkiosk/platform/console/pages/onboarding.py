"""Onboarding (入驻): the review queue, one onboarding's checks, history and review actions, and the 入驻率
dashboard with its weekly chart drawn server-side as inline SVG (geometry from console/charts.py)."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.console.charts import RatePoint, rate_chart
from govkiosk.platform.console.deps import ConsolePrincipal, ConsoleSession, ConsoleWriter, optional_int
from govkiosk.platform.console.lookups import PAGE_SIZE, node_choices, node_names, page_count, page_number
from govkiosk.platform.console.rendering import page_url, redirect, render
from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.onboarding import rates
from govkiosk.platform.onboarding import service as onboarding
from govkiosk.platform.onboarding.models import Onboarding
from govkiosk.platform.onboarding.schemas import OnboardingState, PublishTargets, RateAt
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind
from govkiosk.platform.terminals import service as terminals

router = APIRouter(prefix="/console", include_in_schema=False)
Field = Annotated[str, Form()]
STATES = tuple(s.value for s in OnboardingState)
# The review operations in button order, and whether each needs a reason.
OPERATIONS: tuple[tuple[str, bool], ...] = (
    ("approve", False),
    ("publish", False),
    ("reject", True),
    ("suspend", True),
    ("resume", False),
    ("withdraw", True),
)
WEEKS = 12


def _department_ids(session: Session, principal: Principal) -> list[int]:
    """Departments in the principal's catalog subtrees; Forbidden (403) without catalog:read."""
    paths = [s.path for s in principal.require_any(Perm.CATALOG_READ)]
    return catalog.visible_department_ids(session, paths)


@router.get("/onboarding", response_class=HTMLResponse)
def queue(
    request: Request,
    principal: ConsolePrincipal,
    session: ConsoleSession,
    state: str = OnboardingState.IN_REVIEW.value,
    page: str = "1",
) -> Response:
    """The review queue: onboardings of the user's departments in one state (in review unless asked)."""
    departments = _department_ids(session, principal)
    picked = state if state in STATES else "all"
    number = page_number(page)
    found = onboarding.list_onboardings(
        session,
        department_ids=departments,
        state=None if picked == "all" else picked,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    context = {
        "items": found.items,
        "total": found.total,
        "page": number,
        "pages": page_count(found.total),
        "states": STATES,
        "picked": picked,
        "query": {"state": picked},
    }
    return render(request, "onboarding.html", context)


@dataclass(frozen=True)
class Action:
    name: str
    reason_required: bool


def allowed_actions(state: str, may_review: bool) -> list[Action]:
    """The operations the onboarding's state allows, when the user may review it."""
    if not may_review:
        return []
    return [Action(name, needs) for name, needs in OPERATIONS if state in onboarding.MOVES[name][0]]


def _detail(
    request: Request,
    session: Session,
    principal: Principal,
    record: Onboarding,
    error: str | None = None,
) -> Response:
    read = onboarding.reads(session, [record])[0]
    path = orgs.get_path(session, catalog.get_department(session, record.department_id).org_node_id)
    actions = allowed_actions(read.state, principal.can(Perm.ONBOARDING_REVIEW, path))
    context = {
        "o": read,
        "actions": actions,
        "error": error,
        "node_groups": node_choices(session, principal, [OrgKind.DISTRICT, OrgKind.STREET])
        if any(a.name == "publish" for a in actions)
        else [],
        "profiles": terminals.profiles(session),
        "node_names": node_names(session, read.org_node_ids),
        "profile_names": {p.id: p.name for p in terminals.profiles(session)},
    }
    status = 422 if error else 200
    return render(
        request, "onboarding_detail.html", context, status=status, here=f"/console/onboarding/{record.id}"
    )


def _counts(point: RatePoint) -> str:
    """A week's counts for its tooltip: kiosk-enabled of eligible items."""
    return f"({point.enabled}/{point.eligible})" if isinstance(point, RateAt) else ""


@router.get("/onboarding/rates", response_class=HTMLResponse)
def rate_dashboard(request: Request, principal: ConsolePrincipal, session: ConsoleSession) -> Response:
    """入驻率 per district and per department now, and per district week by week as an SVG chart."""
    paths = [s.path for s in principal.require_any(Perm.CATALOG_READ)]
    series = rates.history(session, paths, weeks=WEEKS)
    context = {
        "districts": rates.by_district(session, paths),
        "departments": rates.by_department(session, paths),
        "series": series,
        "chart": rate_chart(series, _counts),
    }
    return render(request, "rates.html", context)


@router.get("/onboarding/{onboarding_id}", response_class=HTMLResponse)
def detail(
    request: Request, onboarding_id: int, principal: ConsolePrincipal, session: ConsoleSession
) -> Response:
    """One onboarding: its checks, every step (who, when, from → to, why) and the review actions."""
    _department_ids(session, principal)
    record = onboarding.reviewable(session, principal, onboarding_id, Perm.CATALOG_READ)
    return _detail(request, session, principal, record)


async def _form(request: Request) -> FormData:
    return await request.form()


def _ids(form: FormData, name: str) -> list[int]:
    return [i for i in (optional_int(str(v)) for v in form.getlist(name)) if i is not None]


@router.post("/onboarding/{onboarding_id}/publish", response_class=HTMLResponse)
def publish(
    request: Request,
    onboarding_id: int,
    principal: ConsoleWriter,
    session: ConsoleSession,
    form: Annotated[FormData, Depends(_form)],
) -> Response:
    """Publish an approved onboarding to the chosen org subtrees and terminal profiles."""
    record = onboarding.reviewable(session, principal, onboarding_id, Perm.ONBOARDING_REVIEW)
    reason = str(form.get("reason", "")).strip()[:1000] or None
    nodes = _ids(form, "org_node_ids")
    if not nodes:
        return _detail(request, session, principal, record, "org_node_ids: choose at least one org node")
    targets = PublishTargets(org_node_ids=nodes, profile_ids=_ids(form, "profile_ids"), reason=reason)
    try:
        onboarding.publish(session, principal, record, targets)
    except InvalidInput as exc:
        return _detail(request, session, principal, record, exc.message)
    return redirect(page_url(f"/console/onboarding/{onboarding_id}", done="onb_publish"))


@router.post("/onboarding/{onboarding_id}/{operation}", response_class=HTMLResponse)
def review(
    request: Request,
    onboarding_id: int,
    operation: str,
    principal: ConsoleWriter,
    session: ConsoleSession,
    reason: Field = "",
) -> Response:
    """approve, reject, suspend, resume or withdraw (reject, suspend and withdraw need a reason)."""
    if operation not in onboarding.MOVES or operation == "publish":
        raise InvalidInput(f"unknown review operation {operation[:20]}")
    record = onboarding.reviewable(session, principal, onboarding_id, Perm.ONBOARDING_REVIEW)
    try:
        onboarding.move(session, principal.actor, record, operation, reason=reason.strip()[:1000] or None)
    except InvalidInput as exc:
        return _detail(request, session, principal, record, exc.message)
    return redirect(page_url(f"/console/onboarding/{onboarding_id}", done=f"onb_{operation}"))
