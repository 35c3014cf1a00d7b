"""Service catalog use cases: departments, item and app versions, search, department API tokens."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.audit import service as audit
from govkiosk.platform.catalog import repository
from govkiosk.platform.catalog.codes import validate_item_codes
from govkiosk.platform.catalog.index import index_for, mark_changed
from govkiosk.platform.catalog.models import (
    Department,
    DepartmentToken,
    ServiceApp,
    ServiceAppVersion,
    ServiceItem,
    ServiceItemVersion,
)
from govkiosk.platform.catalog.schemas import (
    AppContent,
    AppRead,
    DepartmentCreate,
    DepartmentRead,
    ItemContent,
    ItemCreate,
    ItemPage,
    ItemRead,
    ItemStatus,
    ItemTier,
)
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.core.clock import as_utc, utcnow
from govkiosk.platform.core.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from govkiosk.platform.core.security import new_token, token_digest
from govkiosk.platform.orgs import service as orgs

TOKEN_PREFIX = "gkd_"
_PARENT_TIER = {ItemTier.SUB: ItemTier.MAIN, ItemTier.BUSINESS: ItemTier.SUB}


@dataclass(frozen=True)
class DepartmentCaller:
    """A department's system calling the open API with a token scoped to that department."""

    department_id: int
    department: str
    org_path: str
    token_label: str
    ip: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor(username=f"dept:{self.department_id}:{self.token_label}"[:64], ip=self.ip)


# --- departments -----------------------------------------------------------------------------------


def get_department(session: Session, department_id: int) -> Department:
    """A department by id; NotFound otherwise."""
    department = repository.get_department(session, department_id)
    if department is None:
        raise NotFound(f"department {department_id} not found")
    return department


def department_for(session: Session, principal: Principal, department_id: int, perm: Perm) -> Department:
    """A department the principal holds `perm` on (its org node is in one of their subtrees)."""
    department = get_department(session, department_id)
    principal.require(perm, orgs.get_path(session, department.org_node_id))
    return department


def list_departments(session: Session, principal: Principal) -> list[DepartmentRead]:
    """Departments inside the caller's subtrees."""
    paths = [s.path for s in principal.require_any(Perm.CATALOG_READ)]
    return [DepartmentRead.model_validate(d) for d, _ in repository.list_departments(session, paths=paths)]


def create_department(session: Session, principal: Principal, data: DepartmentCreate) -> DepartmentRead:
    """Register a department under an org node."""
    path = orgs.get_path(session, data.org_node_id)
    principal.require(Perm.CATALOG_WRITE, path)
    if repository.get_department_by_code(session, data.code):
        raise Conflict(f"a department with code {data.code} exists already")
    department = Department(name=data.name, code=data.code, org_node_id=data.org_node_id)
    repository.add(session, department)
    audit.record(
        session,
        principal.actor,
        "department.create",
        object_type="department",
        object_id=department.id,
        org_path=path,
        detail={"name": data.name, "code": data.code},
    )
    return DepartmentRead.model_validate(department)


def ensure_department(session: Session, *, name: str, code: str, org_node_id: int) -> Department:
    """The department with this code, created under `org_node_id` when new (import and demo)."""
    department = repository.get_department_by_code(session, code)
    if department is None:
        department = Department(name=name, code=code, org_node_id=org_node_id)
        repository.add(session, department)
    return department


# --- items -----------------------------------------------------------------------------------------


def get_item(session: Session, item_id: int) -> ServiceItem:
    """An item by id; NotFound otherwise."""
    item = repository.get_item(session, item_id)
    if item is None:
        raise NotFound(f"service item {item_id} not found")
    return item


def item_for(session: Session, principal: Principal, item_id: int, perm: Perm) -> ServiceItem:
    """An item whose department lies in a subtree where the principal holds `perm`."""
    item = get_item(session, item_id)
    department_for(session, principal, item.department_id, perm)
    return item


