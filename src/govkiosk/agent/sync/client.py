"""The terminal API as the agent calls it: typed requests, and errors sorted into what the agent does next."""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from govkiosk.contracts.terminal_api import (
    API_PREFIX,
    CASES_PATH,
    ActionFeedback,
    CatalogResponse,
    ChallengeRequest,
    ChallengeResponse,
    ConfigResponse,
    EnrollRequest,
    EnrollResponse,
    FormCheck,
    FormCheckRequest,
    FormPrefill,
    FormPrefillRequest,
    HeartbeatRequest,
    HeartbeatResponse,
    MaterialRef,
    RegionList,
    TokenRequest,
    TokenResponse,
)

PUBLIC_PREFIX = "/api/public/v1"

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
        self.origin = platform.rstrip("/")
        self.base = self.origin + API_PREFIX

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

    # --- what a citizen's visit needs ----------------------------------------------------------------

    async def catalog(self, token: str, etag: str | None = None) -> CatalogResponse | None:
        """What this kiosk offers now, or None when `etag` is still current (304)."""
        headers = {"If-None-Match": f'"{etag}"'} if etag else {}
        response = await self._send("GET", "/catalog", token=token, headers=headers)
        if response.status_code == 304:
            return None
        return self._parse(response, CatalogResponse)

    async def prefill_form(self, token: str, app_id: int, identity: FormPrefillRequest) -> FormPrefill:
        """A form's initial data from the verified identity (and the citizen's e-licences)."""
        return await self._call("POST", f"/forms/{app_id}/prefill", FormPrefill, body=identity, token=token)

    async def check_form(self, token: str, app_id: int, request: FormCheckRequest) -> FormCheck:
        """One step's problems and the data with its computed fields."""
        return await self._call("POST", f"/forms/{app_id}/check", FormCheck, body=request, token=token)

    async def regions(self, token: str, parent: str | None) -> RegionList:
        """The administrative divisions under `parent` (the provinces without it)."""
        params = {"parent": parent} if parent else None
        return self._parse(await self._send("GET", "/regions", token=token, params=params), RegionList)

    async def find_licences(self, token: str, id_number: str, licence_type: str) -> list[dict[str, Any]]:
        """The citizen's e-licences of a type (metadata only)."""
        body = {"holder_id_number": id_number, "licence_type": licence_type}
        return list(self._json(await self._send("POST", "/elicences/find", body=body, token=token)))

    async def attach_licence(self, token: str, body: dict[str, Any]) -> MaterialRef:
        """Store one of the citizen's e-licences as the material for a slot."""
        return self._parse(await self._send("POST", "/elicences/attach", body=body, token=token), MaterialRef)

    async def upload_material(
        self, token: str, *, item_id: int, item_version: int, slot: str, content: bytes, content_type: str
    ) -> MaterialRef:
        """Store a scan (or a signature) for one of the item's material slots."""
        params = {"item_id": item_id, "item_version": item_version, "slot": slot}
        response = await self._send(
            "POST", "/materials", token=token, params=params, content=content,
            headers={"Content-Type": content_type},
        )  # fmt: skip
        return self._parse(response, MaterialRef)

    async def start_phone_upload(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        """A one-time upload link for the citizen's phone: token, url, expires_at."""
        return dict(self._json(await self._send("POST", "/uploads", body=body, token=token)))

    async def phone_upload_state(self, token: str, upload_token: str) -> dict[str, Any]:
        """Whether the phone has uploaded yet: done, material."""
        return dict(self._json(await self._send("GET", f"/uploads/{upload_token}", token=token)))

    async def evaluate(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        """A citizen's rating of their case or of the session."""
        return dict(self._json(await self._send("POST", "/evaluations", body=body, token=token)))

    async def lookup_cases(self, token: str, id_number: str) -> list[dict[str, Any]]:
        """A citizen's recent cases (after the kiosk read their ID card)."""
        body = {"id_number": id_number}
        return list(self._json(await self._send("POST", f"{CASES_PATH}/lookup", body=body, token=token)))

    async def case_document(self, token: str, case_number: str) -> bytes:
        """The result document (PDF) of a case this kiosk submitted; `PlatformRefused` 409 while not ready,
        404 when none will come, 410 once its printing window has closed."""
        path = f"{CASES_PATH}/{quote(case_number, safe='')}/document"
        return (await self._send("GET", path, token=token)).content

    async def progress(self, query_token: str) -> dict[str, Any]:
        """The progress a receipt's QR code opens (public: the token is the key)."""
        return dict(self._json(await self._send("GET", f"/progress/{query_token}", prefix=PUBLIC_PREFIX)))

    # --- transport ---------------------------------------------------------------------------------

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
        body: BaseModel | dict[str, Any] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        content: bytes | None = None,
        prefix: str = API_PREFIX,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        payload: Any = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
        url = self.origin + prefix + path
        try:
            response = await self.http.request(
                method, url, json=payload, content=content, params=params, headers=all_headers
            )
        except httpx.HTTPError as exc:
            raise PlatformUnavailable(f"{type(exc).__name__} calling {path}") from exc
        if response.status_code >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise PlatformUnavailable(f"{response.status_code} from {path}", retry_after=retry_after)
        if response.status_code >= 400:
            raise PlatformRefused(response.status_code, *_error_of(response))
        return response

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise PlatformUnavailable("unreadable answer: not JSON") from exc

    @staticmethod
    def _parse(response: httpx.Response, model: type[Model]) -> Model:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            # An answer we cannot read is treated like an outage: retry later rather than act on it.
            raise PlatformUnavailable(f"unreadable answer: {exc.error_count()} errors") from exc
