"""Department webhooks (部门推送队列): the outbox by state, with attempts and errors, and a replay button on
dead and delivered messages for users who may change the department's connector (catalog:write)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.connectors import service as connectors
from govkiosk.platform.connectors.schemas import MessageRead
from govkiosk.platform.console.deps import ConsolePrincipal, ConsoleSession, ConsoleWriter
from govkiosk.platform.console.lookups import PAGE_SIZE, page_count, page_number
from govkiosk.platform.console.rendering import page_url, redirect, render
from govkiosk.platform.orgs import service as orgs

router = APIRouter(prefix="/console", include_in_schema=False)
STATES = ("pending", "delivered", "dead")
REPLAYABLE = ("dead", "delivered")


def replayable_ids(session: Session, principal: Principal, messages: list[MessageRead]) -> set[int]:
    """The messages the user may send again: dead or delivered, of a department they may change."""
    allowed: dict[int, bool] = {}
    for department_id in {m.department_id for m in messages if m.state in REPLAYABLE}:
        node = catalog.get_department(session, department_id).org_node_id
        allowed[department_id] = principal.can(Perm.CATALOG_WRITE, orgs.get_path(session, node))
    return {m.id for m in messages if m.state in REPLAYABLE and allowed[m.department_id]}


@router.get("/webhooks", response_class=HTMLResponse)
def outbox(
    request: Request, principal: ConsolePrincipal, session: ConsoleSession, state: str = "", page: str = "1"
) -> Response:
    """Webhooks to the departments inside the user's subtrees, newest first, 50 a page, by state."""
    picked = state if state in STATES else ""
    number = page_number(page)
    rows, total = connectors.list_messages(
        session, principal, state=picked or None, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    context = {
        "items": rows,
        "replayable": replayable_ids(session, principal, rows),
        "departments": catalog.department_names(session),
        "total": total,
        "page": number,
        "pages": page_count(total),
        "states": STATES,
        "picked": picked,
        "query": {"state": picked},
    }
    return render(request, "webhooks.html", context)


@router.post("/webhooks/{message_id}/replay")
def replay(
    message_id: int, principal: ConsoleWriter, session: ConsoleSession, state: Annotated[str, Form()] = ""
) -> Response:
    """Queue a dead or delivered message again, then back to the list (and filter) it was replayed from."""
    connectors.replay(session, principal, message_id)
    back = state if state in STATES else None
    return redirect(page_url("/console/webhooks", state=back, done="webhook_replayed"))
