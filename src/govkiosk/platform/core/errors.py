"""One error base class, mapped to HTTP by one handler in app.py."""


class DomainError(Exception):
    """An expected failure of a use case, with the HTTP status it maps to."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status_code = status
        self.headers = headers or {}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Unauthenticated(DomainError):
    status_code = 401
    code = "unauthenticated"

    def __init__(self, message: str = "authentication required", *, code: str | None = None):
        super().__init__(message, code=code, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"

    def __init__(self, message: str, *, org_path: str | None = None):
        super().__init__(message)
        self.org_path = org_path  # where the refused object lies, for the audit log


class Gone(DomainError):
    status_code = 410
    code = "gone"


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid"