def require_own(item_or_app: ServiceItem | ServiceApp, caller: DepartmentCaller) -> None:
    """A department token reaches only its own department's items and apps (404 for others' ids)."""
    if item_or_app.department_id != caller.department_id:
        kind = "service item" if isinstance(item_or_app, ServiceItem) else "service app"
        raise NotFound(f"{kind} {item_or_app.id} not found")


def _check_codes_unique(session: Session, task_code: str | None, item_id: int | None) -> None:
    if not task_code:
        return
    others = [i for i in repository.items_with_code(session, task_code) if i.id != item_id]
    if others:
        raise Conflict(f"task_code {task_code} is already used by service item {others[0].id}")


def _check_parent(session: Session, department_id: int, parent_id: int | None, tier: ItemTier) -> None:
    if parent_id is None:
        return
    parent = get_item(session, parent_id)
    if parent.department_id != department_id:
        raise InvalidInput(f"parent_id: item {parent_id} belongs to another department")
    parent_tier = repository.get_item_version(session, parent.id, parent.latest_version)
    expected = _PARENT_TIER.get(tier)
    if parent_tier is None or expected is None or parent_tier.content.get("tier") != expected:
        raise InvalidInput(f"parent_id: a {tier.value} item hangs under a {expected or 'no'} item")


def _version_row(item_id: int, version: int, content: ItemContent, actor: Actor) -> ServiceItemVersion:
    return ServiceItemVersion(
        item_id=item_id,
        version=version,
        status=ItemStatus.DRAFT,
        content=content.model_dump(mode="json"),
        kiosk_eligible=content.kiosk_eligible,
        code_issues=[i.model_dump() for i in validate_item_codes(content)],
        created_at=utcnow(),
        created_by=actor.username,
    )


def create_item(
    session: Session,
    actor: Actor,
    department: Department,
    data: ItemCreate,
    *,
    publish: bool = False,
    audited: bool = True,
) -> ServiceItem:
    """A new item (version 1, a draft unless `publish`)."""
    content = ItemContent.model_validate(data.model_dump(exclude={"department_id", "parent_id"}))
    _check_codes_unique(session, content.task_code, None)
    _check_parent(session, department.id, data.parent_id, content.tier)
    item = ServiceItem(department_id=department.id, parent_id=data.parent_id, task_code=content.task_code)
    repository.add(session, item)
    row = _version_row(item.id, 1, content, actor)
    repository.add(session, row)
    if publish:
        _publish_row(item, row)
    if audited:
        audit.record(
            session,
            actor,
            "item.create",
            object_type="service_item",
            object_id=item.id,
            org_path=orgs.get_path(session, department.org_node_id),
            detail={"name": content.name, "task_code": content.task_code, "published": publish},
        )
    mark_changed(session, [item.id])
    return item


def update_item(
    session: Session, actor: Actor, item: ServiceItem, content: ItemContent, *, audited: bool = True
) -> ServiceItemVersion:
    """Change an item: the draft in place, or a new draft version when the latest is published."""
    _check_codes_unique(session, content.task_code, item.id)
    latest = repository.get_item_version(session, item.id, item.latest_version)
    assert latest is not None  # every item has its latest version
    _check_parent(session, item.department_id, item.parent_id, content.tier)
    if latest.status == ItemStatus.DRAFT:
        fresh = _version_row(item.id, latest.version, content, actor)
        latest.content, latest.code_issues = fresh.content, fresh.code_issues
        latest.kiosk_eligible, latest.created_by = fresh.kiosk_eligible, actor.username
        row = latest
    else:
        row = _version_row(item.id, item.latest_version + 1, content, actor)
        repository.add(session, row)
        item.latest_version = row.version
    item.task_code = content.task_code
    department = get_department(session, item.department_id)
    if audited:
        audit.record(
            session,
            actor,
            "item.update",
            object_type="service_item",
            object_id=item.id,
            org_path=orgs.get_path(session, department.org_node_id),
            detail={"version": row.version},
        )
    mark_changed(session, [item.id])
    return row


