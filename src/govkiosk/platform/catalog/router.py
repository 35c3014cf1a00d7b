"""Admin API of the service catalog: departments, items (with versions), apps, department tokens, export;
and the terminal API of form apps: prefill, step checks and the region table of the region picker."""

from typing import Literal

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field

from govkiosk.contracts.terminal_api import (
    API_PREFIX,
    FormCheck,
    FormCheckRequest,
    FormPrefill,
    FormPrefillRequest,
    RegionList,
)
from govkiosk.platform.accounts.authz import Perm
from govkiosk.platform.catalog import exporting, forms, service
from govkiosk.platform.catalog.schemas import (
    AppContent,
    AppCreate,
    AppRead,
    DepartmentCreate,
    DepartmentRead,
    ItemContent,
    ItemCreate,
    ItemPage,
    ItemRead,
)
from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.core.pagination import Page
from govkiosk.platform.deps import PrincipalDep, ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])
terminal_router = APIRouter(prefix=API_PREFIX, tags=["terminal API"])


class TokenCreate(BaseModel):
    label: str = Field(min_length=1, max_length=100)
    days: int = Field(default=365, ge=1, le=3650)


class TokenIssued(BaseModel):
    id: int
    token: str = Field(description="shown once; the department's system sends it as a Bearer token")
    label: str
    department_id: int


