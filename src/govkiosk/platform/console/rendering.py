"""Rendering console pages: templates, language, the menu, and errors shown as pages."""

import inspect
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from govkiosk.platform.accounts.authz import ROLE_LABELS
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.console.deps import sections_for
from govkiosk.platform.console.i18n import DEFAULT_LANG, LANGS, translate
from govkiosk.platform.core.clock import as_utc
from govkiosk.platform.core.errors import DomainError
from govkiosk.platform.deps import SESSION_COOKIE

HERE = Path(__file__).resolve().parent
LANG_COOKIE = "lang"
PREFIX = "/console"
# Shenzhen's operators read local time; the database keeps UTC.
CHINA_TIME = timezone(timedelta(hours=8), "CST")

HttpErrorHandler = Callable[[Request, Exception], Response | Awaitable[Response]]

templates = Jinja2Templates(directory=HERE / "templates")


def local_time(value: datetime | None) -> str:
    """A stored UTC time as China Standard Time, to the second."""
    if value is None:
        return "—"
    return as_utc(value).astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S")


templates.env.filters["local_time"] = local_time


def request_lang(request: Request) -> str:
    """`?lang=` wins, then the `lang` cookie, then Chinese."""
    for value in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if value in LANGS:
            return value
    return DEFAULT_LANG


def page_url(path: str, **params: object) -> str:
    """`path` with the non-empty `params` as its query string."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


def _switch_url(request: Request, lang: str, here: str | None) -> str:
    other = "en" if lang == "zh" else "zh"
    if here is None:
        here = request.url.path if request.method == "GET" else f"{PREFIX}/"
        params = {k: v for k, v in request.query_params.items() if k not in ("lang", "done")}
        return page_url(here, **params, lang=other)
    return page_url(here, lang=other)


def role_label(role: str, lang: str) -> str:
    zh, en = ROLE_LABELS.get(Role(role), (role, role))
    return en if lang == "en" else zh


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    here: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page in the request's language, with the menu of what the signed-in user may open.

    `here` is the GET address of the page, for the language switch of pages answering a POST."""
    lang = request_lang(request)
    principal = getattr(request.state, "principal", None)
    done = request.query_params.get("done", "")
    values: dict[str, Any] = {
        "lang": lang,
        "t": partial(translate, lang=lang),
        "principal": principal,
        "sections": sections_for(principal),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "switch_url": _switch_url(request, lang, here),
        "role_label": partial(role_label, lang=lang),
        "current_path": request.url.path,
        "done": translate(f"done.{done}", lang, default="") if done else "",
        "page_url": page_url,
    }
    values.update(context or {})
    response = templates.TemplateResponse(request, template, values, status_code=status, headers=headers)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


def redirect(url: str) -> RedirectResponse:
    """POST-redirect-GET."""
    return RedirectResponse(url, status_code=303)


def _is_console(request: Request) -> bool:
    return request.url.path == PREFIX or request.url.path.startswith(PREFIX + "/")


def error_page(request: Request, status: int, message: str) -> Response:
    """An expected failure as a page with its status; an expired session goes back to the sign-in page."""
    if status == 401:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = here if request.method == "GET" else f"{PREFIX}/"
        response = redirect(page_url(f"{PREFIX}/login", next=target))
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    lang = request_lang(request)
    title = translate(f"error.{status}", lang, default=translate("error.title", lang))
    context = {"status": status, "title": title, "message": message, "back": _back_url(request)}
    return render(request, "error.html", context, status=status)


def _back_url(request: Request) -> str | None:
    """The console page the user came from (same site only), for the error page's back link."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return None
    if not referer.path.startswith(PREFIX + "/"):
        return None
    if request.method == "GET" and referer.path == request.url.path:
        return None  # the failing page itself
    return referer.path + (f"?{referer.query}" if referer.query else "")


async def _answer(handler: HttpErrorHandler, request: Request, exc: Exception) -> Response:
    result = handler(request, exc)
    return await result if inspect.isawaitable(result) else result


def install_error_pages(app: FastAPI) -> None:
    """Console paths get error pages; every other path keeps the API's JSON errors.

    Installed after app.py's handlers, which it wraps: the console's own router cannot catch errors
    raised in dependencies or after the unit of work has rolled back."""
    api_domain_error: HttpErrorHandler = app.exception_handlers[DomainError]
    api_invalid: HttpErrorHandler = app.exception_handlers[RequestValidationError]

    async def domain_error(request: Request, exc: Exception) -> Response:
        if not _is_console(request) or not isinstance(exc, DomainError):
            return await _answer(api_domain_error, request, exc)
        return error_page(request, exc.status_code, exc.message)

    async def invalid(request: Request, exc: Exception) -> Response:
        if not _is_console(request) or not isinstance(exc, RequestValidationError):
            return await _answer(api_invalid, request, exc)
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "form"
        return error_page(request, 422, f"{where}: {first.get('msg', '')}")

    async def http_error(request: Request, exc: Exception) -> Response:
        if not _is_console(request) or not isinstance(exc, StarletteHTTPException):
            return await http_exception_handler(request, exc)  # type: ignore[arg-type]
        return error_page(request, exc.status_code, str(exc.detail))

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