def _publish_row(item: ServiceItem, row: ServiceItemVersion) -> None:
    row.status = ItemStatus.PUBLISHED
    row.published_at = utcnow()
    item.published_version = row.version


def publish_item(session: Session, item: ServiceItem, version: int) -> None:
    """Make `version` the item's published version (immutable from now on); the older one is superseded."""
    row = repository.get_item_version(session, item.id, version)
    if row is None:
        raise NotFound(f"service item {item.id} has no version {version}")
    if row.status == ItemStatus.SUPERSEDED:
        raise Conflict(f"version {version} of item {item.id} was superseded by a later one")
    if item.published_version is not None and item.published_version != version:
        previous = repository.get_item_version(session, item.id, item.published_version)
        if previous is not None:
            previous.status = ItemStatus.SUPERSEDED
    _publish_row(item, row)
    mark_changed(session, [item.id])


def set_item_kiosk_enabled(session: Session, item_id: int, enabled: bool) -> None:
    """Called by onboarding when an item's kiosk publication starts or ends."""
    get_item(session, item_id).kiosk_enabled = enabled
    mark_changed(session, [item_id])


def item_content(session: Session, item_id: int, version: int) -> tuple[ItemContent, list[dict]]:
    """What one item version says, and its code issues."""
    row = repository.get_item_version(session, item_id, version)
    if row is None:
        raise NotFound(f"service item {item_id} has no version {version}")
    return ItemContent.model_validate(row.content), list(row.code_issues or [])


def version_was_published(session: Session, item_id: int, version: int) -> bool:
    """Whether this version of the item is, or was, the published one (a kiosk may submit for it)."""
    row = repository.get_item_version(session, item_id, version)
    return row is not None and row.status in (ItemStatus.PUBLISHED, ItemStatus.SUPERSEDED)


def _read(item: ServiceItem, row: ServiceItemVersion, department: str) -> ItemRead:
    return ItemRead.model_validate(
        {
            **row.content,
            "id": item.id,
            "version": row.version,
            "status": row.status,
            "department_id": item.department_id,
            "department": department,
            "parent_id": item.parent_id,
            "code_issues": row.code_issues or [],
            "kiosk_enabled": item.kiosk_enabled,
            "updated_at": as_utc(item.updated_at),
        }
    )


def item_reads(session: Session, item_ids: Sequence[int]) -> list[ItemRead]:
    """The latest versions of items, in the order of `item_ids`."""
    rows = {item.id: (item, row) for item, row in repository.latest_items(session, item_ids)}
    names = {d.id: d.name for d, _ in repository.list_departments(session, paths=None)}
    return [_read(*rows[i], names.get(rows[i][0].department_id, "")) for i in item_ids if i in rows]


def item_read(session: Session, item: ServiceItem, version: int | None = None) -> ItemRead:
    """One item, at its latest version or the version given."""
    row = repository.get_item_version(session, item.id, version or item.latest_version)
    if row is None:
        raise NotFound(f"service item {item.id} has no version {version}")
    return _read(item, row, get_department(session, item.department_id).name)


def item_versions(session: Session, item: ServiceItem) -> list[ItemRead]:
    """Every version of an item, oldest first."""
    department = get_department(session, item.department_id).name
    return [_read(item, row, department) for row in repository.versions_of(session, item.id)]


