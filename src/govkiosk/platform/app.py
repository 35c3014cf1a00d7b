"""create_app(): the platform's routers, console, error mapping, observability and background jobs."""

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

import govkiosk
from govkiosk.platform.accounts.router import router as accounts_router
from govkiosk.platform.actions.router import router as actions_router
from govkiosk.platform.audit.router import router as audit_router
from govkiosk.platform.cases import router as cases
from govkiosk.platform.cases import tasks as case_tasks
from govkiosk.platform.cases.rates_router import router as case_rates_router
from govkiosk.platform.catalog.router import router as catalog_router
from govkiosk.platform.catalog.router import terminal_router as forms_terminal_router
from govkiosk.platform.configs.router import router as configs_router
from govkiosk.platform.connectors import tasks as connector_tasks
from govkiosk.platform.connectors.router import router as connectors_router
from govkiosk.platform.console.router import mount as mount_console
from govkiosk.platform.core import metrics
from govkiosk.platform.core.errors import DomainError
from govkiosk.platform.core.sealing import Sealer
from govkiosk.platform.core.security import TokenSigner
from govkiosk.platform.core.settings import Settings, get_settings
from govkiosk.platform.db.session import Database
from govkiosk.platform.dept_api.router import router as dept_api_router
from govkiosk.platform.evaluations import router as evaluations
from govkiosk.platform.fleet import tasks
from govkiosk.platform.fleet.push import hub
from govkiosk.platform.fleet.router import router as fleet_router
from govkiosk.platform.fleet.runtime import FleetRuntime
from govkiosk.platform.materials import router as materials
from govkiosk.platform.onboarding import tasks as onboarding_tasks
from govkiosk.platform.onboarding.router import router as onboarding_router
from govkiosk.platform.onboarding.router import terminal_router as catalog_terminal_router
from govkiosk.platform.orgs.router import router as orgs_router
from govkiosk.platform.placement.router import router as placement_router
from govkiosk.platform.support.runtime import build_support
from govkiosk.platform.terminals.router import router as terminals_router

log = structlog.get_logger("govkiosk.platform")
RETRY_AFTER_S = "5"


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: object
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, **extra}}, status_code=status, headers=headers
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return _error(exc.status_code, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        first = details[0] if details else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"][1:]) or "body"
        return _error(422, "invalid", f"{where}: {first['msg']}", details=details)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeoutError)
    async def database_down(_request: Request, exc: Exception) -> JSONResponse:
        log.error("database unavailable", error=str(exc).splitlines()[0][:200])
        return _error(
            503,
            "database_unavailable",
            "the database is unavailable; retry shortly",
            {"Retry-After": RETRY_AFTER_S},
        )

    @app.exception_handler(DBAPIError)
    async def database_error(_request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            return await database_down(_request, exc)
        log.error("database error", error=str(exc).splitlines()[0][:200])
        return _error(500, "internal", "internal error; it has been logged")

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return _error(500, "internal", "internal error; it has been logged")


def _install_observability(app: FastAPI) -> None:
    @app.get("/healthz", tags=["observability"])
    def healthz(request: Request) -> Response:
        """Liveness and database reachability."""
        db: Database = request.app.state.db
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not healthy", which is the answer
            return JSONResponse(
                {"status": "degraded", "database": "unavailable"}, 503, {"Retry-After": RETRY_AFTER_S}
            )
        return JSONResponse({"status": "ok", "database": "ok", "version": govkiosk.__version__})

    @app.get("/livez", tags=["observability"])
    def livez() -> dict:
        """The process answers (no database): also the trivial endpoint of the heartbeat benchmark."""
        return {"status": "ok"}

    @app.get("/metrics", tags=["observability"])
    def prometheus(request: Request) -> PlainTextResponse:
        """Prometheus metrics."""
        runtime: FleetRuntime = request.app.state.runtime
        metrics.HEARTBEAT_BUFFER.set(len(runtime.buffer))
        metrics.PUSH_CONNECTIONS.set(hub.connected())
        text = generate_latest().decode() + generate_latest(request.app.state.metrics).decode()
        return PlainTextResponse(text, media_type=CONTENT_TYPE_LATEST)


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> FastAPI:
    """The platform application; `db` lets tests and the demo share an engine."""
    settings = settings or get_settings()
    database = db or Database(settings.db_url)
    key = settings.secret_key.encode() if settings.secret_key else secrets.token_bytes(32)
    runtime = FleetRuntime(signer=TokenSigner(key))
    sealer = Sealer.from_settings(settings)
    support = build_support(settings, sealer)
    hub.listeners.append(runtime.action_queued)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs = tasks.start(database, runtime, settings) if settings.background_jobs else []
        if settings.background_jobs:
            jobs.append(
                asyncio.create_task(onboarding_tasks.run_checks_forever(database), name="govkiosk-checks")
            )
            jobs.append(
                asyncio.create_task(
                    connector_tasks.run_forever(database, app.state.sealer), name="govkiosk-webhooks"
                )
            )
            jobs.append(
                asyncio.create_task(
                    case_tasks.run_forever(database, support.store, settings), name="govkiosk-purge"
                )
            )
        yield
        await tasks.stop(jobs, database, runtime, settings)
        hub.listeners.remove(runtime.action_queued)

    app = FastAPI(
        title="govkiosk platform",
        version=govkiosk.__version__,
        lifespan=lifespan,
        description="Admin API (/api/v1), terminal API (/api/terminal/v1) and console of govkiosk.",
    )
    app.state.settings = settings
    app.state.db = database
    app.state.runtime = runtime
    app.state.sealer = sealer
    app.state.support = support
    app.state.metrics = metrics.node_registry(
        {
            "govkiosk_heartbeats": ("heartbeats accepted by this node", lambda: runtime.heartbeats_received),
            "govkiosk_heartbeats_written": (
                "heartbeats written by its batch flush",
                lambda: runtime.heartbeats_flushed,
            ),
        }
    )
    _install_error_handlers(app)
    _install_observability(app)
    # The terminal API first: routes are matched in order, and heartbeats are most of the traffic.
    for router in (
        fleet_router,
        accounts_router,
        orgs_router,
        terminals_router,
        actions_router,
        configs_router,
        audit_router,
        catalog_router,
        onboarding_router,
        catalog_terminal_router,
        forms_terminal_router,
        dept_api_router,
        cases.terminal_router,
        cases.router,
        cases.public_router,
        cases.dept_router,
        cases.page_router,
        case_rates_router,
        connectors_router,
        materials.terminal_router,
        materials.public_router,
        evaluations.terminal_router,
        evaluations.router,
        placement_router,
    ):
        app.include_router(router)
    mount_console(app)
    return app
