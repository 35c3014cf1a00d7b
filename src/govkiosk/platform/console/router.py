"""Admin console (管理控制台): server-rendered pages over the domain services.

Pages are GET; changes are form posts carrying the session's CSRF token, answered with a redirect
(POST-redirect-GET), except issuing an enrollment token, whose secret is shown once in the answer.
Each section's pages live in `pages/`; this module signs people in and out and mounts it all."""

from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from govkiosk.platform.accounts import service as accounts
from govkiosk.platform.console.deps import ConsoleSession, ConsoleWriter
from govkiosk.platform.console.pages import (
    audit,
    cases,
    catalog,
    enrollment,
    evaluations,
    onboarding,
    overview,
    placement,
    terminals,
    users,
    webhooks,
)
from govkiosk.platform.console.rendering import HERE, install_error_pages, redirect, render
from govkiosk.platform.core.errors import Unauthenticated
from govkiosk.platform.deps import SESSION_COOKIE, SettingsDep, client_ip

router = APIRouter(prefix="/console", include_in_schema=False)


def mount(app: FastAPI) -> None:
    """Add the console's pages, static files and error pages to `app`."""
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")
    for pages in (
        router,
        overview.router,
        terminals.router,
        enrollment.router,
        users.router,
        audit.router,
        catalog.router,
        onboarding.router,
        placement.router,
        cases.router,
        webhooks.router,
        evaluations.router,
    ):
        app.include_router(pages)
    install_error_pages(app)


def _safe_next(target: str | None) -> str:
    """Only console paths of this site: never an open redirect."""
    if target and target.startswith("/console/") and "//" not in target and "\\" not in target:
        return target
    return "/console/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "") -> Response:
    """The sign-in form."""
    return render(request, "login.html", {"next": _safe_next(next), "failed": False})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: ConsoleSession,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the credentials, open a console session and set its HttpOnly cookie."""
    ip = client_ip(request)
    try:
        user = accounts.authenticate(session, username=username, password=password, ip=ip)
    except Unauthenticated:
        context = {"next": _safe_next(next), "failed": True, "username": username}
        return render(request, "login.html", context, status=401, here="/console/login")
    ttl_s = settings.console_session_ttl_s
    secret, _ = accounts.open_session(session, user, kind="console", ttl_s=ttl_s, ip=ip)
    response = redirect(_safe_next(next))
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=ttl_s,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return response


@router.post("/logout")
def logout(request: Request, principal: ConsoleWriter, session: ConsoleSession) -> Response:
    """End the console session."""
    accounts.close_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/console/login?done=signed_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
