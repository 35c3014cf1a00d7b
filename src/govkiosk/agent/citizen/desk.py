"""The kiosk's desk: the one citizen session at a time, as the kiosk UI drives it through the local API.

The desk verifies who the citizen is, opens the `CitizenSession` (idle timeout, lifetime, wipe on end) and
keeps, for that session only, the references of the materials stored on the platform, the outbox entries and
case numbers, and the payments. Ending the session (the citizen, a timeout, the card lifted) wipes all of
it, cancels receipt printing and stops voice guidance. The platform calls carry the terminal's token, which
never leaves the agent; personal values reach the logs only masked.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from govkiosk.agent.citizen.errors import KioskError
from govkiosk.agent.citizen.face import FaceComparer, SimulatedFaceComparer
from govkiosk.agent.citizen.guide import OfferedCatalog
from govkiosk.agent.citizen.identity import IdCardFaceIdentifier, IdentityResult, MobileAppIdentifier
from govkiosk.agent.citizen.mobile import MobileIdentityProvider, SimulatedMobileIdentityProvider
from govkiosk.agent.citizen.offers import FormOffer
from govkiosk.agent.citizen.payment import PaymentProvider, SimulatedPaymentProvider
from govkiosk.agent.citizen.session import CitizenSession, EndReason, SessionEnded
from govkiosk.agent.citizen.sms import SimulatedSmsSender, SmsSender
from govkiosk.agent.devices.id_card_reader import IdCardReaderService
from govkiosk.agent.sync.client import PlatformRefused, PlatformUnavailable, TerminalClient
from govkiosk.agent.sync.options import KioskTimings
from govkiosk.contracts.terminal_api import CatalogOffer, CatalogResponse, MaterialRef

if TYPE_CHECKING:
    from govkiosk.agent.sync.agent import Agent

log = logging.getLogger(__name__)
T = TypeVar("T")
CATALOG_REFRESH_S = 5.0  # the platform is asked about the catalog at most this often (ETag, 304)


IDLE_BOUNDS_S = (60.0, 120.0)  # the citizen screen's idle countdown, per step (docs/kiosk-ui.md)
DEFAULT_IDLE_S = 90.0


def idle_timeout_of(config: dict[str, Any]) -> float:
    """`session_idle_timeout_s` from a kiosk's configuration, kept within 60–120 s; 90 s without one."""
    value = config.get("session_idle_timeout_s")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return DEFAULT_IDLE_S
    return min(IDLE_BOUNDS_S[1], max(IDLE_BOUNDS_S[0], float(value)))


@dataclass(frozen=True)
class StoredMaterial:
    """A material the platform stored for this session: the opaque id the UI holds, the reference the case
    gets, and the value the form's data carries for it (the object key, or the signature's digest)."""

    id: str
    ref: MaterialRef
    value: str


@dataclass
class VisitRecord:
    """What one session gathered besides the identity: materials, outbox entries, cases, payments."""

    materials: dict[str, StoredMaterial] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)  # outbox entry id → item id
    cases: list[str] = field(default_factory=list)
    payments: list[str] = field(default_factory=list)
    phone_uploads: dict[str, tuple[str, int]] = field(default_factory=dict)  # token → (slot, app id)
    app_id: int | None = None  # the form app in use (the signature is stored for its item)


