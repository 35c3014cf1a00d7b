"""Use cases of accounts: sign-in, sessions and tokens, users and their grants."""

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from govkiosk.platform.accounts import repository
from govkiosk.platform.accounts.authz import Grant, Perm, Principal
from govkiosk.platform.accounts.models import Role, RoleGrant, User, UserSession
from govkiosk.platform.accounts.schemas import (
    GrantCreate,
    GrantRead,
    MeRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from govkiosk.platform.audit import service as audit
from govkiosk.platform.core.clock import as_utc, utcnow
from govkiosk.platform.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from govkiosk.platform.core.security import hash_password, new_token, token_digest, verify_password
from govkiosk.platform.orgs import service as orgs

# Verifying against a real hash for unknown users keeps sign-in time from revealing which names exist.
_DUMMY_HASH = hash_password("not-a-real-password")


def authenticate(session: Session, *, username: str, password: str, ip: str | None) -> User:
    """The active user with these credentials; failures are audited and never say which part was wrong."""
    user = repository.get_by_username(session, username)
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.is_active:
        audit.record(
            session,
            audit.Actor(username=username[:64], ip=ip),
            "auth.login",
            object_type="user",
            object_id=user.id if user else None,
            outcome="failed",
        )
        raise Unauthenticated("wrong username or password")
    user.last_login_at = utcnow()
    audit.record(
        session, audit.Actor(username, user.id, ip), "auth.login", object_type="user", object_id=user.id
    )
    return user


def open_session(
    session: Session, user: User, *, kind: str, ttl_s: int, ip: str | None
) -> tuple[str, UserSession]:
    """Start a console session or issue an API token; the secret is returned once and stored hashed."""
    secret = new_token()
    now = utcnow()
    record = UserSession(
        token_hash=token_digest(secret),
        user_id=user.id,
        kind=kind,
        csrf_token=new_token(24),
        ip=ip,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_s),
    )
    repository.add(session, record)
    return secret, record


def close_session(session: Session, secret: str) -> None:
    """End the session whose secret is `secret` (idempotent)."""
    record = repository.get_session_by_hash(session, token_digest(secret))
    if record is not None:
        record.revoked = True


def principal_for_secret(
    session: Session, secret: str, *, kind: str, ip: str | None
) -> tuple[Principal, UserSession]:
    """The principal behind a live session or token of `kind`; Unauthenticated otherwise."""
    record = repository.get_session_by_hash(session, token_digest(secret))
    if record is None or record.kind != kind or record.revoked or as_utc(record.expires_at) < utcnow():
        raise Unauthenticated("session expired or unknown; sign in again")
    user = repository.get(session, record.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("account disabled")
    return build_principal(session, user, ip=ip), record


def build_principal(session: Session, user: User, *, ip: str | None) -> Principal:
    grants = tuple(
        Grant(role=Role(g.role), org_node_id=g.org_node_id, path=path, vendor_id=g.vendor_id)
        for g, path in repository.grants_with_paths(session, [user.id])
    )
    return Principal(
        user_id=user.id, username=user.username, display_name=user.display_name, grants=grants, ip=ip
    )


def _read(user: User, grants: Sequence[RoleGrant]) -> UserRead:
    return UserRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        is_active=user.is_active,
        is_demo=user.is_demo,
        last_login_at=user.last_login_at,
        grants=[GrantRead.model_validate(g) for g in grants],
    )


def list_users(session: Session, principal: Principal) -> list[UserRead]:
    """Users holding a grant inside the caller's readable subtrees."""
    paths = [s.path for s in principal.require_any(Perm.USER_READ)]
    users = repository.users_with_grant_in(session, paths)
    grants = repository.grants_with_paths(session, [u.id for u in users])
    by_user: dict[int, list[RoleGrant]] = {}
    for grant, _path in grants:
        by_user.setdefault(grant.user_id, []).append(grant)
    audit.record(
        session,
        principal.actor,
        "user.list",
        object_type="user",
        org_path=paths[0],
        detail={"count": len(users)},
    )
    return [_read(u, by_user.get(u.id, [])) for u in users]


