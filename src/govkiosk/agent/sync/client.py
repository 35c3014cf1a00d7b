"""The terminal API as the agent calls it: typed requests, and errors sorted into what the agent does next."""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from govkiosk.contracts.terminal_api import (
    API_PREFIX,
    ActionFeedback,
    ChallengeRequest,
    ChallengeResponse,
    ConfigResponse,
    EnrollRequest,
    EnrollResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    TokenRequest,
    TokenResponse,
)

Model = TypeVar("Model", bound=BaseModel)


class PlatformUnavailable(Exception):
    """The platform could not be reached or failed (network, 5xx, unreadable answer): back off and retry."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PlatformRefused(Exception):
    """The platform answered with a 4xx error: what happens next depends on `status` and `code`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        error = response.json()["error"]
        return str(error["code"]), str(error.get("message", ""))
    except (ValueError, KeyError, TypeError):
        return f"http_{response.status_code}", response.reason_phrase


class TerminalClient:
    """Calls `/api/terminal/v1` of one platform over a (possibly shared) httpx client."""

    def __init__(self, http: httpx.AsyncClient, platform: str) -> None:
        self.http = http
        self.base = platform.rstrip("/") + API_PREFIX

    @property
    def push_url(self) -> str:
        """The WebSocket URL of the push channel."""
        scheme, rest = self.base.split("://", 1)
        return ("wss" if scheme == "https" else "ws") + "://" + rest + "/push"

    async def enroll(self, request: EnrollRequest) -> EnrollResponse:
        """Enroll this terminal with a one-time token."""
        return await self._call("POST", "/enroll", EnrollResponse, body=request)

    async def challenge(self, terminal_id: int) -> ChallengeResponse:
        """A fresh challenge to sign."""
        return await self._call(
            "POST", "/auth/challenge", ChallengeResponse, body=ChallengeRequest(terminal_id=terminal_id)
        )

    async def token(self, request: TokenRequest) -> TokenResponse:
        """An access token for a signed challenge."""
        return await self._call("POST", "/auth/token", TokenResponse, body=request)

    async def heartbeat(self, token: str, request: HeartbeatRequest) -> HeartbeatResponse:
        """Report status; receive interval, actions and the config ETag."""
        return await self._call("POST", "/heartbeat", HeartbeatResponse, body=request, token=token)

    async def feedback(self, token: str, action_id: int, feedback: ActionFeedback) -> None:
        """Report an action's progress or result."""
        await self._send("POST", f"/actions/{action_id}/feedback", body=feedback, token=token)

    async def config(self, token: str, etag: str | None) -> ConfigResponse | None:
        """The configuration, or None when `etag` is still current (304)."""
        headers = {"If-None-Match": etag} if etag else {}
        response = await self._send("GET", "/config", token=token, headers=headers)
        if response.status_code == 304:
            return None
        return self._parse(response, ConfigResponse)

    async def _call(
        self,
        method: str,
        path: str,
        model: type[Model],
        *,
        body: BaseModel | None = None,
        token: str | None = None,
    ) -> Model:
        return self._parse(await self._send(method, path, body=body, token=token), model)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        content: Any = body.model_dump(mode="json") if body is not None else None
        try:
            response = await self.http.request(method, self.base + path, json=content, headers=all_headers)
        except httpx.HTTPError as exc:
            raise PlatformUnavailable(f"{type(exc).__name__} calling {path}") from exc
        if response.status_code >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise PlatformUnavailable(f"{response.status_code} from {path}", retry_after=retry_after)
        if response.status_code >= 400:
            raise PlatformRefused(response.status_code, *_error_of(response))
        return response

    @staticmethod
    def _parse(response: httpx.Response, model: type[Model]) -> Model:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            # An answer we cannot read is treated like an outage: retry later rather than act on it.
            raise PlatformUnavailable(f"unreadable answer: {exc.error_count()} errors") from exc