class CitizenDesk:
    """The agent's side of the kiosk UI: one citizen session at a time, and the calls the UI makes for it."""

    def __init__(
        self,
        agent: "Agent",
        *,
        timings: KioskTimings | None = None,
        comparer: FaceComparer | None = None,
        mobile: MobileIdentityProvider | None = None,
        payments: PaymentProvider | None = None,
        sms: SmsSender | None = None,
        catalog_refresh_s: float = CATALOG_REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.agent = agent
        self.timings = timings or KioskTimings()
        simulated = agent.devices.device_set.is_simulated
        self.comparer: FaceComparer = comparer or SimulatedFaceComparer()
        self.mobile = mobile or (SimulatedMobileIdentityProvider() if simulated else None)
        self.payments: PaymentProvider = payments or SimulatedPaymentProvider(
            pay_after_s=self.timings.payment_after_s
        )
        self.sms: SmsSender = sms or SimulatedSmsSender()
        self.session: CitizenSession | None = None
        self.record = VisitRecord()
        self.ended: list[SessionEnded] = []  # the last few ends (nothing personal), for status and tests
        self.on_end: list[Callable[[], Awaitable[object]]] = []  # e.g. stop voice guidance
        self.catalog_refresh_s = catalog_refresh_s
        self.clock = clock
        self._offered: OfferedCatalog | None = None  # the last catalog, worked out for the UI
        self._stale = False  # the last re-check failed: the platform could not be asked
        self._checked_at = -float("inf")  # when the platform was last asked (clock)
        self._checked_config: str | None = None  # the configuration's ETag then
        self._catalog_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()  # device work for the session (receipt printing)
        self._watcher: asyncio.Task[None] | None = None
        self._cleanup: set[asyncio.Task[None]] = set()

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Watch the session's timeouts (an idle session ends even when nobody calls the API)."""
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch(), name="desk:timeouts")

    async def stop(self) -> None:
        """End any session (the agent is stopping) and stop watching."""
        self.end("cancelled")
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        await self._cancel_tasks()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            if self.session is not None:
                self.session.check()  # ends it (and so wipes it) once a timeout has passed

    # --- the session -----------------------------------------------------------------------------

    async def identify_idcard(self) -> CitizenSession:
        """Read the ID card, check liveness, compare the face: a new session (the previous one ends)."""
        self.end("cancelled")
        devices = self.agent.devices.device_set
        identifier = IdCardFaceIdentifier(devices, self.comparer, timeout_s=self.timings.card_wait_s)
        session = self._open(await identifier.identify())
        reader = devices.services.get("IdCardReader")
        if isinstance(reader, IdCardReaderService):
            session.follow_card(reader)  # lifting the card ends the session
        return session

    async def identify_qr(self, code: str | None) -> CitizenSession:
        """The mobile app's identity code, scanned with the barcode reader or typed: a new session."""
        self.end("cancelled")
        if self.mobile is None:
            raise KioskError("provider_unavailable", status=503)
        identifier = MobileAppIdentifier(
            self.agent.devices.device_set, self.mobile, timeout_s=self.timings.card_wait_s
        )
        identity = await (identifier.identify() if code is None else identifier.identify_code(code))
        return self._open(identity)

    @property
    def idle_s(self) -> float:
        """The idle timeout: the agent's own when set (tests, simulators), else the platform's
        `session_idle_timeout_s` for this kiosk (layered configuration, 60–120 s)."""
        if self.timings.idle_s is not None:
            return self.timings.idle_s
        return idle_timeout_of(getattr(self.agent, "config", {}) or {})

    def _open(self, identity: IdentityResult) -> CitizenSession:
        self.session = CitizenSession(
            identity, idle_timeout_s=self.idle_s, max_lifetime_s=self.timings.session_cap_s,
            on_end=self._ended,
        )  # fmt: skip
        self.record = VisitRecord()
        return self.session

    def require_session(self) -> CitizenSession:
        """The open session, or `no_session` (it ended, or there never was one)."""
        session = self.session
        if session is None or session.check() is not None or session.identity is None:
            raise KioskError("no_session", status=409)
        return session

    def identity(self) -> IdentityResult:
        """Who the citizen in session is."""
        identity = self.require_session().identity
        assert identity is not None
        return identity

    def touch(self) -> CitizenSession:
        """The citizen did something: the idle timeout starts over."""
        session = self.require_session()
        session.touch()
        return session

    def end(self, reason: EndReason = "finished") -> bool:
        """End the session, if one is open: it wipes itself, then `_ended` clears the rest."""
        session = self.session
        if session is None:
            return False
        session.end(reason)  # no-op when it already ended (then `_ended` has already run)
        return True

    def _ended(self, event: SessionEnded) -> None:
        """The session ended (any reason): forget what it gathered, stop its device work."""
        record, self.record, self.session = self.record, VisitRecord(), None
        for payment_id in record.payments:
            self._spawn(self.payments.cancel(payment_id))
        record.materials.clear()
        record.entries.clear()
        record.cases.clear()
        record.phone_uploads.clear()
        self.ended = [*self.ended[-9:], event]
        for task in list(self._tasks):
            task.cancel()
        for stop in self.on_end:
            self._spawn(stop())

    def _spawn(self, work: Awaitable[Any]) -> None:
        async def run() -> None:
            try:
                await work
            except Exception as exc:  # cleanup after a session: log it, never let it surface
                log.warning("session_cleanup_failed error=%s", type(exc).__name__)

        task = asyncio.create_task(run())
        self._cleanup.add(task)
        task.add_done_callback(self._cleanup.discard)

    async def device_work(self, work: Awaitable[T]) -> T:
        """Run device work for this session; ending the session cancels it."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        try:
            return await task
        except asyncio.CancelledError as exc:
            if self.session is None:
                raise KioskError("session_ended", status=409) from exc
            raise
        finally:
            self._tasks.discard(task)

    async def _cancel_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- the platform ----------------------------------------------------------------------------

    def platform(self) -> tuple[TerminalClient, str]:
        """The terminal API client and the terminal's token; `offline` while the agent has none (booting)."""
        client: TerminalClient | None = getattr(self.agent, "client", None)
        try:
            token = self.agent.bearer()
        except PlatformRefused as exc:
            raise KioskError("offline", status=503) from exc
        if client is None:
            raise KioskError("offline", status=503)
        return client, token

    async def catalog(self) -> tuple[CatalogResponse, bool]:
        """The kiosk's catalog and whether it is stale (the platform could not be asked; the last one)."""
        offered, stale = await self.offered()
        return offered.catalog, stale

    async def offered(self) -> tuple[OfferedCatalog, bool]:
        """The catalog as the UI shows it, and whether it is stale.

        The last catalog is kept and the platform asked again (a conditional GET) at most every
        `catalog_refresh_s`, or at once when the kiosk's configuration changed since the last time; the
        views and search terms are worked out once per catalog ETag. When the platform cannot be asked, the
        last catalog is served as stale (and asked again after `catalog_refresh_s`); without one, `offline`.
        """
        if self._offered is not None and not self._catalog_due():
            return self._offered, self._stale
        async with self._catalog_lock:  # callers arriving together share one request
            if self._offered is None or self._catalog_due():
                await self._recheck_catalog()
        assert self._offered is not None
        return self._offered, self._stale

    def _config_etag(self) -> str | None:
        state = getattr(self.agent, "state", None)
        return getattr(state, "config_etag", None)

    def _catalog_due(self) -> bool:
        expired = self.clock() - self._checked_at >= self.catalog_refresh_s
        return expired or self._config_etag() != self._checked_config

    def forget_catalog_check(self) -> None:
        """Ask the platform about the catalog on the next call (the offering may have changed)."""
        self._checked_at = -float("inf")

    async def _recheck_catalog(self) -> None:
        current = self._offered
        config = self._config_etag()
        try:
            client, token = self.platform()
            fresh = await client.catalog(token, current.etag if current else None)
        except (PlatformUnavailable, KioskError):
            if current is None:
                raise KioskError("offline", status=503) from None
            self._stale, self._checked_at, self._checked_config = True, self.clock(), config
            return
        if fresh is None and current is None:  # a 304 for a catalog we never had: cannot happen
            raise KioskError("offline", status=503)
        if fresh is not None and (current is None or fresh.etag != current.etag):
            self._offered = OfferedCatalog(fresh)
        self._stale, self._checked_at, self._checked_config = False, self.clock(), config

    async def offers(self) -> list[CatalogOffer]:
        """What the kiosk offers now (the cached catalog when the platform cannot be asked)."""
        return list((await self.catalog())[0].offers)

    async def form_offer(self, app_id: int) -> FormOffer:
        """The offered form app `app_id` with its item, or `not_offered`."""
        forms = (await self.offered())[0].forms.values()
        found = next((f for f in forms if f.app_id == app_id), None)
        if found is None:
            raise KioskError("not_offered", status=404)
        self.record.app_id = app_id
        return found

    def keep_material(self, ref: MaterialRef, value: str | None = None) -> StoredMaterial:
        """Remember a stored material for this session under a new opaque id."""
        self.require_session()
        stored = StoredMaterial(uuid.uuid4().hex[:16], ref, value or ref.object_key)
        self.record.materials[stored.id] = stored
        return stored

    def material(self, ref_id: str) -> StoredMaterial:
        """A material this session stored, or `unknown_material`."""
        stored = self.record.materials.get(ref_id)
        if stored is None:
            raise KioskError("unknown_material", status=422)
        return stored

    def with_materials(self, data: Any) -> Any:
        """The form data with every material id the UI put in it replaced by the value the form carries."""
        if isinstance(data, dict):
            return {k: self.with_materials(v) for k, v in data.items()}
        if isinstance(data, list):
            return [self.with_materials(v) for v in data]
        if isinstance(data, str) and data in self.record.materials:
            return self.record.materials[data].value
        return data
