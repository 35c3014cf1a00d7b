"""Request-scoped dependencies: the unit of work, the signed-in principal, the node's runtime."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from govkiosk.platform.accounts import service as accounts
from govkiosk.platform.accounts.authz import Principal
from govkiosk.platform.audit.models import AuditEvent
from govkiosk.platform.audit.service import DEFERRED_KEY, WRITE_KEY
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.core.errors import DomainError, Forbidden, Unauthenticated
from govkiosk.platform.core.settings import Settings
from govkiosk.platform.db.session import Database
from govkiosk.platform.fleet.runtime import FleetRuntime

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
WRITER_WAIT_S = 5.0  # how long a write request waits for SQLite's writer lock before answering 503
SESSION_COOKIE = "gk_session"


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@asynccontextmanager
async def _unit_of_work(request: Request, *, write: bool) -> AsyncIterator[Session]:
    db: Database = request.app.state.db
    deferred: list[AuditEvent] = []
    try:
        async with db.request_session(write=write, wait_s=WRITER_WAIT_S) as session:
            session.info[WRITE_KEY] = write
            session.info[DEFERRED_KEY] = deferred
            try:
                yield session
            except DomainError as exc:
                if request.method not in SAFE_METHODS or isinstance(exc, Forbidden):
                    deferred.append(_failure_event(request, exc))
                raise
    finally:
        if deferred:
            async with db.request_session(write=True) as session:
                session.add_all(deferred)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed on success, rolled back on error.

    Writers (non-GET) take SQLite's writer lock up front, waiting for it on the event loop (no worker
    thread) at most WRITER_WAIT_S, then 503 with Retry-After. Audit events of reads and of failed or denied
    requests are written after the request's own transaction, so they survive its rollback."""
    async with _unit_of_work(request, write=request.method not in SAFE_METHODS) as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A transaction that only reads, whatever the method: for a POST whose effect is outside the database
    (a material's bytes go to the object store), so it never queues for SQLite's writer lock."""
    async with _unit_of_work(request, write=False) as session:
        yield session


def _failure_event(request: Request, exc: DomainError) -> AuditEvent:
    principal: Principal | None = getattr(request.state, "principal", None)
    route = request.scope.get("route")
    org_path = getattr(exc, "org_path", None) or (
        principal.grants[0].path if principal and principal.grants else None
    )
    return AuditEvent(
        at=utcnow(),
        actor_id=principal.user_id if principal else None,
        actor=principal.username if principal else "anonymous",
        action=f"{request.method} {getattr(route, 'path', request.url.path)}",
        object_type="request",
        object_id=None,
        org_path=org_path,
        ip=client_ip(request),
        outcome="denied" if isinstance(exc, Forbidden) else "failed",
        detail={"code": exc.code, "message": exc.message[:300], "path": request.url.path},
    )


# scope="function": commit before the response is sent, so a 2xx means the change is durable.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:] if header.lower().startswith("bearer ") else None


def get_principal(request: Request, session: SessionDep) -> Principal:
    """The user behind an API bearer token or a console session cookie."""
    token = _bearer(request)
    if token:
        principal, _ = accounts.principal_for_secret(session, token, kind="api", ip=client_ip(request))
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            raise Unauthenticated()
        principal, record = accounts.principal_for_secret(
            session, cookie, kind="console", ip=client_ip(request)
        )
        request.state.csrf_token = record.csrf_token
        if request.method not in SAFE_METHODS:
            sent = request.headers.get("x-csrf-token")
            if sent != record.csrf_token:
                raise Forbidden("missing or wrong CSRF token")
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


# async: FastAPI runs a plain `def` dependency in the thread pool, a hop not worth paying to read a field.
async def get_runtime(request: Request) -> FleetRuntime:
    return request.app.state.runtime


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


RuntimeDep = Annotated[FleetRuntime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
