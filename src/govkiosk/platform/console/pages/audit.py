"""Searching the audit log (auditors)."""

from datetime import date, datetime, time, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import ROLE_PERMS, Perm, Principal
from govkiosk.platform.audit import service as audit
from govkiosk.platform.audit.schemas import AuditQuery
from govkiosk.platform.console.deps import ConsolePrincipal, ConsoleSession, require_section
from govkiosk.platform.console.lookups import PAGE_SIZE, page_count, page_number
from govkiosk.platform.console.rendering import CHINA_TIME, render
from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.orgs import service as orgs

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


def _audit_paths(session: Session, principal: Principal) -> list[str] | None:
    """The subtrees whose events the auditor reads, or None (everything) for a grant on the root.

    Events with no org path (sign-ins, bootstrap) concern the whole platform: only a root grant sees them."""
    grants = [g for g in principal.grants if Perm.AUDIT_READ in ROLE_PERMS[g.role]]
    if any(orgs.get(session, g.org_node_id).parent_id is None for g in grants):
        return None
    return [s.path for s in principal.scopes(Perm.AUDIT_READ)]


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
    scopes = principal.require_any(Perm.AUDIT_READ)
    number = page_number(page)
    rows, total = audit.search(
        session,
        query,
        paths=_audit_paths(session, principal),
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    audit.record(
        session,
        principal.actor,
        "audit.search",
        object_type="audit",
        org_path=scopes[0].path,
        detail=query.model_dump(exclude_none=True, mode="json"),
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
