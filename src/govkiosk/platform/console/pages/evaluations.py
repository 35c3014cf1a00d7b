"""Evaluations (好差评): figures per item, department or kiosk, and the open follow-ups of poor ratings
(差评整改), each closed with a note by users who may change cases (case:write)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.console.deps import ConsolePrincipal, ConsoleSession, ConsoleWriter, parse_form
from govkiosk.platform.console.lookups import PAGE_SIZE, page_count, page_number
from govkiosk.platform.console.rendering import page_url, redirect, render
from govkiosk.platform.core.clock import as_utc, utcnow
from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.evaluations import service as evaluations
from govkiosk.platform.evaluations.schemas import FollowupClose
from govkiosk.platform.terminals import service as terminals

router = APIRouter(prefix="/console", include_in_schema=False)
Scope = Literal["item", "department", "terminal"]
SCOPES: tuple[Scope, ...] = ("item", "department", "terminal")


def _scope(value: str) -> Scope:
    for scope in SCOPES:
        if value == scope:
            return scope
    return "item"


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    by: Scope,
    number: int,
    error: tuple[int, str, str] | None = None,
) -> Response:
    """The figures and a page of open follow-ups; `error` is (evaluation id, message, the note as typed)."""
    figures = evaluations.figures(session, principal, by)
    rows, total = evaluations.followups(
        session, principal, state="open", limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    now = utcnow()
    context = {
        "by": by,
        "scopes": SCOPES,
        "figures": figures,
        "followups": rows,
        "overdue": {r.id for r in rows if r.followup_due_at and as_utc(r.followup_due_at) < now},
        "items": catalog.item_names(session),
        "departments": catalog.department_names(session),
        "kiosks": terminals.serials(session),
        "can_close": bool(principal.scopes(Perm.CASE_WRITE)),
        "error": error,
        "total": total,
        "page": number,
        "pages": page_count(total),
        "query": {"by": by},
    }
    status = 422 if error else 200
    return render(request, "evaluations.html", context, status=status, here="/console/evaluations")


@router.get("/evaluations", response_class=HTMLResponse)
def overview(
    request: Request, principal: ConsolePrincipal, session: ConsoleSession, by: str = "item", page: str = "1"
) -> Response:
    """Ratings in the user's subtrees per item, department or kiosk, and the open follow-ups, most urgent
    first."""
    return _page(request, session, principal, _scope(by), page_number(page))


@router.post("/evaluations/{evaluation_id}/close", response_class=HTMLResponse)
def close(
    request: Request,
    evaluation_id: int,
    principal: ConsoleWriter,
    session: ConsoleSession,
    note: Annotated[str, Form()] = "",
    by: Annotated[str, Form()] = "item",
) -> Response:
    """Close a follow-up with what was done; a missing note shows the page again with the error."""
    scope = _scope(by)
    try:
        data = parse_form(FollowupClose, note=note.strip())
    except InvalidInput as exc:
        return _page(request, session, principal, scope, 1, (evaluation_id, exc.message, note))
    evaluations.close_followup(session, principal, evaluation_id, data)
    return redirect(page_url("/console/evaluations", by=scope, done="followup_closed"))
