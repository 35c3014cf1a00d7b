"""The kiosk UI's local API (`/local/v1`, JSON): thin routes over the citizen desk (docs/kiosk-ui.md).

Every failure answers `{"error": {"code", "message": {"zh", "en"}}}` (plus `errors` listing fields where a
form is concerned) with a 4xx/5xx status; nothing unexpected ever reaches the browser as a stack trace.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from govkiosk.agent.citizen import application, cases
from govkiosk.agent.citizen.desk import CitizenDesk
from govkiosk.agent.citizen.errors import KioskError
from govkiosk.agent.citizen.face import SimulatedFaceComparer
from govkiosk.agent.citizen.identity import IdentityError
from govkiosk.agent.citizen.mobile import SimulatedMobileIdentityProvider
from govkiosk.agent.citizen.payment import SimulatedPaymentProvider
from govkiosk.agent.citizen.session import SessionEndedError
from govkiosk.agent.devices.base import DeviceError
from govkiosk.agent.devices.id_card_reader import SimulatedIdCardReader
from govkiosk.agent.devices.printer import PrinterService
from govkiosk.agent.sync.client import PlatformRefused, PlatformUnavailable
from govkiosk.contracts.masking import mask_id_number, mask_name

if TYPE_CHECKING:
    from govkiosk.agent.sync.agent import Agent

log = logging.getLogger(__name__)
PREFIX = "/local/v1"
Handler = Callable[[Request], Awaitable[Any]]
M = TypeVar("M", bound=BaseModel)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentityBody(_Body):
    app_id: int | None = None  # the form to prefill in the same answer


class QrBody(IdentityBody):
    code: str | None = Field(default=None, max_length=500)


class EndBody(_Body):
    reason: Literal["finished", "cancelled", "idle_timeout"] = "finished"


class CheckBody(_Body):
    data: dict[str, Any] = Field(default_factory=dict)
    step: str | None = Field(default=None, max_length=100)


class AppBody(_Body):
    app_id: int


class SignatureBody(_Body):
    png: str = Field(max_length=4 * 2**20)
    app_id: int | None = None


class SubmitBody(_Body):
    app_id: int
    data: dict[str, Any] = Field(default_factory=dict)
    materials: list[str] = Field(default_factory=list, max_length=50)
    payment_id: str | None = Field(default=None, max_length=64)


class PrintBody(_Body):
    case_number: str | None = Field(default=None, max_length=40)
    entry_id: str | None = Field(default=None, max_length=64)


class DocumentBody(_Body):
    case_number: str = Field(max_length=40)


class SmsBody(_Body):
    case_number: str = Field(max_length=40)
    phone: str = Field(max_length=20)


class EvaluationBody(_Body):
    level: int = Field(ge=1, le=5)
    case_number: str | None = Field(default=None, max_length=40)
    comment: str | None = Field(default=None, max_length=500)


class ProgressBody(_Body):
    qr: str | None = Field(default=None, max_length=1000)
    idcard: bool = False


def error_response(error: KioskError) -> JSONResponse:
    """The error as the UI reads it."""
    body: dict[str, Any] = {
        "error": {"code": error.code, "message": {"zh": error.message_zh, "en": error.message_en}}
    }
    body.update(error.extra)
    return JSONResponse(body, status_code=error.status, headers={"Cache-Control": "no-store"})


def _as_kiosk_error(exc: Exception) -> KioskError:
    if isinstance(exc, KioskError):
        return exc
    if isinstance(exc, IdentityError):
        return KioskError.of_identity(exc)
    if isinstance(exc, SessionEndedError):
        return KioskError("no_session", status=409)
    if isinstance(exc, PlatformUnavailable):
        return KioskError("offline", status=503)
    if isinstance(exc, PlatformRefused):
        return _refused(exc)
    if isinstance(exc, ValidationError):
        fields = [
            application.field_error(".".join(map(str, e["loc"])), "填写内容不正确", e["msg"])
            for e in exc.errors()
        ]
        return KioskError("invalid_request", status=422, errors=fields)
    log.exception("local_api_failed")
    return KioskError("internal", status=500)


def _refused(exc: PlatformRefused) -> KioskError:
    """A platform refusal as the UI shows it (the platform's message is for logs, in English)."""
    if exc.status == 401:
        return KioskError("offline", status=503)  # no valid token yet: the agent is re-authenticating
    if exc.status == 404:
        return KioskError("not_found", status=404)
    if exc.code.startswith("material"):
        return KioskError("material_rejected", status=422)
    return KioskError("invalid_request", status=422 if exc.status == 422 else 400)


def _endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A route that answers JSON, and the error shape on any failure."""

    async def endpoint(request: Request) -> Response:
        try:
            answer = await handler(request)
        except Exception as exc:  # the UI gets the error shape, never a traceback
            return error_response(_as_kiosk_error(exc))
        return (
            answer
            if isinstance(answer, Response)
            else JSONResponse(answer, headers={"Cache-Control": "no-store"})
        )

    return endpoint


async def _body(request: Request, model: type[M]) -> M:
    raw = await request.body()
    return model.model_validate_json(raw or b"{}")


class KioskApi:
    """The routes of `/local/v1` over one agent's desk."""

    def __init__(self, agent: "Agent", desk: CitizenDesk, ui_version: str) -> None:
        self.agent, self.desk, self.ui_version = agent, desk, ui_version

    def routes(self) -> list[Route]:
        """Every route of the local API."""
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/config", self.config),
            ("GET", "/status", self.status),
            ("GET", "/catalog", self.catalog),
            ("GET", "/items/{item_id:int}", self.item),
            ("GET", "/regions", self.regions),
            ("POST", "/identity/idcard", self.identity_idcard),
            ("POST", "/identity/qr", self.identity_qr),
            ("POST", "/session/touch", self.touch),
            ("POST", "/session/end", self.end),
            ("POST", "/forms/{app_id:int}/prefill", self.prefill),
            ("POST", "/forms/{app_id:int}/check", self.check),
            ("POST", "/materials/{slot}/scan", self.scan),
            ("POST", "/materials/{slot}/elicence", self.elicence),
            ("POST", "/materials/{slot}/phone", self.phone),
            ("GET", "/materials/{slot}/phone/{token}", self.phone_state),
            ("POST", "/signature", self.signature),
            ("POST", "/payments", self.payment),
            ("GET", "/payments/{payment_id}", self.payment_state),
            ("POST", "/submit", self.submit),
            ("POST", "/receipt/print", self.print_receipt),
            ("POST", "/receipt/sms", self.sms),
            ("POST", "/document/print", self.print_document),
            ("POST", "/evaluations", self.evaluate),
            ("POST", "/progress", self.progress),
            ("POST", "/sim/mobile-code", self.sim_mobile_code),
            ("POST", "/sim/payments/{payment_id}/pay", self.sim_pay),
            ("POST", "/sim/{device_class}/{fault}", self.sim_fault),
        ]
        return [Route(PREFIX + path, _endpoint(handler), methods=[method]) for method, path, handler in table]

    # --- the kiosk -------------------------------------------------------------------------------

    async def config(self, request: Request) -> dict[str, Any]:
        agent, timings = self.agent, self.desk.timings
        server = agent.device_server
        state = agent.state
        frequent = agent.config.get("frequent_items")
        return {
            "ui_version": self.ui_version,
            "terminal": {
                "serial": state.serial if state else None,
                "name": agent.config.get("terminal_name"),
            },
            "simulated": agent.devices.device_set.is_simulated,
            "locale": "zh-CN",
            "mode": "elder" if agent.config.get("ui_mode") == "elder" else "normal",
            "devices": {"ws_base": server.ws_base, "token": server.token} if server else None,
            "timeouts": {
                "idle_s": self.desk.idle_s,
                "warn_s": timings.warn_s,
                "session_cap_s": timings.session_cap_s,
            },
            "frequent": list(frequent) if isinstance(frequent, list) else [],
        }

    async def status(self, request: Request) -> dict[str, Any]:
        outbox, session = self.agent.outbox, self.desk.session
        delivered = sum(1 for e in self.agent.outbox_events if e.kind == "submitted")
        running = session is not None and session.check() is None
        return {
            "online": self.agent.online,
            "outbox": {"pending": outbox.pending_count if outbox else 0, "delivered_recently": delivered},
            "printer": self._printer(),
            "session": self._session_view() if running else None,
        }

    def _session_view(self) -> dict[str, Any]:
        session = self.desk.require_session()
        return {
            "id": session.id,
            "seconds_left": round(session.seconds_left()),
            "idle_left": round(self._idle_left()),
        }

    def _idle_left(self) -> float:
        session = self.desk.session
        if session is None:
            return 0.0
        return max(0.0, session.last_activity + session.idle_timeout_s - session.clock())

    def _printer(self) -> dict[str, Any]:
        service = self.agent.devices.device_set.services.get("Printer")
        if not isinstance(service, PrinterService):
            return {"ok": False, "paper": "unknown"}
        status = service.driver.status()
        paper = next((s.level for s in status.supplies if s.name == "paper"), "unknown")
        return {"ok": status.device == "online" and paper != "out", "paper": paper}

    async def catalog(self, request: Request) -> dict[str, Any]:
        offered, stale = await self.desk.offered()
        query = request.query_params
        view = offered.view(q=query.get("q", ""), category=query.get("category", ""))
        return {**view, "stale": stale}

    async def item(self, request: Request) -> dict[str, Any]:
        guide = (await self.desk.offered())[0].guide(request.path_params["item_id"])
        if guide is None:
            raise KioskError("not_offered", status=404)
        return guide

    async def regions(self, request: Request) -> dict[str, Any]:
        client, token = self.desk.platform()
        answer = await client.regions(token, request.query_params.get("parent") or None)
        return answer.model_dump()

    # --- the session -----------------------------------------------------------------------------

    def _opened(self) -> dict[str, Any]:
        session = self.desk.require_session()
        identity = self.desk.identity()
        return {
            "session": {"id": session.id, "seconds_left": round(session.seconds_left())},
            "person": {
                "name_masked": mask_name(identity.name), "id_masked": mask_id_number(identity.id_number),
                "method": identity.method, "simulated": identity.simulated,
            },
        }  # fmt: skip

    async def _prefilled(self, opened: dict[str, Any], app_id: int | None) -> dict[str, Any]:
        """The answer to an identification, with the form's prefill when the UI named its form app (null
        when it could not be had: the UI then asks `/forms/{app_id}/prefill` itself)."""
        if app_id is None:
            return opened
        try:
            prefill: dict[str, Any] | None = await application.prefill(self.desk, app_id)
        except (KioskError, PlatformUnavailable, PlatformRefused) as exc:
            log.info("identity_prefill_skipped error=%s", type(exc).__name__)
            prefill = None
        return {**opened, "prefill": prefill}

    async def identity_idcard(self, request: Request) -> dict[str, Any]:
        body = await _body(request, IdentityBody)
        await self.desk.identify_idcard()
        return await self._prefilled(self._opened(), body.app_id)

    async def identity_qr(self, request: Request) -> dict[str, Any]:
        body = await _body(request, QrBody)
        await self.desk.identify_qr(body.code)
        return await self._prefilled(self._opened(), body.app_id)

    async def touch(self, request: Request) -> dict[str, Any]:
        session = self.desk.touch()
        return {"seconds_left": round(session.seconds_left()), "idle_left": round(self._idle_left())}

    async def end(self, request: Request) -> dict[str, Any]:
        body = await _body(request, EndBody)
        self.desk.end(body.reason)
        return {"ended": True}

    # --- the application -------------------------------------------------------------------------

    async def prefill(self, request: Request) -> dict[str, Any]:
        return await application.prefill(self.desk, request.path_params["app_id"])

    async def check(self, request: Request) -> dict[str, Any]:
        body = await _body(request, CheckBody)
        return await application.check(self.desk, request.path_params["app_id"], body.data, body.step)

    async def scan(self, request: Request) -> dict[str, Any]:
        body = await _body(request, AppBody)
        return await application.scan_material(self.desk, request.path_params["slot"], body.app_id)

    async def elicence(self, request: Request) -> dict[str, Any]:
        body = await _body(request, AppBody)
        return await application.attach_elicence(self.desk, request.path_params["slot"], body.app_id)

    async def phone(self, request: Request) -> dict[str, Any]:
        body = await _body(request, AppBody)
        return await application.start_phone_upload(self.desk, request.path_params["slot"], body.app_id)

    async def phone_state(self, request: Request) -> dict[str, Any]:
        params = request.path_params
        return await application.phone_upload_state(self.desk, params["slot"], params["token"])

    async def signature(self, request: Request) -> dict[str, Any]:
        body = await _body(request, SignatureBody)
        return await application.store_signature(self.desk, body.png, body.app_id)

    async def payment(self, request: Request) -> dict[str, Any]:
        body = await _body(request, AppBody)
        return await application.start_payment(self.desk, body.app_id)

    async def payment_state(self, request: Request) -> dict[str, Any]:
        return await application.payment_state(self.desk, request.path_params["payment_id"])

    # --- the case --------------------------------------------------------------------------------

    async def submit(self, request: Request) -> dict[str, Any]:
        body = await _body(request, SubmitBody)
        return await cases.submit(self.desk, body.app_id, body.data, body.materials, body.payment_id)

    async def print_receipt(self, request: Request) -> dict[str, Any]:
        body = await _body(request, PrintBody)
        if (body.case_number is None) == (body.entry_id is None):
            raise KioskError("invalid_request", status=422)
        return await cases.print_for(self.desk, case_number=body.case_number, entry_id=body.entry_id)

    async def print_document(self, request: Request) -> dict[str, Any]:
        body = await _body(request, DocumentBody)
        return await cases.print_document_for(self.desk, body.case_number)

    async def sms(self, request: Request) -> dict[str, Any]:
        body = await _body(request, SmsBody)
        return await cases.send_sms(self.desk, body.case_number, body.phone)

    async def evaluate(self, request: Request) -> dict[str, Any]:
        body = await _body(request, EvaluationBody)
        return await cases.evaluate(self.desk, body.level, body.case_number, body.comment)

    async def progress(self, request: Request) -> dict[str, Any]:
        body = await _body(request, ProgressBody)
        return await cases.progress(self.desk, qr=body.qr, idcard=body.idcard)

    # --- the simulator's hooks (simulated kiosks only) -------------------------------------------

    def _require_simulated(self) -> None:
        if not self.agent.devices.device_set.is_simulated:
            raise KioskError("not_simulated", status=404)

    async def sim_fault(self, request: Request) -> dict[str, Any]:
        """Inject a fault into a simulated device (or `recover` it); the face comparer follows the
        Biometric's `face_mismatch`."""
        self._require_simulated()
        device_class, fault = request.path_params["device_class"], request.path_params["fault"]
        device_set = self.agent.devices.device_set
        try:
            if fault == "recover":
                device_set.recover(device_class)
            else:
                device_set.inject(device_class, fault)
        except (ValueError, DeviceError) as exc:
            raise KioskError("not_found", status=404) from exc
        comparer = self.desk.comparer
        if device_class == "Biometric" and isinstance(comparer, SimulatedFaceComparer):
            comparer.fault = (
                "mismatch" if fault == "face_mismatch" else None if fault == "recover" else comparer.fault
            )
        return {"device_class": device_class, "faults": device_set.driver(device_class).active_faults()}

    async def sim_mobile_code(self, request: Request) -> dict[str, Any]:
        """An identity code as the citizen's phone would show it, for the card on the simulated reader."""
        self._require_simulated()
        mobile, reader = self.desk.mobile, self.agent.devices.device_set.services.get("IdCardReader")
        if not isinstance(mobile, SimulatedMobileIdentityProvider) or reader is None:
            raise KioskError("not_simulated", status=404)
        driver = reader.driver
        if not isinstance(driver, SimulatedIdCardReader):
            raise KioskError("not_simulated", status=404)
        card = driver.cards[driver.card_index % len(driver.cards)]
        return {"code": mobile.issue(card.name, card.idNumber), "simulated": True}

    async def sim_pay(self, request: Request) -> dict[str, Any]:
        """The citizen's phone pays a simulated order now."""
        self._require_simulated()
        payments = self.desk.payments
        if not isinstance(payments, SimulatedPaymentProvider):
            raise KioskError("not_simulated", status=404)
        try:
            payments.pay(request.path_params["payment_id"])
        except LookupError as exc:
            raise KioskError("not_found", status=404) from exc
        return {"paid": True, "simulated": True}