def search_items(
    session: Session,
    q: str,
    *,
    paths: Sequence[str] | None = None,
    department_id: int | None = None,
    item_type: str | None = None,
    status: str | None = None,
    kiosk_eligible: bool | None = None,
    topic: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> ItemPage:
    """Search the catalog (name, codes, department, topic, pinyin, synonyms) inside `paths`."""
    ids, total = index_for(session).search(
        q,
        limit=limit,
        offset=offset,
        paths=paths,
        department_id=department_id,
        item_type=item_type,
        status=status,
        kiosk_eligible=kiosk_eligible,
        topic=topic,
    )
    return ItemPage(items=item_reads(session, ids), total=total)


def export_items(session: Session, *, paths: Sequence[str], department_id: int | None) -> list[dict]:
    """The latest version of every item inside `paths` (optionally one department's), as JSON dicts."""
    dept_paths = repository.department_paths(session)
    names = department_names(session)
    rows = [
        _read(item, row, names.get(item.department_id, "")).model_dump(mode="json")
        for item, row in repository.latest_items(session)
        if any(dept_paths.get(item.department_id, "").startswith(p) for p in paths)
        and department_id in (None, item.department_id)
    ]
    return sorted(rows, key=lambda r: r["id"])


# --- apps ------------------------------------------------------------------------------------------


def get_app(session: Session, app_id: int) -> ServiceApp:
    app = repository.get_app(session, app_id)
    if app is None:
        raise NotFound(f"service app {app_id} not found")
    return app


def app_for(session: Session, principal: Principal, app_id: int, perm: Perm) -> ServiceApp:
    """An app whose department lies in a subtree where the principal holds `perm`."""
    app = get_app(session, app_id)
    department_for(session, principal, app.department_id, perm)
    return app


def _check_app(session: Session, department_id: int, content: AppContent) -> None:
    if content.kind == "form" and (content.item_id is None or content.form_definition is None):
        raise InvalidInput("a form app needs item_id and form_definition")
    if content.kind == "h5" and not content.url:
        raise InvalidInput("url: an H5 app needs its entry URL")
    if content.item_id is not None and get_item(session, content.item_id).department_id != department_id:
        raise InvalidInput(f"item_id: item {content.item_id} belongs to another department")
    unknown = (
        sorted(set(content.required_devices) - set(content.device_permissions))
        if content.kind == "h5"
        else []
    )
    if unknown:
        raise InvalidInput(
            f"device_permissions: the app requires {', '.join(unknown)} but is not permitted to use it"
        )


def _app_row(app_id: int, version: int, content: AppContent, actor: Actor) -> ServiceAppVersion:
    return ServiceAppVersion(
        app_id=app_id,
        version=version,
        status=ItemStatus.DRAFT,
        content=content.model_dump(mode="json"),
        created_at=utcnow(),
        created_by=actor.username,
    )


def create_app(session: Session, actor: Actor, department: Department, content: AppContent) -> ServiceApp:
    """A new service application (version 1, a draft)."""
    _check_app(session, department.id, content)
    app = ServiceApp(department_id=department.id)
    repository.add(session, app)
    repository.add(session, _app_row(app.id, 1, content, actor))
    audit.record(
        session,
        actor,
        "app.create",
        object_type="service_app",
        object_id=app.id,
        org_path=orgs.get_path(session, department.org_node_id),
        detail={"name": content.name, "kind": content.kind},
    )
    return app


def update_app(session: Session, actor: Actor, app: ServiceApp, content: AppContent) -> ServiceAppVersion:
    """Change an app: the draft in place, or a new draft version when the latest is published."""
    _check_app(session, app.department_id, content)
    latest = repository.get_app_version(session, app.id, app.latest_version)
    assert latest is not None
    if latest.status == ItemStatus.DRAFT:
        latest.content, latest.created_by = content.model_dump(mode="json"), actor.username
        row = latest
    else:
        row = _app_row(app.id, app.latest_version + 1, content, actor)
        repository.add(session, row)
        app.latest_version = row.version
    department = get_department(session, app.department_id)
    audit.record(
        session,
        actor,
        "app.update",
        object_type="service_app",
        object_id=app.id,
        org_path=orgs.get_path(session, department.org_node_id),
        detail={"version": row.version},
    )
    return row


def publish_app(session: Session, app: ServiceApp, version: int) -> None:
    """Make `version` the app's published version; the older one is superseded."""
    row = repository.get_app_version(session, app.id, version)
    if row is None:
        raise NotFound(f"service app {app.id} has no version {version}")
    if app.published_version is not None and app.published_version != version:
        previous = repository.get_app_version(session, app.id, app.published_version)
        if previous is not None:
            previous.status = ItemStatus.SUPERSEDED
    row.status, row.published_at = ItemStatus.PUBLISHED, utcnow()
    app.published_version = version


def set_app_kiosk_enabled(session: Session, app_id: int, enabled: bool) -> None:
    get_app(session, app_id).kiosk_enabled = enabled


def app_content(session: Session, app_id: int, version: int) -> AppContent:
    row = repository.get_app_version(session, app_id, version)
    if row is None:
        raise NotFound(f"service app {app_id} has no version {version}")
    return AppContent.model_validate(row.content)


def _app_read(app: ServiceApp, row: ServiceAppVersion, department: str) -> AppRead:
    return AppRead.model_validate(
        {
            **row.content,
            "id": app.id,
            "version": row.version,
            "status": row.status,
            "department_id": app.department_id,
            "department": department,
            "kiosk_enabled": app.kiosk_enabled,
            "updated_at": as_utc(app.updated_at),
        }
    )


def app_read(session: Session, app: ServiceApp) -> AppRead:
    row = repository.get_app_version(session, app.id, app.latest_version)
    assert row is not None
    return _app_read(app, row, get_department(session, app.department_id).name)


def list_apps(
    session: Session, *, department_ids: Sequence[int] | None, limit: int, offset: int
) -> tuple[list[AppRead], int]:
    """Apps (latest versions) of the departments given (None = all)."""
    rows, total = repository.latest_apps(session, department_ids=department_ids, limit=limit, offset=offset)
    names = {d.id: d.name for d, _ in repository.list_departments(session, paths=None)}
    return [_app_read(app, row, names.get(app.department_id, "")) for app, row in rows], total


def visible_department_ids(session: Session, paths: Sequence[str]) -> list[int]:
    return [d.id for d, _ in repository.list_departments(session, paths=paths)]


def department_names(session: Session) -> dict[int, str]:
    return {d.id: d.name for d, _ in repository.list_departments(session, paths=None)}


def item_names(session: Session) -> dict[int, str]:
    """Every item's name (its latest version's), by id."""
    return {item.id: row.content["name"] for item, row in repository.latest_items(session)}


def department_paths(session: Session) -> dict[int, str]:
    return repository.department_paths(session)


def eligible_items(session: Session) -> Sequence[tuple[int, int, bool]]:
    """(item id, department id, kiosk enabled) of published items that may be handled at a kiosk."""
    return repository.eligible_items(session)


# --- department API tokens --------------------------------------------------------------------------


def issue_token(
    session: Session, principal: Principal, department_id: int, *, label: str, days: int
) -> tuple[str, DepartmentToken]:
    """A new open-API token for one department; the secret is shown once."""
    department = department_for(session, principal, department_id, Perm.CATALOG_WRITE)
    secret = TOKEN_PREFIX + new_token()
    token = DepartmentToken(
        department_id=department.id,
        token_hash=token_digest(secret),
        label=label,
        created_by=principal.username,
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(days=days),
    )
    repository.add(session, token)
    audit.record(
        session,
        principal.actor,
        "department_token.issue",
        object_type="department_token",
        object_id=token.id,
        org_path=orgs.get_path(session, department.org_node_id),
        detail={"department": department.name, "label": label},
    )
    return secret, token


def caller_for_token(session: Session, secret: str, *, ip: str | None) -> DepartmentCaller:
    """The department behind a live department token; Unauthenticated otherwise."""
    token = repository.get_token_by_hash(session, token_digest(secret))
    if token is None or token.revoked or as_utc(token.expires_at) < utcnow():
        raise Unauthenticated("department token unknown, expired or revoked")
    department = get_department(session, token.department_id)
    return DepartmentCaller(
        department_id=department.id,
        department=department.name,
        token_label=token.label,
        ip=ip,
        org_path=orgs.get_path(session, department.org_node_id),
    )
