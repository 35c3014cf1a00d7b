"""Users and their role grants."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from govkiosk.platform.accounts import service as accounts
from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.accounts.schemas import GrantCreate, UserCreate, UserUpdate
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
from govkiosk.platform.orgs.models import OrgKind
from govkiosk.platform.terminals import service as terminals

router = APIRouter(prefix="/console", include_in_schema=False)
Field = Annotated[str, Form()]


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, principal: ConsolePrincipal, session: ConsoleSession) -> Response:
    """Users in scope with their grants; the forms only for those who may change them."""
    require_section(principal, "users")
    rows = accounts.list_users(session, principal)
    vendors = terminals.vendors(session)
    context = {
        "users": rows,
        "node_names": node_names(session, [g.org_node_id for u in rows for g in u.grants]),
        "vendors": vendors,
        "vendor_names": {v.id: v.name for v in vendors},
        "roles": list(Role),
        "can_write": bool(principal.scopes(Perm.USER_WRITE)),
        "node_groups": node_choices(session, principal, [OrgKind.CITY, OrgKind.DISTRICT]),
    }
    return render(request, "users.html", context)


def _grant(role: str, org_node_id: str, vendor_id: str) -> GrantCreate:
    node, vendor = optional_int(org_node_id), optional_int(vendor_id)
    return parse_form(GrantCreate, role=role, org_node_id=node, vendor_id=vendor)


@router.post("/users")
def create_user(
    principal: ConsoleWriter,
    session: ConsoleSession,
    username: Field = "",
    display_name: Field = "",
    password: Field = "",
    role: Field = "",
    org_node_id: Field = "",
    vendor_id: Field = "",
) -> Response:
    """Create a user holding one grant."""
    data = parse_form(
        UserCreate,
        username=username.strip(),
        display_name=display_name.strip(),
        password=password,
        grants=[_grant(role, org_node_id, vendor_id)],
    )
    accounts.create_user(session, principal, data)
    return redirect("/console/users?done=user_created")


@router.post("/users/{user_id}/grants")
def add_grant(
    user_id: int,
    principal: ConsoleWriter,
    session: ConsoleSession,
    role: Field = "",
    org_node_id: Field = "",
    vendor_id: Field = "",
) -> Response:
    accounts.add_grant(session, principal, user_id, _grant(role, org_node_id, vendor_id))
    return redirect("/console/users?done=grant_added")


@router.post("/grants/{grant_id}/remove")
def remove_grant(grant_id: int, principal: ConsoleWriter, session: ConsoleSession) -> Response:
    accounts.remove_grant(session, principal, grant_id)
    return redirect("/console/users?done=grant_removed")


def _set_active(session: Session, principal: Principal, user_id: int, active: bool) -> Response:
    accounts.update_user(session, principal, user_id, UserUpdate(is_active=active))
    return redirect("/console/users?done=user_updated")


@router.post("/users/{user_id}/deactivate")
def deactivate_user(user_id: int, principal: ConsoleWriter, session: ConsoleSession) -> Response:
    """Disable a user; their sessions end."""
    return _set_active(session, principal, user_id, False)


@router.post("/users/{user_id}/activate")
def activate_user(user_id: int, principal: ConsoleWriter, session: ConsoleSession) -> Response:
    return _set_active(session, principal, user_id, True)
