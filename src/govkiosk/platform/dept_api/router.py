"""The open API for departments (`/api/dept/v1`): a department's own system manages its items and apps,
submits them for onboarding (入驻) and follows the review, with a token scoped to that one department."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from govkiosk.platform.cases import rates as case_rates
from govkiosk.platform.cases.rate_schemas import ChannelCaseBatch, ChannelCaseBatchResult
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.models import ServiceItem
from govkiosk.platform.catalog.schemas import AppContent, AppRead, ItemContent, ItemCreate, ItemPage, ItemRead
from govkiosk.platform.catalog.service import DepartmentCaller
from govkiosk.platform.core.errors import NotFound, Unauthenticated
from govkiosk.platform.core.pagination import Page
from govkiosk.platform.deps import SessionDep, client_ip
from govkiosk.platform.onboarding import service as onboarding
from govkiosk.platform.onboarding.models import Onboarding
from govkiosk.platform.onboarding.schemas import (
    OnboardingDecision,
    OnboardingPage,
    OnboardingRead,
    OnboardingSubmit,
)

PREFIX = "/api/dept/v1"
router = APIRouter(prefix=PREFIX, tags=["department open API"])


def get_caller(request: Request, session: SessionDep) -> DepartmentCaller:
    """The department behind the request's `Authorization: Bearer gkd_…` token."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise Unauthenticated("send the department token as 'Authorization: Bearer gkd_…'")
    caller = catalog.caller_for_token(session, header[7:], ip=client_ip(request))
    request.state.department = caller
    return caller


CallerDep = Annotated[DepartmentCaller, Depends(get_caller)]


@router.get("/me")
def me(caller: CallerDep) -> dict:
    """Which department this token speaks for."""
    return {
        "department_id": caller.department_id,
        "department": caller.department,
        "token": caller.token_label,
    }


@router.get("/items", response_model=ItemPage)
def search_items(
    caller: CallerDep,
    session: SessionDep,
    q: str = Query("", max_length=100),
    limit: int = Query(20, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> ItemPage:
    """The department's own items, searched like the catalog."""
    return catalog.search_items(session, q, department_id=caller.department_id, limit=limit, offset=offset)


@router.post("/items", response_model=ItemRead, status_code=201)
def create_item(
    data: ItemContent, caller: CallerDep, session: SessionDep, parent_id: int | None = None
) -> ItemRead:
    """A new item of the department (a draft)."""
    department = catalog.get_department(session, caller.department_id)
    create = ItemCreate.model_validate(
        {**data.model_dump(), "department_id": department.id, "parent_id": parent_id}
    )
    return catalog.item_read(session, catalog.create_item(session, caller.actor, department, create))


def _own_item(session: SessionDep, caller: DepartmentCaller, item_id: int) -> ServiceItem:
    item = catalog.get_item(session, item_id)
    catalog.require_own(item, caller)
    return item


@router.get("/items/{item_id}", response_model=ItemRead)
def get_item(item_id: int, caller: CallerDep, session: SessionDep, version: int | None = None) -> ItemRead:
    return catalog.item_read(session, _own_item(session, caller, item_id), version)


@router.get("/items/{item_id}/versions", response_model=list[ItemRead])
def item_versions(item_id: int, caller: CallerDep, session: SessionDep) -> list[ItemRead]:
    return catalog.item_versions(session, _own_item(session, caller, item_id))


@router.put("/items/{item_id}", response_model=ItemRead)
def update_item(item_id: int, data: ItemContent, caller: CallerDep, session: SessionDep) -> ItemRead:
    """Edit: a draft in place, or a new draft version of a published item."""
    item = _own_item(session, caller, item_id)
    catalog.update_item(session, caller.actor, item, data)
    return catalog.item_read(session, item)


@router.get("/apps", response_model=Page[AppRead])
def list_apps(
    caller: CallerDep, session: SessionDep, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0)
) -> Page[AppRead]:
    items, total = catalog.list_apps(
        session, department_ids=[caller.department_id], limit=limit, offset=offset
    )
    return Page[AppRead](items=items, total=total)


@router.post("/apps", response_model=AppRead, status_code=201)
def create_app(data: AppContent, caller: CallerDep, session: SessionDep) -> AppRead:
    """A new service application of the department (a draft)."""
    department = catalog.get_department(session, caller.department_id)
    return catalog.app_read(session, catalog.create_app(session, caller.actor, department, data))


@router.put("/apps/{app_id}", response_model=AppRead)
def update_app(app_id: int, data: AppContent, caller: CallerDep, session: SessionDep) -> AppRead:
    app = catalog.get_app(session, app_id)
    catalog.require_own(app, caller)
    catalog.update_app(session, caller.actor, app, data)
    return catalog.app_read(session, app)


@router.post("/onboarding", response_model=OnboardingRead, status_code=201)
def submit(data: OnboardingSubmit, caller: CallerDep, session: SessionDep) -> OnboardingRead:
    """Submit the latest version of an item or app for onboarding; the automatic checks follow."""
    row = onboarding.submit(
        session,
        caller.actor,
        department_id=caller.department_id,
        subject=data.subject,
        subject_id=data.subject_id,
        reason=data.reason,
    )
    return onboarding.reads(session, [row])[0]


@router.get("/onboarding", response_model=OnboardingPage)
def list_onboardings(
    caller: CallerDep,
    session: SessionDep,
    state: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> OnboardingPage:
    """The department's onboardings, newest first."""
    return onboarding.list_onboardings(
        session, department_ids=[caller.department_id], state=state, limit=limit, offset=offset
    )


def _own_onboarding(session: SessionDep, caller: DepartmentCaller, onboarding_id: int) -> Onboarding:
    row = onboarding.get(session, onboarding_id)
    if row.department_id != caller.department_id:
        raise NotFound(f"onboarding {onboarding_id} not found")
    return row


@router.get("/onboarding/{onboarding_id}", response_model=OnboardingRead)
def get_onboarding(onboarding_id: int, caller: CallerDep, session: SessionDep) -> OnboardingRead:
    """Follow the review: state, checks, and every step with who, when and why."""
    return onboarding.reads(session, [_own_onboarding(session, caller, onboarding_id)])[0]


@router.post("/onboarding/{onboarding_id}/withdraw", response_model=OnboardingRead)
def withdraw(
    onboarding_id: int, data: OnboardingDecision, caller: CallerDep, session: SessionDep
) -> OnboardingRead:
    """The department takes its item or app off the kiosks (or its request back)."""
    row = _own_onboarding(session, caller, onboarding_id)
    onboarding.move(session, caller.actor, row, "withdraw", reason=data.reason)
    return onboarding.reads(session, [row])[0]


@router.post("/cases/report", response_model=ChannelCaseBatchResult)
def report_channel_cases(
    data: ChannelCaseBatch, caller: CallerDep, session: SessionDep
) -> ChannelCaseBatchResult:
    """Window (窗口) and online (网上) cases of the department's items, up to 500 at a time, for the 办件率;
    a case reported again (same external_id) is answered as first stored and changes nothing."""
    return case_rates.report(session, caller, data)
