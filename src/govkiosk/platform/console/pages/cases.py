"""Cases (办件): the list of cases handled in the user's subtrees, one case's timeline, materials and promised
deadline, and the 办件率 dashboard. Personal data comes masked from the service; reading a case is audited."""

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import Perm
from govkiosk.platform.cases import rates
from govkiosk.platform.cases import service as cases
from govkiosk.platform.cases.deadline import CaseDeadline, compute_deadline
from govkiosk.platform.cases.rate_schemas import CaseRateSeries
from govkiosk.platform.cases.schemas import CaseRead
from govkiosk.platform.cases.states import CaseState
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.schemas import TimeLimit
from govkiosk.platform.console.charts import RatePoint, rate_chart
from govkiosk.platform.console.deps import ConsolePrincipal, ConsoleSession
from govkiosk.platform.console.lookups import PAGE_SIZE, node_names, page_count, page_number
from govkiosk.platform.console.rendering import render
from govkiosk.platform.core.clock import as_utc, utcnow

router = APIRouter(prefix="/console", include_in_schema=False)
# Every state a case can be listed in (drafts never leave the kiosk's submission), in life order.
STATES = tuple(s.value for s in CaseState if s != CaseState.DRAFT)
WEEKS = 12


@dataclass(frozen=True)
class Clock:
    """A case against its promised time limit (承诺时限), as the pages show it."""

    limit: TimeLimit | None
    due_at: datetime | None  # None before acceptance or without a limit
    overdue: bool
    paused: bool
    remaining_days: int | None  # working days left (negative: overdue by); None when not running


class Limits:
    """The promised limit of each item version, looked up once per page."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[tuple[int, int], TimeLimit | None] = {}

    def of(self, case: CaseRead) -> TimeLimit | None:
        key = (case.item_id, case.item_version)
        if key not in self.known:
            self.known[key] = catalog.item_content(self.session, *key)[0].promised_limit
        return self.known[key]


def clock_of(case: CaseRead, limit: TimeLimit | None) -> Clock:
    """Where the case stands against its limit now (or when its clock stopped)."""
    if limit is None:
        return Clock(None, None, False, False, None)
    history = [(CaseState(s.to_state), as_utc(s.at)) for s in case.steps]
    deadline: CaseDeadline = compute_deadline(limit, history, now=utcnow())
    if deadline.due_at is None:
        return Clock(limit, None, False, False, None)
    running = deadline.stopped_at is None and case.closed_at is None
    remaining = deadline.remaining_working_days if running else None
    return Clock(limit, deadline.due_at, deadline.overdue, deadline.paused, remaining)


@router.get("/cases", response_class=HTMLResponse)
def case_list(
    request: Request, principal: ConsolePrincipal, session: ConsoleSession, state: str = "", page: str = "1"
) -> Response:
    """Cases handled at places inside the user's subtrees, newest first, 50 a page, by state."""
    picked = state if state in STATES else ""
    number = page_number(page)
    rows, total = cases.list_cases(
        session, principal, state=picked or None, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    limits = Limits(session)
    context = {
        "items": [(case, clock_of(case, limits.of(case))) for case in rows],
        "total": total,
        "page": number,
        "pages": page_count(total),
        "states": STATES,
        "picked": picked,
        "query": {"state": picked},
    }
    return render(request, "cases.html", context)


@dataclass(frozen=True)
class Week:
    """One week of a district's 办件率, dated by its end (as the 入驻率 chart's points are)."""

    at: datetime
    since: datetime
    rate: float | None
    kiosk: int
    total: int


@dataclass(frozen=True)
class District:
    name: str
    points: list[Week]


def weekly(series: list[CaseRateSeries]) -> list[District]:
    """The service's weekly series in the shape the shared chart code draws."""
    return [
        District(s.name, [Week(p.until, p.since, p.rate, p.kiosk, p.total) for p in s.points]) for s in series
    ]


def _counts(point: RatePoint) -> str:
    """A week's counts for its tooltip: kiosk cases of all cases."""
    return f"({point.kiosk}/{point.total})" if isinstance(point, Week) else ""


@router.get("/cases/rate", response_class=HTMLResponse)
def rate_dashboard(request: Request, principal: ConsolePrincipal, session: ConsoleSession) -> Response:
    """办件率 per district, department and item now, and per district week by week as an SVG chart."""
    paths = [s.path for s in principal.require_any(Perm.CASE_READ)]
    series = weekly(rates.history(session, paths, weeks=WEEKS))
    context = {
        "districts": rates.by_scope(session, paths, "district"),
        "departments": rates.by_scope(session, paths, "department"),
        "items": rates.by_scope(session, paths, "item"),
        "series": series,
        "chart": rate_chart(series, _counts),
    }
    return render(request, "case_rate.html", context)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_detail(
    request: Request, case_id: int, principal: ConsolePrincipal, session: ConsoleSession
) -> Response:
    """One case: facts, the promised deadline, every step (who, when, from → to, why) and its materials."""
    case = cases.get_case(session, principal, case_id)
    context = {
        "c": case,
        "clock": clock_of(case, Limits(session).of(case)),
        "place": node_names(session, [case.org_node_id]).get(case.org_node_id, ""),
    }
    return render(request, "cases_detail.html", context)
