"""The console's signed-in principal: the session cookie, and for form posts the CSRF field."""

import secrets
from typing import Annotated, TypeVar

from fastapi import Depends, Form, Request
from pydantic import BaseModel, ValidationError

from govkiosk.platform.accounts import service as accounts
from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.core.errors import Forbidden, InvalidInput, Unauthenticated
from govkiosk.platform.deps import SESSION_COOKIE, SessionDep, client_ip

M = TypeVar("M", bound=BaseModel)

# The console's sections, in menu order, and the permissions that open each (any one suffices).
SECTIONS: tuple[tuple[str, str, tuple[Perm, ...]], ...] = (
    ("dashboard", "/console/", ()),
    ("orgs", "/console/orgs", (Perm.ORG_READ,)),
    ("terminals", "/console/terminals", (Perm.TERMINAL_READ,)),
    ("enrollment", "/console/enrollment", (Perm.ENROLLMENT_WRITE, Perm.AUDIT_READ)),
    ("users", "/console/users", (Perm.USER_READ,)),
    ("audit", "/console/audit", (Perm.AUDIT_READ,)),
)


# The same unit of work as the API: it commits before the answer is sent (see platform/deps.py).
ConsoleSession = SessionDep


def get_console_principal(request: Request, session: ConsoleSession) -> Principal:
    """The user behind the console session cookie; Unauthenticated (→ the sign-in page) otherwise."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise Unauthenticated("sign in to use the console")
    principal, record = accounts.principal_for_secret(session, secret, kind="console", ip=client_ip(request))
    request.state.principal = principal
    request.state.csrf_token = record.csrf_token
    return principal


ConsolePrincipal = Annotated[Principal, Depends(get_console_principal)]


def get_console_writer(
    request: Request, principal: ConsolePrincipal, csrf_token: Annotated[str, Form()] = ""
) -> Principal:
    """The principal of a form post, which must carry the session's CSRF token in a hidden field."""
    expected: str = request.state.csrf_token
    if not secrets.compare_digest(csrf_token.encode(), expected.encode()):
        raise Forbidden("missing or wrong CSRF token; reload the page and try again")
    return principal


ConsoleWriter = Annotated[Principal, Depends(get_console_writer)]


def sections_for(principal: Principal | None) -> list[tuple[str, str]]:
    """The (key, url) of every section the principal may open."""
    if principal is None:
        return []
    return [
        (key, url) for key, url, perms in SECTIONS if not perms or any(principal.scopes(p) for p in perms)
    ]


def require_section(principal: Principal, key: str) -> None:
    """Forbidden unless one of the section's permissions is granted somewhere."""
    if key not in {k for k, _ in sections_for(principal)}:
        raise Forbidden(f"{principal.username} may not open the {key} section")


def parse_form(schema: type[M], **values: object) -> M:
    """Validate form fields with a service schema; a bad field is InvalidInput, shown on the page."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "form"
        raise InvalidInput(f"{where}: {first['msg']}") from exc


def optional_int(value: str | None) -> int | None:
    """A select or number field: empty means none; anything else must be an integer."""
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidInput(f"'{value[:20]}' is not a number") from exc
