"""The overview (terminal counts by state) and the org tree."""

from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import ROLE_PERMS, Perm, Principal
from govkiosk.platform.console.deps import ConsolePrincipal, ConsoleSession, optional_int, require_section
from govkiosk.platform.console.lookups import TERMINAL_STATES, node_names
from govkiosk.platform.console.rendering import render
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgNode
from govkiosk.platform.terminals import service as terminals
from govkiosk.platform.terminals.schemas import TerminalFilters

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, principal: ConsolePrincipal, session: ConsoleSession) -> Response:
    """Terminal counts by state in the user's scope, their grants, and shortcuts."""
    readable = bool(principal.scopes(Perm.TERMINAL_READ))
    counts = terminals.count_by_state(session, principal) if readable else {}
    needing = TerminalFilters(attention=True)
    attention = terminals.list_terminals(session, principal, needing, limit=1, offset=0)[1] if readable else 0
    context = {
        "counts": counts,
        "attention": attention,
        "states": TERMINAL_STATES,
        "total": sum(counts.values()),
        "node_names": node_names(session, [g.org_node_id for g in principal.grants]),
    }
    return render(request, "dashboard.html", context)


def _readable_roots(session: Session, principal: Principal) -> list[OrgNode]:
    """The nodes of the user's grants that give org:read, leaving out those inside another."""
    grants = [g for g in principal.grants if Perm.ORG_READ in ROLE_PERMS[g.role]]
    nodes = [orgs.get(session, g.org_node_id) for g in grants]
    paths = {n.path for n in nodes}
    roots = {n.id: n for n in nodes if not any(n.path != p and n.path.startswith(p) for p in paths)}
    return sorted(roots.values(), key=lambda n: n.path)


@router.get("/orgs", response_class=HTMLResponse)
def org_tree(
    request: Request, principal: ConsolePrincipal, session: ConsoleSession, node: str = ""
) -> Response:
    """One node of the org tree: its ancestors, and its visible children with their terminal counts."""
    require_section(principal, "orgs")
    node_id = optional_int(node)
    roots = _readable_roots(session, principal) if node_id is None else []
    if len(roots) == 1:
        node_id = roots[0].id  # a single subtree is opened rather than listed alone
    current, crumbs = None, []
    children: Sequence[OrgNode] = roots
    if node_id is not None:
        current = orgs.get(session, node_id)
        principal.require(Perm.ORG_READ, current.path)
        crumbs = [(n, principal.can(Perm.ORG_READ, n.path)) for n in orgs.ancestors(session, current)]
        children, _ = orgs.list_visible(
            session, principal, parent_id=node_id, kind=None, limit=1000, offset=0
        )
    counted = [*children, *([current] if current else [])]
    counts = (
        terminals.counts_under(session, principal, under_path=current.path if current else "/", nodes=counted)
        if principal.scopes(Perm.TERMINAL_READ)
        else {}
    )
    context = {
        "current": current,
        "crumbs": crumbs,
        "children": children,
        "counts": counts,
        "here_total": counts.get(current.id) if current else None,
    }
    return render(request, "orgs.html", context)