@router.get("/items", response_model=ItemPage)
def search_items(
    principal: PrincipalDep,
    session: SessionDep,
    q: str = Query("", max_length=100, description="name, code, department, topic, pinyin or initials"),
    department_id: int | None = None,
    item_type: str | None = None,
    status: str | None = None,
    kiosk_eligible: bool | None = None,
    topic: str | None = None,
    limit: int = Query(20, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> ItemPage:
    """Search the catalog inside the caller's subtrees: `{"items": [...], "total": N}`."""
    paths = [s.path for s in principal.require_any(Perm.CATALOG_READ)]
    return service.search_items(
        session,
        q,
        paths=paths,
        department_id=department_id,
        item_type=item_type,
        status=status,
        kiosk_eligible=kiosk_eligible,
        topic=topic,
        limit=limit,
        offset=offset,
    )


@router.post("/items", response_model=ItemRead, status_code=201)
def create_item(data: ItemCreate, principal: PrincipalDep, session: SessionDep) -> ItemRead:
    """A new item (a draft) of a department in the caller's subtree."""
    if data.department_id is None:
        raise InvalidInput("department_id: required")
    department = service.department_for(session, principal, data.department_id, Perm.CATALOG_WRITE)
    return service.item_read(session, service.create_item(session, principal.actor, department, data))


@router.get("/items/{item_id}", response_model=ItemRead)
def get_item(
    item_id: int, principal: PrincipalDep, session: SessionDep, version: int | None = None
) -> ItemRead:
    """An item at its latest version (or the version asked for)."""
    return service.item_read(
        session, service.item_for(session, principal, item_id, Perm.CATALOG_READ), version
    )


@router.get("/items/{item_id}/versions", response_model=list[ItemRead])
def item_versions(item_id: int, principal: PrincipalDep, session: SessionDep) -> list[ItemRead]:
    """Every version of an item, oldest first."""
    return service.item_versions(session, service.item_for(session, principal, item_id, Perm.CATALOG_READ))


@router.put("/items/{item_id}", response_model=ItemRead)
def update_item(item_id: int, data: ItemContent, principal: PrincipalDep, session: SessionDep) -> ItemRead:
    """Edit an item: a draft changes in place; a published item gets a new draft version."""
    item = service.item_for(session, principal, item_id, Perm.CATALOG_WRITE)
    service.update_item(session, principal.actor, item, data)
    return service.item_read(session, item)


@router.get("/departments", response_model=Page[DepartmentRead])
def list_departments(principal: PrincipalDep, session: SessionDep) -> Page[DepartmentRead]:
    """Departments inside the caller's subtrees."""
    departments = service.list_departments(session, principal)
    return Page[DepartmentRead](items=departments, total=len(departments))


@router.post("/departments", response_model=DepartmentRead, status_code=201)
def create_department(data: DepartmentCreate, principal: PrincipalDep, session: SessionDep) -> DepartmentRead:
    """Register a department under an org node."""
    return service.create_department(session, principal, data)


@router.post("/departments/{department_id}/tokens", response_model=TokenIssued, status_code=201)
def issue_token(
    department_id: int, data: TokenCreate, principal: PrincipalDep, session: SessionDep
) -> TokenIssued:
    """An open-API token for one department's system (the secret is shown once)."""
    secret, token = service.issue_token(session, principal, department_id, label=data.label, days=data.days)
    return TokenIssued(id=token.id, token=secret, label=token.label, department_id=department_id)


@router.get("/apps", response_model=Page[AppRead])
def list_apps(
    principal: PrincipalDep,
    session: SessionDep,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> Page[AppRead]:
    """Service applications of the departments inside the caller's subtrees."""
    paths = [s.path for s in principal.require_any(Perm.CATALOG_READ)]
    ids = service.visible_department_ids(session, paths)
    items, total = service.list_apps(session, department_ids=ids, limit=limit, offset=offset)
    return Page[AppRead](items=items, total=total)


@router.post("/apps", response_model=AppRead, status_code=201)
def create_app(data: AppCreate, principal: PrincipalDep, session: SessionDep) -> AppRead:
    """A new service application (a draft) of a department in the caller's subtree."""
    if data.department_id is None:
        raise InvalidInput("department_id: required")
    department = service.department_for(session, principal, data.department_id, Perm.CATALOG_WRITE)
    content = AppContent.model_validate(data.model_dump(exclude={"department_id"}))
    return service.app_read(session, service.create_app(session, principal.actor, department, content))


@router.get("/apps/{app_id}", response_model=AppRead)
def get_app(app_id: int, principal: PrincipalDep, session: SessionDep) -> AppRead:
    return service.app_read(session, service.app_for(session, principal, app_id, Perm.CATALOG_READ))


@router.put("/apps/{app_id}", response_model=AppRead)
def update_app(app_id: int, data: AppContent, principal: PrincipalDep, session: SessionDep) -> AppRead:
    """Edit an app: a draft changes in place; a published app gets a new draft version."""
    app = service.app_for(session, principal, app_id, Perm.CATALOG_WRITE)
    service.update_app(session, principal.actor, app, data)
    return service.app_read(session, app)


@router.get("/export")
def export(
    principal: PrincipalDep,
    session: SessionDep,
    format: Literal["json", "cpsv-ap"] = "json",
    department_id: int | None = None,
) -> dict:
    """The catalog inside the caller's subtrees as our JSON or as CPSV-AP JSON-LD."""
    paths = [s.path for s in principal.require_any(Perm.CATALOG_READ)]
    items = service.export_items(session, paths=paths, department_id=department_id)
    if format == "json":
        return exporting.to_json(items)
    return exporting.to_cpsv_ap(items, base_uri="urn:govkiosk:catalog:")


@terminal_router.post("/forms/{app_id}/prefill", response_model=FormPrefill)
def prefill_form(
    app_id: int,
    data: FormPrefillRequest,
    request: Request,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    authorization: str | None = Header(default=None),
) -> FormPrefill:
    """A form's initial data from the identity the kiosk verified and the citizen's e-licences, computed
    fields included."""
    runtime.require_terminal(authorization)
    licences = request.app.state.support.licences
    return FormPrefill(
        data=forms.prefill_form(session, licences, app_id, name=data.name, id_number=data.id_number)
    )


@terminal_router.post("/forms/{app_id}/check", response_model=FormCheck)
def check_form(
    app_id: int,
    data: FormCheckRequest,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    authorization: str | None = Header(default=None),
) -> FormCheck:
    """One step's problems (or all) and the data with its computed fields, checked as a submission is."""
    runtime.require_terminal(authorization)
    return forms.check_form(session, app_id, data.data, data.step)


@terminal_router.get("/regions", response_model=RegionList)
def regions(
    runtime: RuntimeDep,
    parent: str | None = Query(default=None, pattern=r"^\d{6}$"),
    authorization: str | None = Header(default=None),
) -> RegionList:
    """Administrative divisions (GB/T 2260) under `parent`, the provinces without it: the region picker's."""
    runtime.require_terminal(authorization)
    return forms.regions(parent)
