"""Terminal list and detail: filters, approval decisions, remote commands."""

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.actions import service as actions
from govkiosk.platform.actions.models import ACTIVE_STATES, ActionKind
from govkiosk.platform.actions.schemas import ActionCreate
from govkiosk.platform.console.deps import (
    ConsolePrincipal,
    ConsoleSession,
    ConsoleWriter,
    optional_int,
    parse_form,
    require_section,
)
from govkiosk.platform.console.lookups import (
    PAGE_SIZE,
    TERMINAL_STATES,
    node_choices,
    page_count,
    page_number,
)
from govkiosk.platform.console.rendering import page_url, redirect, render
from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind
from govkiosk.platform.terminals import service as terminals
from govkiosk.platform.terminals.models import EnrollmentState
from govkiosk.platform.terminals.schemas import TerminalFilters

router = APIRouter(prefix="/console", include_in_schema=False)
Field = Annotated[str, Form()]


@router.get("/terminals", response_class=HTMLResponse)
def terminal_list(
    request: Request,
    principal: ConsolePrincipal,
    session: ConsoleSession,
    state: str = "",
    org: str = "",
    vendor: str = "",
    profile: str = "",
    q: str = "",
    attention: str = "",
    page: str = "1",
) -> Response:
    """Terminals in scope, filtered by state, org node, vendor, profile, serial and attention, 50 a page."""
    require_section(principal, "terminals")
    filters = parse_form(
        TerminalFilters,
        state=state if state in TERMINAL_STATES else None,
        org_node_id=optional_int(org),
        vendor_id=optional_int(vendor),
        profile_id=optional_int(profile),
        q=q.strip() or None,
        attention=True if attention == "1" else None,
    )
    number = page_number(page)
    items, total = terminals.list_terminals(
        session, principal, filters, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    districts = node_choices(session, principal, [OrgKind.DISTRICT])
    context = {
        "items": items,
        "total": total,
        "page": number,
        "pages": page_count(total),
        "states": TERMINAL_STATES,
        "filters": filters,
        "districts": districts[0][1] if districts else [],
        "picked": orgs.get(session, filters.org_node_id) if filters.org_node_id else None,
        "vendors": terminals.vendors(session),
        "profiles": terminals.profiles(session),
        "query": {
            "state": filters.state,
            "org": filters.org_node_id,
            "vendor": filters.vendor_id,
            "profile": filters.profile_id,
            "q": filters.q,
            "attention": "1" if filters.attention else None,
        },
    }
    return render(request, "terminals.html", context)


@router.get("/terminals/{terminal_id}", response_class=HTMLResponse)
def terminal_detail(
    request: Request, terminal_id: int, principal: ConsolePrincipal, session: ConsoleSession
) -> Response:
    """A terminal's identity, peripherals, history and commands, with the buttons the user may press."""
    terminal = terminals.get(session, principal, terminal_id)
    path = orgs.get_path(session, terminal.org_node_id)
    can_write = principal.can(Perm.TERMINAL_WRITE, path, vendor_id=terminal.vendor_id)
    can_see_actions = principal.can(Perm.ACTION_READ, path, vendor_id=terminal.vendor_id)
    state = terminal.enrollment_state
    context = {
        "terminal": terminal,
        "events": terminals.events(session, principal, terminal_id),
        "actions": actions.list_for_terminal(session, principal, terminal_id) if can_see_actions else [],
        "can_approve": can_write and state == EnrollmentState.PENDING,
        "can_revoke": can_write and state in (EnrollmentState.APPROVED, EnrollmentState.PENDING),
        "can_act": principal.can(Perm.ACTION_WRITE, path, vendor_id=terminal.vendor_id),
        "approved": state == EnrollmentState.APPROVED,
        "action_kinds": list(ActionKind),
        "active_states": set(ACTIVE_STATES),
    }
    return render(request, "terminal.html", context)


def _decide(
    request: Request,
    session: Session,
    principal: Principal,
    terminal_id: int,
    to: EnrollmentState,
    reason: str,
) -> Response:
    terminals.decide(session, principal, terminal_id, to, reason.strip()[:500] or None)
    if to is EnrollmentState.REVOKED:
        request.app.state.runtime.revoke_now(terminal_id)  # its tokens stop working on this node at once
    return redirect(page_url(f"/console/terminals/{terminal_id}", done=to.value))


@router.post("/terminals/{terminal_id}/approve")
def approve(
    request: Request, terminal_id: int, principal: ConsoleWriter, session: ConsoleSession, reason: Field = ""
) -> Response:
    return _decide(request, session, principal, terminal_id, EnrollmentState.APPROVED, reason)


@router.post("/terminals/{terminal_id}/reject")
def reject(
    request: Request, terminal_id: int, principal: ConsoleWriter, session: ConsoleSession, reason: Field = ""
) -> Response:
    return _decide(request, session, principal, terminal_id, EnrollmentState.REJECTED, reason)


@router.post("/terminals/{terminal_id}/revoke")
def revoke(
    request: Request, terminal_id: int, principal: ConsoleWriter, session: ConsoleSession, reason: Field = ""
) -> Response:
    return _decide(request, session, principal, terminal_id, EnrollmentState.REVOKED, reason)


def _params(text: str) -> dict:
    """A command's parameters, typed as a JSON object (or nothing)."""
    try:
        values = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"parameters are not valid JSON: {exc.msg}") from exc
    if not isinstance(values, dict):
        raise InvalidInput("parameters must be a JSON object")
    return values


@router.post("/terminals/{terminal_id}/actions/new")
def send_command(
    request: Request,
    terminal_id: int,
    principal: ConsoleWriter,
    session: ConsoleSession,
    kind: Field = "",
    params: Field = "",
) -> Response:
    """Queue a remote command and nudge the kiosk."""
    data = parse_form(ActionCreate, kind=kind, params=_params(params))
    actions.create(session, principal, terminal_id, data)
    request.app.state.runtime.action_queued(terminal_id)
    return redirect(page_url(f"/console/terminals/{terminal_id}", done="queued") + "#actions")


@router.post("/actions/{action_id}/cancel")
def cancel_command(action_id: int, principal: ConsoleWriter, session: ConsoleSession) -> Response:
    """Cancel a command the kiosk has not finished."""
    action = actions.cancel(session, principal, action_id)
    return redirect(page_url(f"/console/terminals/{action.terminal_id}", done="canceled") + "#actions")
