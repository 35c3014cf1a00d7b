"""Searching the audit log (auditors)."""

from datetime import date, datetime, time, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from govkiosk.platform.audit import service as audit
from govkiosk.platform.audit.schemas import AuditQuery
from govkiosk.platform.console.deps import ConsolePrincipal, ConsoleSession, require_section
from govkiosk.platform.console.lookups import PAGE_SIZE, page_count, page_number
from govkiosk.platform.console.rendering import CHINA_TIME, render
from govkiosk.platform.core.errors import InvalidInput

router = APIRouter(prefix="/console", include_in_schema=False)
OUTCOMES = ("success", "failed", "denied")


def _day_start(value: str, *, days: int = 0) -> datetime | None:
    """The start of a day given as YYYY-MM-DD in China time, moved by `days`."""
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"'{value[:20]}' is not a date (YYYY-MM-DD)") from exc
    return datetime.combine(day + timedelta(days=days), time(), CHINA_TIME)


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    principal: ConsolePrincipal,
    session: ConsoleSession,
    actor: str = "",
    action: str = "",
    outcome: str = "",
    object_type: str = "",
    since: str = "",
    until: str = "",
    page: str = "1",
) -> Response:
    """Search the audit log inside the auditor's subtrees; the search itself is audited."""
    require_section(principal, "audit")
    query = AuditQuery(
        actor=actor.strip() or None,
        action=action.strip() or None,
        object_type=object_type.strip() or None,
        outcome=outcome if outcome in OUTCOMES else None,
        since=_day_start(since),
        until=_day_start(until, days=1),
    )
    number = page_number(page)
    rows, total = audit.search_for(
        session, principal, query, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    form = {
        "actor": actor,
        "action": action,
        "outcome": outcome,
        "object_type": object_type,
        "since": since,
        "until": until,
    }
    context = {
        "rows": rows,
        "total": total,
        "page": number,
        "pages": page_count(total),
        "form": form,
        "outcomes": OUTCOMES,
    }
    return render(request, "audit.html", context)
