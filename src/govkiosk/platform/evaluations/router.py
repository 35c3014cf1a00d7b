"""Evaluation (好差评) APIs: kiosks send ratings; operators read figures and close 差评 follow-ups."""

from typing import Literal

from fastapi import APIRouter, Header, Query, Response, status

from govkiosk.contracts.terminal_api import API_PREFIX
from govkiosk.platform.core.pagination import Page
from govkiosk.platform.deps import PrincipalDep, RuntimeDep, SessionDep
from govkiosk.platform.evaluations import service
from govkiosk.platform.evaluations.schemas import EvaluationCreate, EvaluationRead, Figure, FollowupClose

router = APIRouter(prefix="/api/v1/evaluations", tags=["evaluations"])
terminal_router = APIRouter(prefix=API_PREFIX, tags=["terminal API"])


@terminal_router.post("/evaluations", response_model=EvaluationRead, status_code=status.HTTP_201_CREATED)
def rate(
    data: EvaluationCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    response: Response,
    authorization: str | None = Header(default=None),
) -> EvaluationRead:
    """A citizen's rating at a kiosk, of their case or of the session; rating again answers the first one."""
    terminal_id = runtime.require_terminal(authorization)
    evaluation, duplicate = service.rate_from_kiosk(session, terminal_id, data)
    if duplicate:
        response.status_code = status.HTTP_200_OK
    return EvaluationRead.model_validate(evaluation)


@router.get("/figures", response_model=list[Figure])
def figures(
    principal: PrincipalDep, session: SessionDep, by: Literal["item", "department", "terminal"] = "department"
) -> list[Figure]:
    """Ratings per item, department or kiosk inside the caller's subtrees, worst average first."""
    return service.figures(session, principal, by)


@router.get("/followups", response_model=Page[EvaluationRead])
def followups(
    principal: PrincipalDep,
    session: SessionDep,
    state: Literal["open", "closed"] = "open",
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> Page[EvaluationRead]:
    """差评 follow-ups, the most urgent first (each due 15 working days after the rating)."""
    items, total = service.followups(session, principal, state=state, limit=limit, offset=offset)
    return Page[EvaluationRead](items=items, total=total)


@router.post("/{evaluation_id}/close", response_model=EvaluationRead)
def close(
    evaluation_id: int, data: FollowupClose, principal: PrincipalDep, session: SessionDep
) -> EvaluationRead:
    """Close a follow-up with what was done about it."""
    return service.close_followup(session, principal, evaluation_id, data)
