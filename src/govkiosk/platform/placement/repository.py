"""Queries of the placement domain: demand points, sites, plans, and the kiosks standing in a subtree."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from govkiosk.platform.orgs.models import OrgNode
from govkiosk.platform.placement.models import DemandPoint, PlacementPlan, PlacementSite
from govkiosk.platform.terminals.models import EnrollmentState, Terminal


def add(session: Session, *objects: object) -> None:
    session.add_all(objects)
    session.flush()


def _under(paths: Sequence[str]) -> ColumnElement[bool]:
    clauses = [OrgNode.path.startswith(p, autoescape=True) for p in paths]
    return or_(*clauses) if clauses else false()


def demand_under(session: Session, path: str) -> Sequence[Any]:
    """(id, code, lon, lat, population, org_node_id, district name) of the demand points under `path`."""
    return session.execute(
        select(
            DemandPoint.id,
            DemandPoint.code,
            DemandPoint.lon,
            DemandPoint.lat,
            DemandPoint.population,
            DemandPoint.org_node_id,
            OrgNode.name,
        )
        .join(OrgNode, OrgNode.id == DemandPoint.org_node_id)
        .where(_under([path]))
        .order_by(DemandPoint.id)
    ).all()


def sites_under(session: Session, path: str, *, existing: bool | None = None) -> Sequence[Any]:
    """(site, district name) rows of candidate and/or existing sites under `path`."""
    query = (
        select(PlacementSite, OrgNode.name)
        .join(OrgNode, OrgNode.id == PlacementSite.org_node_id)
        .where(_under([path]))
    )
    if existing is not None:
        query = query.where(PlacementSite.existing.is_(existing))
    return session.execute(query.order_by(PlacementSite.id)).all()


def count_demand(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DemandPoint)) or 0


def kiosks_under(session: Session, path: str) -> Sequence[Any]:
    """(id, connectivity, device_issues, profile_id, site lat, site lon, site path) of the approved
    terminals under `path`: the deployed network."""
    return session.execute(
        select(
            Terminal.id,
            Terminal.connectivity,
            Terminal.device_issues,
            Terminal.profile_id,
            OrgNode.lat,
            OrgNode.lon,
            OrgNode.path,
        )
        .join(OrgNode, OrgNode.id == Terminal.org_node_id)
        .where(_under([path]), Terminal.enrollment_state == EnrollmentState.APPROVED)
        .order_by(Terminal.id)
    ).all()


def get_plan(session: Session, plan_id: int) -> tuple[PlacementPlan, str] | None:
    row = session.execute(
        select(PlacementPlan, OrgNode.path)
        .join(OrgNode, OrgNode.id == PlacementPlan.org_node_id)
        .where(PlacementPlan.id == plan_id)
    ).first()
    return (row[0], row[1]) if row else None


def list_plans(
    session: Session, *, paths: Sequence[str], limit: int, offset: int
) -> tuple[Sequence[PlacementPlan], int]:
    """Plans made on nodes under any of `paths`, newest first."""
    base = select(PlacementPlan).join(OrgNode, OrgNode.id == PlacementPlan.org_node_id).where(_under(paths))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(base.order_by(PlacementPlan.id.desc()).limit(limit).offset(offset)).all()
    return rows, total
