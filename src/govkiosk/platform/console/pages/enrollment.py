"""Enrollment tokens (shown once) and pre-authorised serials."""

from typing import Annotated

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
    require_section,
)
from govkiosk.platform.console.lookups import node_choices, node_names
from govkiosk.platform.console.rendering import redirect, render
from govkiosk.platform.core.clock import as_utc, utcnow
from govkiosk.platform.orgs.models import OrgKind
from govkiosk.platform.terminals import service as terminals
from govkiosk.platform.terminals.schemas import (
    EnrollmentTokenCreate,
    EnrollmentTokenIssued,
    PreauthorizedSerialCreate,
)

router = APIRouter(prefix="/console", include_in_schema=False)
Field = Annotated[str, Form()]


def _page(
    request: Request, session: Session, principal: Principal, issued: EnrollmentTokenIssued | None
) -> Response:
    tokens = terminals.list_tokens(session, principal)
    serials = terminals.list_preauthorized(session, principal)
    context = {
        "tokens": tokens,
        "serials": serials,
        "issued": issued,
        "now": utcnow(),
        "as_utc": as_utc,
        "node_names": node_names(session, [t.org_node_id for t in tokens] + [s.org_node_id for s in serials]),
        "node_groups": node_choices(session, principal, [OrgKind.DISTRICT, OrgKind.SITE]),
        "profiles": terminals.profiles(session),
        "can_write": bool(principal.scopes(Perm.ENROLLMENT_WRITE)),
    }
    if issued is None:
        return render(request, "enrollment.html", context)
    # The secret is in this answer only: never cached, never put in a redirect.
    return render(
        request,
        "enrollment.html",
        context,
        status=201,
        here="/console/enrollment",
        headers={"Cache-Control": "no-store"},
    )


@router.get("/enrollment", response_class=HTMLResponse)
def enrollment(request: Request, principal: ConsolePrincipal, session: ConsoleSession) -> Response:
    """Enrollment tokens and pre-authorised serials."""
    require_section(principal, "enrollment")
    return _page(request, session, principal, None)


@router.post("/enrollment/tokens", response_class=HTMLResponse)
def issue_token(
    request: Request,
    principal: ConsoleWriter,
    session: ConsoleSession,
    label: Field = "",
    org_node_id: Field = "",
    profile_id: Field = "",
    max_uses: Field = "1",
    ttl_hours: Field = "72",
) -> Response:
    """Issue an enrollment token and show its secret this once."""
    data = parse_form(
        EnrollmentTokenCreate,
        label=label.strip(),
        org_node_id=optional_int(org_node_id),
        profile_id=optional_int(profile_id),
        max_uses=max_uses or 1,
        ttl_hours=ttl_hours or 72,
    )
    issued = terminals.issue_token(session, principal, data)
    return _page(request, session, principal, issued)


@router.post("/enrollment/tokens/{token_id}/revoke")
def revoke_token(token_id: int, principal: ConsoleWriter, session: ConsoleSession) -> Response:
    terminals.revoke_token(session, principal, token_id)
    return redirect("/console/enrollment?done=token_revoked")


@router.post("/enrollment/serials")
def preauthorize(
    principal: ConsoleWriter, session: ConsoleSession, serial: Field = "", org_node_id: Field = ""
) -> Response:
    """Pre-authorise a serial so the kiosk is approved as it enrolls."""
    data = parse_form(PreauthorizedSerialCreate, serial=serial.strip(), org_node_id=optional_int(org_node_id))
    terminals.preauthorize(session, principal, data)
    return redirect("/console/enrollment?done=serial_added#serials")
