"""Admin API: searching the audit log (auditors)."""

from typing import Annotated

from fastapi import APIRouter, Query

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
    rows, total = service.search_for(session, principal, query, limit=limit, offset=offset)
    return Page(items=[AuditEventRead.model_validate(r) for r in rows], total=total)
