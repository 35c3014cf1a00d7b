"""Admin API of onboarding (入驻): the review queue, review actions, publication, 入驻率; and the terminal
API's catalog, what one kiosk offers."""

from typing import Literal

from fastapi import APIRouter, Header, Query, Response, status

from govkiosk.contracts.terminal_api import API_PREFIX, CatalogResponse
from govkiosk.platform.accounts.authz import Perm
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.deps import PrincipalDep, RuntimeDep, SessionDep
from govkiosk.platform.onboarding import offering, rates, service
from govkiosk.platform.onboarding.schemas import (
    OnboardingDecision,
    OnboardingPage,
    OnboardingRead,
    OnboardingSubmit,
    PublishTargets,
    RatePoint,
    RateSeries,
)

router = APIRouter(prefix="/api/v1/onboarding", tags=["onboarding"])
terminal_router = APIRouter(prefix=API_PREFIX, tags=["terminal API"])
Operation = Literal["approve", "reject", "suspend", "resume", "withdraw"]


@router.get("", response_model=OnboardingPage)
def list_onboardings(
    principal: PrincipalDep,
    session: SessionDep,
    state: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> OnboardingPage:
    """Onboardings of departments inside the caller's subtrees, newest first (the review queue)."""
    paths = [s.path for s in principal.require_any(Perm.CATALOG_READ)]
    departments = catalog.visible_department_ids(session, paths)
    return service.list_onboardings(
        session, department_ids=departments, state=state, limit=limit, offset=offset
    )


@router.post("", response_model=OnboardingRead, status_code=201)
def submit(data: OnboardingSubmit, principal: PrincipalDep, session: SessionDep) -> OnboardingRead:
    """Submit an item or app for onboarding on a department's behalf."""
    subject = (
        catalog.get_item(session, data.subject_id)
        if data.subject == "item"
        else catalog.get_app(session, data.subject_id)
    )
    catalog.department_for(session, principal, subject.department_id, Perm.CATALOG_WRITE)
    onboarding = service.submit(
        session,
        principal.actor,
        department_id=subject.department_id,
        subject=data.subject,
        subject_id=data.subject_id,
        reason=data.reason,
    )
    return service.reads(session, [onboarding])[0]


@router.get("/rates", response_model=list[RatePoint])
def current_rates(
    principal: PrincipalDep, session: SessionDep, by: Literal["district", "department"] = "district"
) -> list[RatePoint]:
    """入驻率 now, per district or per department, inside the caller's subtrees."""
    paths = [s.path for s in principal.require_any(Perm.CATALOG_READ)]
    return rates.by_district(session, paths) if by == "district" else rates.by_department(session, paths)


@router.get("/rates/history", response_model=list[RateSeries])
def rate_history(
    principal: PrincipalDep, session: SessionDep, weeks: int = Query(12, ge=1, le=104)
) -> list[RateSeries]:
    """入驻率 per district, week by week."""
    paths = [s.path for s in principal.require_any(Perm.CATALOG_READ)]
    return rates.history(session, paths, weeks=weeks)


@router.get("/{onboarding_id}", response_model=OnboardingRead)
def get_onboarding(onboarding_id: int, principal: PrincipalDep, session: SessionDep) -> OnboardingRead:
    """One onboarding with its checks and every step (who, when, why)."""
    onboarding = service.reviewable(session, principal, onboarding_id, Perm.CATALOG_READ)
    return service.reads(session, [onboarding])[0]


@router.post("/{onboarding_id}/publish", response_model=OnboardingRead)
def publish(
    onboarding_id: int, data: PublishTargets, principal: PrincipalDep, session: SessionDep
) -> OnboardingRead:
    """Publish an approved onboarding to org subtrees and terminal profiles."""
    onboarding = service.reviewable(session, principal, onboarding_id, Perm.ONBOARDING_REVIEW)
    return service.reads(session, [service.publish(session, principal, onboarding, data)])[0]


@router.post("/{onboarding_id}/{operation}", response_model=OnboardingRead)
def review(
    onboarding_id: int,
    operation: Operation,
    data: OnboardingDecision,
    principal: PrincipalDep,
    session: SessionDep,
) -> OnboardingRead:
    """approve, reject, suspend, resume or withdraw (a reason is required to reject, suspend, withdraw)."""
    onboarding = service.reviewable(session, principal, onboarding_id, Perm.ONBOARDING_REVIEW)
    service.move(session, principal.actor, onboarding, operation, reason=data.reason)
    return service.reads(session, [onboarding])[0]


@terminal_router.get(
    "/catalog", response_model=CatalogResponse, responses={304: {"description": "unchanged"}}
)
def kiosk_catalog(
    session: SessionDep,
    runtime: RuntimeDep,
    response: Response,
    authorization: str | None = Header(default=None),
    if_none_match: str | None = Header(default=None),
) -> CatalogResponse | Response:
    """What this kiosk offers now, with an ETag; 304 when the kiosk already has it."""
    terminal_id = runtime.require_terminal(authorization)
    answer = offering.offering(session, offering.place_of(session, terminal_id))
    if if_none_match and if_none_match.strip('"') == answer.etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": f'"{answer.etag}"'})
    response.headers["ETag"] = f'"{answer.etag}"'
    return answer
