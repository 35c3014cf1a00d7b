"""Admin API of placement (布点): the live coverage index and plans run on the stored data."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from govkiosk.platform.core.pagination import Page
from govkiosk.platform.deps import PrincipalDep, SessionDep
from govkiosk.platform.placement import service
from govkiosk.platform.placement.coverage import DEFAULT_RADIUS_M
from govkiosk.platform.placement.schemas import CoverageRead, PlanCreate, PlanDetail, PlanRead

router = APIRouter(prefix="/api/v1/placement", tags=["placement"])


@router.get("/coverage", response_model=CoverageRead)
def coverage(
    principal: PrincipalDep,
    session: SessionDep,
    node_id: int | None = None,
    radius: Annotated[float, Query(gt=0, le=20_000)] = DEFAULT_RADIUS_M,
) -> CoverageRead:
    """Population within `radius` metres of a kiosk that can serve now, against all kiosks as deployed."""
    return service.coverage_index(session, principal, node_id=node_id, radius=radius)


@router.post("/plans", response_model=PlanDetail, status_code=status.HTTP_201_CREATED)
def run_plan(data: PlanCreate, principal: PrincipalDep, session: SessionDep) -> PlanDetail:
    """Solve a plan over a subtree's demand points and sites (time-limited) and save it."""
    return service.run_plan(session, principal, data)


@router.get("/plans", response_model=Page[PlanRead])
def list_plans(
    principal: PrincipalDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[PlanRead]:
    """Saved plans in scope, newest first."""
    items, total = service.list_plans(session, principal, limit=limit, offset=offset)
    return Page(items=items, total=total)


@router.get("/plans/{plan_id}", response_model=PlanDetail)
def get_plan(plan_id: int, principal: PrincipalDep, session: SessionDep) -> PlanDetail:
    """One saved plan: options, inputs, the solver's report and the open sites as GeoJSON."""
    return service.get_plan(session, principal, plan_id)
