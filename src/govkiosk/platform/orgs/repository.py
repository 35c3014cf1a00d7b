"""Queries of the org tree."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from govkiosk.platform.orgs.models import OrgNode, path_ids


def get(session: Session, node_id: int) -> OrgNode | None:
    return session.get(OrgNode, node_id)


def get_root(session: Session) -> OrgNode | None:
    return session.scalars(select(OrgNode).where(OrgNode.parent_id.is_(None)).order_by(OrgNode.id)).first()


def get_by_code(session: Session, code: str) -> OrgNode | None:
    return session.scalars(select(OrgNode).where(OrgNode.code == code)).first()


def get_child_by_name(session: Session, parent_id: int, name: str) -> OrgNode | None:
    return session.scalars(
        select(OrgNode).where(OrgNode.parent_id == parent_id, OrgNode.name == name)
    ).first()


def in_paths(paths: Sequence[str]) -> ColumnElement[bool]:
    """Nodes inside any of the subtrees rooted at `paths`."""
    clauses = [OrgNode.path.startswith(p, autoescape=True) for p in paths]
    return or_(*clauses) if clauses else false()


def list_nodes(
    session: Session,
    *,
    paths: Sequence[str],
    parent_id: int | None = None,
    kind: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> tuple[Sequence[OrgNode], int]:
    conditions = [in_paths(paths)]
    if parent_id is not None:
        conditions.append(OrgNode.parent_id == parent_id)
    if kind:
        conditions.append(OrgNode.kind == kind)
    total = session.scalar(select(func.count()).select_from(OrgNode).where(*conditions)) or 0
    rows = session.scalars(
        select(OrgNode).where(*conditions).order_by(OrgNode.path).limit(limit).offset(offset)
    ).all()
    return rows, total


def ancestors(session: Session, node: OrgNode) -> Sequence[OrgNode]:
    """The node's ancestors and itself, from the root down."""
    ids = path_ids(node.path)
    rows = {n.id: n for n in get_many(session, set(ids))}
    return [rows[i] for i in ids if i in rows]


def subtree_ids(session: Session, path: str) -> Sequence[int]:
    return session.scalars(select(OrgNode.id).where(OrgNode.path.startswith(path, autoescape=True))).all()


def add(session: Session, node: OrgNode) -> OrgNode:
    session.add(node)
    session.flush()
    return node


def all_paths(session: Session) -> dict[int, str]:
    return {node_id: path for node_id, path in session.execute(select(OrgNode.id, OrgNode.path))}


def get_many(session: Session, ids: set[int]) -> Sequence[OrgNode]:
    if not ids:
        return []
    return session.scalars(select(OrgNode).where(OrgNode.id.in_(ids))).all()
