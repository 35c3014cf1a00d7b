"""Admin API: the org tree."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from govkiosk.platform.accounts.authz import Perm
from govkiosk.platform.core.pagination import Page
from govkiosk.platform.deps import PrincipalDep, SessionDep
from govkiosk.platform.orgs import service
from govkiosk.platform.orgs.schemas import OrgNodeCreate, OrgNodeRead, OrgNodeUpdate

router = APIRouter(prefix="/api/v1", tags=["orgs"])


@router.get("/orgs", response_model=Page[OrgNodeRead])
def list_nodes(
    principal: PrincipalDep,
    session: SessionDep,
    parent_id: int | None = None,
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[OrgNodeRead]:
    """Org nodes inside the caller's subtrees."""
    rows, total = service.list_visible(
        session, principal, parent_id=parent_id, kind=kind, limit=limit, offset=offset
    )
    return Page(items=[OrgNodeRead.model_validate(r) for r in rows], total=total)


@router.get("/orgs/{node_id}", response_model=OrgNodeRead)
def get_node(node_id: int, principal: PrincipalDep, session: SessionDep) -> OrgNodeRead:
    node = service.get(session, node_id)
    principal.require(Perm.ORG_READ, node.path)
    return OrgNodeRead.model_validate(node)


@router.post("/orgs", response_model=OrgNodeRead, status_code=status.HTTP_201_CREATED)
def create_node(data: OrgNodeCreate, principal: PrincipalDep, session: SessionDep) -> OrgNodeRead:
    """Add a district, street, community or site under a node."""
    return OrgNodeRead.model_validate(service.create(session, principal, data))


@router.patch("/orgs/{node_id}", response_model=OrgNodeRead)
def update_node(
    node_id: int, data: OrgNodeUpdate, principal: PrincipalDep, session: SessionDep
) -> OrgNodeRead:
    return OrgNodeRead.model_validate(service.update(session, principal, node_id, data))
