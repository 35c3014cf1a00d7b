"""Admin API: searching the audit log (auditors)."""

from typing import Annotated

from fastapi import APIRouter, Query

from govkiosk.platform.accounts.authz import Perm
from govkiosk.platform.audit import service
from govkiosk.platform.audit.schemas import AuditEventRead, AuditQuery
from govkiosk.platform.core.pagination import Page
from govkiosk.platform.deps import PrincipalDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", response_model=Page[AuditEventRead])
def search(
    query: Annotated[AuditQuery, Query()],
    principal: PrincipalDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[AuditEventRead]:
    """Audit events inside the caller's subtrees; the search itself is audited."""
    scopes = principal.require_any(Perm.AUDIT_READ)
    # A grant on the root node sees everything, also events that carry no org path (logins, bootstrap).
    paths = None if any(s.path.count("/") == 2 for s in scopes) else [s.path for s in scopes]
    rows, total = service.search(session, query, paths=paths, limit=limit, offset=offset)
    service.record(
        session,
        principal.actor,
        "audit.search",
        object_type="audit",
        org_path=scopes[0].path,
        detail=query.model_dump(exclude_none=True, mode="json"),
    )
    return Page(items=[AuditEventRead.model_validate(r) for r in rows], total=total)