def get_user(session: Session, principal: Principal, user_id: int) -> UserRead:
    """One user, if one of their grants lies inside the caller's subtrees."""
    user = repository.get(session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    grants = [g for g, _ in repository.grants_with_paths(session, [user.id])]
    paths = [p for _, p in repository.grants_with_paths(session, [user.id])]
    if not any(principal.can(Perm.USER_READ, p) for p in paths):
        raise Forbidden("this user lies outside your subtree")
    return _read(user, grants)


def me(session: Session, principal: Principal) -> MeRead:
    """The caller's own account and grants (needs no permission)."""
    grants = [
        GrantRead.model_validate(g) for g, _ in repository.grants_with_paths(session, [principal.user_id])
    ]
    return MeRead(
        id=principal.user_id, username=principal.username, display_name=principal.display_name, grants=grants
    )


def _check_grant(session: Session, principal: Principal, data: GrantCreate) -> None:
    path = orgs.get_path(session, data.org_node_id)
    principal.require(Perm.USER_WRITE, path)
    if (data.role is Role.VENDOR_MAINTAINER) != (data.vendor_id is not None):
        raise InvalidInput("vendor_id is required for vendor maintainers and only for them")


def create_user(session: Session, principal: Principal, data: UserCreate) -> UserRead:
    """Create a user with their grants; each grant must lie in the caller's writable subtree."""
    if not data.grants:
        raise InvalidInput("a user needs at least one role grant")
    for grant in data.grants:
        _check_grant(session, principal, grant)
    if repository.get_by_username(session, data.username) is not None:
        raise Conflict(f"username {data.username} is taken")
    user = User(
        username=data.username, display_name=data.display_name, password_hash=hash_password(data.password)
    )
    repository.add(session, user)
    grants = [RoleGrant(user_id=user.id, **g.model_dump()) for g in data.grants]
    for role_grant in grants:
        repository.add(session, role_grant)
    audit.record(
        session,
        principal.actor,
        "user.create",
        object_type="user",
        object_id=user.id,
        org_path=orgs.get_path(session, data.grants[0].org_node_id),
        detail={"username": user.username},
    )
    return _read(user, grants)


def _writable_user(session: Session, principal: Principal, user_id: int) -> tuple[User, str]:
    user = repository.get(session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    paths = [p for _, p in repository.grants_with_paths(session, [user.id])] or ["/"]
    if not all(principal.can(Perm.USER_WRITE, p) for p in paths):
        raise Forbidden("this user holds grants outside your subtree")
    return user, paths[0]


def update_user(session: Session, principal: Principal, user_id: int, data: UserUpdate) -> UserRead:
    """Change name, password or active flag; a new password or deactivation ends their sessions."""
    user, path = _writable_user(session, principal, user_id)
    changes = data.model_dump(exclude_unset=True)
    if "display_name" in changes:
        user.display_name = changes["display_name"]
    if changes.get("password"):
        user.password_hash = hash_password(changes["password"])
        repository.revoke_sessions(session, user.id)
    if "is_active" in changes:
        user.is_active = changes["is_active"]
        if not user.is_active:
            repository.revoke_sessions(session, user.id)
    session.flush()
    audit.record(
        session,
        principal.actor,
        "user.update",
        object_type="user",
        object_id=user.id,
        org_path=path,
        detail={"changed": sorted(changes)},
    )
    return get_user(session, principal, user.id)


def add_grant(session: Session, principal: Principal, user_id: int, data: GrantCreate) -> GrantRead:
    """Grant a role on a subtree the caller may administer."""
    user, _ = _writable_user(session, principal, user_id)
    _check_grant(session, principal, data)
    grant = RoleGrant(user_id=user.id, **data.model_dump())
    repository.add(session, grant)
    audit.record(
        session,
        principal.actor,
        "grant.create",
        object_type="role_grant",
        object_id=grant.id,
        org_path=orgs.get_path(session, data.org_node_id),
        detail={"user": user.username, "role": data.role},
    )
    return GrantRead.model_validate(grant)


def remove_grant(session: Session, principal: Principal, grant_id: int) -> None:
    """Withdraw a grant inside the caller's subtree."""
    grant = repository.get_grant(session, grant_id)
    if grant is None:
        raise NotFound(f"grant {grant_id} does not exist")
    path = orgs.get_path(session, grant.org_node_id)
    principal.require(Perm.USER_WRITE, path)
    if grant.user_id == principal.user_id:
        raise InvalidInput("you cannot withdraw your own grant")
    repository.delete(session, grant)
    audit.record(
        session, principal.actor, "grant.delete", object_type="role_grant", object_id=grant_id, org_path=path
    )


def bootstrap_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    grants: Sequence[GrantCreate],
    is_demo: bool = False,
) -> User:
    """Create a user without an acting principal: first administrator, demo data, tests."""
    if repository.get_by_username(session, username) is not None:
        raise Conflict(f"username {username} is taken")
    user = User(
        username=username, display_name=display_name, password_hash=hash_password(password), is_demo=is_demo
    )
    repository.add(session, user)
    for grant in grants:
        repository.add(session, RoleGrant(user_id=user.id, **grant.model_dump()))
    audit.record(
        session,
        audit.Actor(username="system"),
        "user.bootstrap",
        object_type="user",
        object_id=user.id,
        detail={"username": username},
    )
    return user
