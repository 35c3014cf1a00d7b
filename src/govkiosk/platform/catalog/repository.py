"""Queries of the service catalog: departments, items, apps and their versions, department tokens."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from govkiosk.platform.catalog.models import (
    Department,
    DepartmentToken,
    ServiceApp,
    ServiceAppVersion,
    ServiceItem,
    ServiceItemVersion,
)
from govkiosk.platform.orgs.models import OrgNode


def add(session: Session, *objects: object) -> None:
    session.add_all(objects)
    session.flush()


def get_department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def get_department_by_code(session: Session, code: str) -> Department | None:
    return session.scalar(select(Department).where(Department.code == code))


def get_department_by_name(session: Session, name: str, org_node_id: int) -> Department | None:
    return session.scalar(
        select(Department).where(Department.name == name, Department.org_node_id == org_node_id)
    )


def list_departments(session: Session, *, paths: Sequence[str] | None) -> Sequence[tuple[Department, str]]:
    """Departments with their org paths, inside `paths` (None = everywhere)."""
    query = select(Department, OrgNode.path).join(OrgNode, OrgNode.id == Department.org_node_id)
    if paths is not None:
        query = query.where(_under(paths))
    return session.execute(query.order_by(Department.name)).all()


def department_paths(session: Session) -> dict[int, str]:
    """Every department's org path, by department id."""
    rows = session.execute(
        select(Department.id, OrgNode.path).join(OrgNode, OrgNode.id == Department.org_node_id)
    )
    return dict(rows.all())


def _under(paths: Sequence[str]) -> ColumnElement[bool]:
    return or_(*(OrgNode.path.startswith(p) for p in paths)) if paths else false()


def get_item(session: Session, item_id: int) -> ServiceItem | None:
    return session.get(ServiceItem, item_id)


def get_item_version(session: Session, item_id: int, version: int) -> ServiceItemVersion | None:
    return session.scalar(
        select(ServiceItemVersion).where(
            ServiceItemVersion.item_id == item_id, ServiceItemVersion.version == version
        )
    )


def items_with_code(session: Session, task_code: str) -> Sequence[ServiceItem]:
    return session.scalars(select(ServiceItem).where(ServiceItem.task_code == task_code)).all()


def items_by_code(session: Session, codes: Sequence[str]) -> dict[str, int]:
    """Item ids by implementation code, for the codes given."""
    rows = session.execute(
        select(ServiceItem.task_code, ServiceItem.id).where(ServiceItem.task_code.in_(codes))
    )
    return {code: item_id for code, item_id in rows.all() if code}


def latest_items(
    session: Session, item_ids: Sequence[int] | None = None
) -> Sequence[tuple[ServiceItem, ServiceItemVersion]]:
    """Items with their latest versions (all, or the ids given)."""
    query = select(ServiceItem, ServiceItemVersion).join(
        ServiceItemVersion,
        and_(
            ServiceItemVersion.item_id == ServiceItem.id,
            ServiceItemVersion.version == ServiceItem.latest_version,
        ),
    )
    if item_ids is not None:
        query = query.where(ServiceItem.id.in_(item_ids))
    return session.execute(query).all()


def versions_of(session: Session, item_id: int) -> Sequence[ServiceItemVersion]:
    return session.scalars(
        select(ServiceItemVersion)
        .where(ServiceItemVersion.item_id == item_id)
        .order_by(ServiceItemVersion.version)
    ).all()


def item_versions(
    session: Session, keys: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], ServiceItemVersion]:
    """Item versions by (item id, version)."""
    if not keys:
        return {}
    ids = {item_id for item_id, _ in keys}
    rows = session.scalars(select(ServiceItemVersion).where(ServiceItemVersion.item_id.in_(ids))).all()
    wanted = set(keys)
    return {(v.item_id, v.version): v for v in rows if (v.item_id, v.version) in wanted}


def get_app(session: Session, app_id: int) -> ServiceApp | None:
    return session.get(ServiceApp, app_id)


def get_app_version(session: Session, app_id: int, version: int) -> ServiceAppVersion | None:
    return session.scalar(
        select(ServiceAppVersion).where(
            ServiceAppVersion.app_id == app_id, ServiceAppVersion.version == version
        )
    )


def latest_apps(
    session: Session, *, department_ids: Sequence[int] | None = None, limit: int = 500, offset: int = 0
) -> tuple[Sequence[tuple[ServiceApp, ServiceAppVersion]], int]:
    query = select(ServiceApp, ServiceAppVersion).join(
        ServiceAppVersion,
        and_(
            ServiceAppVersion.app_id == ServiceApp.id, ServiceAppVersion.version == ServiceApp.latest_version
        ),
    )
    if department_ids is not None:
        query = query.where(ServiceApp.department_id.in_(department_ids))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(ServiceApp.id).limit(limit).offset(offset)).all()
    return rows, total


def app_versions(
    session: Session, keys: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], ServiceAppVersion]:
    """App versions by (app id, version)."""
    if not keys:
        return {}
    ids = {app_id for app_id, _ in keys}
    rows = session.scalars(select(ServiceAppVersion).where(ServiceAppVersion.app_id.in_(ids))).all()
    wanted = set(keys)
    return {(v.app_id, v.version): v for v in rows if (v.app_id, v.version) in wanted}


def count_items(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ServiceItem)) or 0


def eligible_items(session: Session) -> Sequence[tuple[int, int, bool]]:
    """(item id, department id, kiosk enabled) of every published item that may be handled at a kiosk."""
    query = (
        select(ServiceItem.id, ServiceItem.department_id, ServiceItem.kiosk_enabled)
        .join(
            ServiceItemVersion,
            and_(
                ServiceItemVersion.item_id == ServiceItem.id,
                ServiceItemVersion.version == ServiceItem.published_version,
            ),
        )
        .where(ServiceItemVersion.kiosk_eligible.is_(True))
    )
    return session.execute(query).all()


def get_token_by_hash(session: Session, token_hash: str) -> DepartmentToken | None:
    return session.scalar(select(DepartmentToken).where(DepartmentToken.token_hash == token_hash))


def list_tokens(session: Session, department_id: int) -> Sequence[DepartmentToken]:
    return session.scalars(
        select(DepartmentToken)
        .where(DepartmentToken.department_id == department_id)
        .order_by(DepartmentToken.id)
    ).all()
