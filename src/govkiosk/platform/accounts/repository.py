"""Queries of accounts."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete as sql_delete
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from govkiosk.platform.accounts.models import RoleGrant, User, UserSession
from govkiosk.platform.orgs.models import OrgNode


def get(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def grants_with_paths(session: Session, user_ids: Sequence[int]) -> Sequence[tuple[RoleGrant, str]]:
    rows = session.execute(
        select(RoleGrant, OrgNode.path)
        .join(OrgNode, OrgNode.id == RoleGrant.org_node_id)
        .where(RoleGrant.user_id.in_(user_ids))
        .order_by(RoleGrant.id)
    ).all()
    return [(grant, path) for grant, path in rows]


def get_grant(session: Session, grant_id: int) -> RoleGrant | None:
    return session.get(RoleGrant, grant_id)


def users_with_grant_in(session: Session, paths: Sequence[str]) -> Sequence[User]:
    """Users holding at least one grant inside the given subtrees."""
    clauses = [OrgNode.path.startswith(p, autoescape=True) for p in paths]
    ids = select(RoleGrant.user_id).join(OrgNode, OrgNode.id == RoleGrant.org_node_id).where(or_(*clauses))
    return session.scalars(select(User).where(User.id.in_(ids)).order_by(User.username)).all()


def get_session_by_hash(session: Session, token_hash: str) -> UserSession | None:
    return session.scalars(select(UserSession).where(UserSession.token_hash == token_hash)).first()


def revoke_sessions(session: Session, user_id: int) -> None:
    session.execute(update(UserSession).where(UserSession.user_id == user_id).values(revoked=True))


def delete_expired_sessions(session: Session, now: datetime) -> None:
    session.execute(sql_delete(UserSession).where(UserSession.expires_at < now))


def add(session: Session, obj: object) -> None:
    session.add(obj)
    session.flush()


def delete(session: Session, obj: object) -> None:
    session.delete(obj)
    session.flush()
