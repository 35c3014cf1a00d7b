"""Admin API of department connectors: a department's webhook endpoint, the webhook outbox, replays."""

from fastapi import APIRouter, Query

from govkiosk.platform.connectors import service
from govkiosk.platform.connectors.schemas import EndpointRead, EndpointSet, EndpointWrite, MessageRead
from govkiosk.platform.core.pagination import Page
from govkiosk.platform.deps import PrincipalDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["department connectors"])


@router.get("/catalog/departments/{department_id}/endpoint", response_model=EndpointRead)
def get_endpoint(department_id: int, principal: PrincipalDep, session: SessionDep) -> EndpointRead:
    """Where the department's business system receives case webhooks (its HMAC secret is never shown)."""
    return service.get_endpoint(session, principal, department_id)


@router.put("/catalog/departments/{department_id}/endpoint", response_model=EndpointSet)
def set_endpoint(
    department_id: int, data: EndpointWrite, principal: PrincipalDep, session: SessionDep
) -> EndpointSet:
    """Configure the endpoint; a new HMAC-SM3 secret is returned once (first time, or when asked)."""
    endpoint, secret = service.set_endpoint(session, principal, department_id, data)
    return EndpointSet(**endpoint.model_dump(), hmac_secret=secret)


@router.get("/webhooks", response_model=Page[MessageRead])
def list_messages(
    principal: PrincipalDep,
    session: SessionDep,
    state: str | None = Query(None, description="pending | delivered | dead"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> Page[MessageRead]:
    """The webhook outbox of the departments inside the caller's subtrees, newest first."""
    items, total = service.list_messages(session, principal, state=state, limit=limit, offset=offset)
    return Page[MessageRead](items=items, total=total)


@router.post("/webhooks/{message_id}/replay", response_model=MessageRead)
def replay(message_id: int, principal: PrincipalDep, session: SessionDep) -> MessageRead:
    """Send a dead (or delivered) webhook again."""
    return service.replay(session, principal, message_id)
