"""Admin API: remote actions."""

from fastapi import APIRouter, status

from govkiosk.platform.actions import service
from govkiosk.platform.actions.schemas import ActionCreate, ActionRead, ActionResultRead
from govkiosk.platform.core.pagination import Page
from govkiosk.platform.deps import PrincipalDep, RuntimeDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["actions"])


@router.get("/terminals/{terminal_id}/actions", response_model=Page[ActionRead])
def list_actions(terminal_id: int, principal: PrincipalDep, session: SessionDep) -> Page[ActionRead]:
    rows = service.list_for_terminal(session, principal, terminal_id)
    return Page(items=[ActionRead.model_validate(r) for r in rows], total=len(rows))


@router.post(
    "/terminals/{terminal_id}/actions", response_model=ActionRead, status_code=status.HTTP_201_CREATED
)
def create_action(
    terminal_id: int, data: ActionCreate, principal: PrincipalDep, session: SessionDep, runtime: RuntimeDep
) -> ActionRead:
    """Queue a command; an online kiosk is nudged to fetch it within seconds."""
    action = service.create(session, principal, terminal_id, data)
    runtime.action_queued(terminal_id)
    return ActionRead.model_validate(action)


@router.get("/actions/{action_id}", response_model=ActionResultRead)
def get_action(action_id: int, principal: PrincipalDep, session: SessionDep) -> ActionResultRead:
    return service.get(session, principal, action_id)


@router.post("/actions/{action_id}/cancel", response_model=ActionRead)
def cancel_action(action_id: int, principal: PrincipalDep, session: SessionDep) -> ActionRead:
    return ActionRead.model_validate(service.cancel(session, principal, action_id))
