"""The kiosk agent: enroll once, authenticate with SM2, heartbeat, run actions, apply configuration."""

import asyncio
import contextlib
import platform as host
import random
import time
import traceback
from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import ValidationError

from govkiosk import __version__
from govkiosk.agent.citizen.desk import CitizenDesk
from govkiosk.agent.devices.simulated import SimulatedDevices
from govkiosk.agent.local.device_server import DeviceServer
from govkiosk.agent.local.ui_server import UiServer
from govkiosk.agent.sync.actions import ActionRunner, RebootRequested
from govkiosk.agent.sync.backoff import Backoff
from govkiosk.agent.sync.client import PlatformRefused, PlatformUnavailable, TerminalClient
from govkiosk.agent.sync.logs import AgentLog
from govkiosk.agent.sync.metrics import host_metrics
from govkiosk.agent.sync.options import AgentOptions, AgentSetupError, default_serial, mac_address
from govkiosk.agent.sync.outbox import Outbox, OutboxEvent, TerminalCaseChannel
from govkiosk.agent.sync.push import listen_for_pushes
from govkiosk.agent.sync.state import AgentState, Enrollment, StateStore
from govkiosk.contracts.terminal_api import (
    ActionFeedback,
    EnrollRequest,
    HardwareFacts,
    HeartbeatRequest,
    TokenRequest,
)

MAX_RETRY_AFTER_S = 600.0
SESSION_DEVICE_WORK = ("Audio", "Printer")  # device classes whose pending commands a session's end cancels
_REFUSAL_STATES: dict[str, Enrollment] = {
    "enrollment_pending": "pending",
    "terminal_rejected": "rejected",
    "terminal_revoked": "revoked",
}


class _Deferred(Exception):
    """Authentication cannot proceed now; try again after `delay` seconds."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"retry in {delay:.1f}s")
        self.delay = delay


class Agent:
    """One kiosk's agent; `run()` until cancelled, or `start()`/`stop()` it as a task."""

    def __init__(
        self,
        options: AgentOptions,
        *,
        devices: SimulatedDevices | None = None,
        http: httpx.AsyncClient | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.options = options
        self.devices = devices or SimulatedDevices()
        self.store = StateStore(options.state_dir)
        self.rng = rng or random.Random()
        self.backoff = Backoff(base=options.backoff_base_s, cap=options.backoff_cap_s, rng=self.rng)
        self._shared_http = http
        self.state: AgentState | None = None
        self.device_server: DeviceServer | None = None
        self.ui_server: UiServer | None = None  # the kiosk UI and its local API, when `ui_port` is set
        self.desk = CitizenDesk(self, timings=options.kiosk)  # the citizen session the kiosk UI drives
        self.task: asyncio.Task[None] | None = None
        self.heartbeats = 0
        self.interval_s = options.interval_override or 60.0
        self.config: dict[str, Any] = {}
        self._last_heartbeat_at: float | None = None
        self._reachable = False
        self._token: str | None = None
        self._refresh_token_at = 0.0
        self._push_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.outbox: Outbox | None = None  # citizens' submissions, kept on disk until the platform has them
        self.outbox_events: list[OutboxEvent] = []  # the latest news for the kiosk UI (a short list)
        self._outbox_task: asyncio.Task[None] | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Run the agent as a background task (no-op if it already runs)."""
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self.run(), name=f"agent:{self.options.state_dir.name}")

    async def stop(self) -> None:
        """Stop the background task and wait until it has cleaned up."""
        task, self.task = self.task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._reachable = False

    async def run(self) -> None:
        """Run until cancelled; a simulated reboot starts everything over from the files on disk."""
        self.store.prepare()
        self.log = AgentLog(self.store.log_path, echo=self.options.echo_log)
        self.outbox = Outbox(self.options.state_dir, on_event=self._outbox_event, rng=self.rng)
        self.device_server = await self._start_device_service()
        self.ui_server = await self._start_ui()
        try:
            while True:
                try:
                    await self._boot()
                except RebootRequested:
                    self.log.info("agent_rebooting", simulated=not self.options.real_os_actions)
                except AgentSetupError:
                    raise
                except Exception as exc:  # a kiosk must keep trying: log it and start over, like a watchdog
                    delay = self.backoff.next()
                    self.log.error(
                        "agent_crashed", error=repr(exc)[:500], trace=traceback.format_exc()[-2000:]
                    )
                    await asyncio.sleep(delay)
        finally:
            if self.ui_server is not None:
                await self.ui_server.stop()
            if self.device_server is not None:
                await self.device_server.stop()
            self.log.close()

    async def _start_device_service(self) -> DeviceServer | None:
        """The local device service (127.0.0.1 only) over this kiosk's devices, when a port is set (or any
        free port when the kiosk UI is served: the UI needs it)."""
        port = self.options.device_port
        if port is None and self.options.ui_port is None:
            return None
        server = DeviceServer(self.devices.device_set, port=port or 0, token=self.store.device_token())
        await server.start()
        self.log.info(
            "device_service_started", url=server.url, simulated=self.devices.device_set.is_simulated
        )
        return server

    async def _start_ui(self) -> UiServer | None:
        """The kiosk UI server (127.0.0.1 only), when a UI port is set; its origin may open the devices."""
        if self.options.ui_port is None:
            return None
        server = UiServer(self, self.desk, bundle=self.options.ui_bundle, port=self.options.ui_port)
        await server.start()
        devices = self.device_server
        if devices is not None:
            devices.extra_origins += sorted(server.origins)
            self.desk.on_end.append(lambda: devices.cancel_commands(SESSION_DEVICE_WORK))
        self.log.info("kiosk_ui_started", url=server.url, version=server.version)
        return server

    @property
    def ui_version(self) -> str | None:
        """The version of the kiosk UI bundle this agent serves (None: it serves none)."""
        return self.ui_server.version if self.ui_server is not None else None

    @property
    def enrollment(self) -> Enrollment:
        """What the agent knows of its enrollment."""
        return self.state.enrollment if self.state else "new"

    @property
    def terminal_id(self) -> int | None:
        """The platform's id of this terminal, once enrolled."""
        return self.state.terminal_id if self.state else None

    @property
    def online(self) -> bool:
        """Whether the agent runs and its last heartbeat got through recently."""
        if self.task is None or self.task.done() or not self._reachable or self._last_heartbeat_at is None:
            return False
        return time.monotonic() - self._last_heartbeat_at < 2 * self.interval_s + 5

    def poll_now(self) -> None:
        """Cut the current wait short: heartbeat (or retry) now."""
        self._wake.set()

    # --- one boot --------------------------------------------------------------------------------

    async def _boot(self) -> None:
        self.keys = self.store.load_or_create_key()
        self.state = self._load_state()
        self.state.boots += 1
        self.store.save(self.state)
        self.config = self.store.load_config()[1]
        self.booted_at = time.monotonic()
        async with self._http_client() as http:
            self.client = TerminalClient(http, self.options.platform)
            self.runner = ActionRunner(
                store=self.store,
                state=self.state,
                log=self.log,
                send=self._send_feedback,
                refresh_config=self._refresh_config,
                real_os_actions=self.options.real_os_actions,
            )
            self.runner.finish_interrupted()
            self.log.info(
                "agent_started",
                serial=self.state.serial,
                terminal_id=self.state.terminal_id,
                boots=self.state.boots,
                version=__version__,
            )
            try:
                await self._ensure_enrolled()
                self._start_outbox()
                await self._session()
            finally:
                await self._stop_outbox()
                await self._stop_push()

    def _load_state(self) -> AgentState:
        state = self.store.load(
            serial=self.options.serial or default_serial(), platform=self.options.platform
        )
        if self.options.serial and self.options.serial != state.serial:
            self.log.warning("serial_ignored", given=self.options.serial, kept=state.serial)
        return state

    @contextlib.asynccontextmanager
    async def _http_client(self) -> AsyncIterator[httpx.AsyncClient]:
        if self._shared_http is not None:
            yield self._shared_http  # shared by a fleet: its owner closes it
            return
        async with httpx.AsyncClient(timeout=self.options.http_timeout_s) as http:
            yield http

    # --- enrollment and authentication -----------------------------------------------------------

    async def _ensure_enrolled(self) -> None:
        state = self._state()
        while state.terminal_id is None:
            request = self._enroll_request()
            try:
                answer = await self.client.enroll(request)
            except PlatformUnavailable as exc:
                await self._pause(self._outage_delay("enroll", exc))
                continue
            except PlatformRefused as exc:
                delay = self._denied_delay()
                self.log.error(
                    "enrollment_refused", status=exc.status, code=exc.code, retry_in_s=round(delay, 1)
                )
                await self._pause(delay)
                continue
            state.terminal_id, state.enrollment = answer.terminal_id, answer.state
            self.store.save(state)
            self.log.info("enrolled", terminal_id=answer.terminal_id, enrollment=answer.state)
        self.backoff.reset()

    def _enroll_request(self) -> EnrollRequest:
        if not self.options.enroll_token:
            raise AgentSetupError("this terminal is not enrolled yet: an enrollment token is needed")
        try:
            return EnrollRequest(
                enrollment_token=self.options.enroll_token,
                hardware=self._hardware(),
                public_key=self.keys.public_hex,
            )
        except ValidationError as exc:
            raise AgentSetupError(f"cannot enroll with these settings: {exc.errors()[0]['msg']}") from exc

    def _hardware(self) -> HardwareFacts:
        return HardwareFacts(
            serial=self._state().serial,
            vendor=self.options.vendor,
            model=self.options.model,
            os=host.platform()[:100],
            cpu=(host.processor() or host.machine())[:100] or None,
            mac=self.options.mac or mac_address(),
        )

    async def _ensure_token(self) -> None:
        if self._token is not None and time.monotonic() < self._refresh_token_at:
            return
        self._forget_token()
        terminal_id = self._state().terminal_id
        assert terminal_id is not None
        try:
            challenge = await self.client.challenge(terminal_id)
        except PlatformRefused as exc:
            raise self._refusal(exc, default="unknown") from exc
        signature = self.keys.sign(challenge.challenge.encode()).hex()
        request = TokenRequest(terminal_id=terminal_id, challenge=challenge.challenge, signature=signature)
        try:
            answer = await self.client.token(request)
        except PlatformRefused as exc:
            raise self._refusal(exc, default=None) from exc
        self._token = answer.access_token
        self._refresh_token_at = time.monotonic() + answer.expires_in - min(60.0, answer.expires_in * 0.2)
        self._set_enrollment("approved")
        self.log.info("authenticated", expires_in_s=answer.expires_in)

    def _refusal(self, exc: PlatformRefused, *, default: Enrollment | None) -> Exception:
        """What a refused authentication means: wait for approval, wait slowly, or retry with backoff."""
        enrollment = _REFUSAL_STATES.get(exc.code, default)
        if enrollment is None:
            self.log.warning("authentication_failed", status=exc.status, code=exc.code)
            return _Deferred(self.backoff.next())
        self._set_enrollment(enrollment)
        if enrollment == "pending":
            return _Deferred(self.rng.uniform(*self.options.pending_poll_s))
        delay = self._denied_delay()
        # Loud on purpose: an operator must act; until then the agent does not heartbeat.
        self.log.error(
            "terminal_not_allowed", enrollment=enrollment, code=exc.code, retry_in_s=round(delay, 1)
        )
        return _Deferred(delay)

    def _set_enrollment(self, enrollment: Enrollment) -> None:
        state = self._state()
        if state.enrollment != enrollment:
            self.log.info("enrollment_changed", old=state.enrollment, new=enrollment)
            state.enrollment = enrollment
            self.store.save(state)

    def _forget_token(self) -> None:
        self._token = None
        if self._push_task is not None:
            self._push_task.cancel()  # it was authenticated with the old token

    async def _stop_push(self) -> None:
        self._forget_token()
        task, self._push_task = self._push_task, None
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    # --- the outbox of citizens' submissions ------------------------------------------------------

    def _start_outbox(self) -> None:
        assert self.outbox is not None
        channel = TerminalCaseChannel(self.client, token=self._case_token, reauthenticate=self._case_reauth)
        self._outbox_task = asyncio.create_task(self.outbox.run_forever(channel), name="agent:outbox")

    async def _stop_outbox(self) -> None:
        task, self._outbox_task = self._outbox_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _case_token(self) -> str:
        await self._ensure_token()
        return self._bearer()

    async def _case_reauth(self) -> None:
        self._forget_token()

    def _outbox_event(self, event: OutboxEvent) -> None:
        """Keep the last few outbox events for the kiosk UI; nothing personal is in them."""
        self.outbox_events = [*self.outbox_events[-19:], event]
        self.log.info(
            "outbox_" + event.kind, entry=event.entry_id, item_id=event.item_id, case=event.case_number
        )

    # --- the heartbeat session -------------------------------------------------------------------

    async def _session(self) -> None:
        reauth_in_a_row = 0
        while True:
            try:
                await self._ensure_token()
                self._ensure_push()
                await self.runner.flush()
                interval = await self._cycle()
            except _Deferred as deferred:
                await self._pause(deferred.delay)
                continue
            except PlatformUnavailable as exc:
                self._reachable = False
                await self._pause(self._outage_delay("heartbeat", exc))
                continue
            except PlatformRefused as exc:
                reauth_in_a_row = reauth_in_a_row + 1 if exc.status == 401 else 0
                await self._pause(self._refused_delay(exc, reauth_in_a_row))
                continue
            self.backoff.reset()
            reauth_in_a_row = 0
            await self._pause(interval * self.rng.uniform(0.9, 1.0))

    async def _cycle(self) -> float:
        answer = await self.client.heartbeat(self._bearer(), self._heartbeat())
        self.heartbeats += 1
        if not self._reachable and self.outbox is not None:
            self.outbox.wake()  # the platform is back: deliver what waited, not at the end of a long backoff
        self._reachable, self._last_heartbeat_at = True, time.monotonic()
        self.interval_s = self.options.interval_override or float(answer.interval_s)
        self.log.debug("heartbeat", interval_s=answer.interval_s, actions=len(answer.actions))
        if answer.config_etag != self._state().config_etag:
            await self._refresh_config(announced=answer.config_etag)
        for action in answer.actions:
            await self.runner.handle(action)
        return self.interval_s

    def _heartbeat(self) -> HeartbeatRequest:
        state = self._state()
        metrics = {
            "uptime_s": round(time.monotonic() - self.booted_at, 1),
            "boots": float(state.boots),
            "app_restarts": float(state.app_restarts),
            "outbox_pending": float(self.outbox.pending_count if self.outbox else 0),
            **host_metrics(),
        }
        installed = {"agent": __version__}
        if self.ui_version is not None:
            installed["kiosk_ui"] = self.ui_version
        in_session = self.desk.session is not None
        return HeartbeatRequest(
            status="locked" if state.locked else "in_session" if in_session else "idle",
            peripherals=self.devices.report(),
            installed=installed,
            metrics=metrics,
            config_etag=state.config_etag,
        )

    def _refused_delay(self, exc: PlatformRefused, reauth_in_a_row: int) -> float:
        if exc.status == 401:
            self._forget_token()
            self.log.info("reauthenticating", code=exc.code)
            # The first 401 is an expired token: re-authenticate at once; repeated ones back off.
            return 0.0 if reauth_in_a_row <= 1 else self.backoff.next()
        delay = self.backoff.next()
        self.log.error("heartbeat_refused", status=exc.status, code=exc.code, retry_in_s=round(delay, 1))
        return delay

    def _ensure_push(self) -> None:
        if not self.options.push or (self._push_task is not None and not self._push_task.done()):
            return
        backoff = Backoff(base=self.options.backoff_base_s, cap=self.options.backoff_cap_s, rng=self.rng)
        self._push_task = asyncio.create_task(
            listen_for_pushes(
                self.client.push_url,
                current_token=lambda: self._token,
                on_poll=self.poll_now,
                backoff=backoff,
                log=self.log,
            )
        )

    # --- configuration and feedback --------------------------------------------------------------

    async def _refresh_config(self, announced: str | None = None) -> str | None:
        """Fetch the configuration if it changed, store it and apply it; return the applied ETag."""
        state = self._state()
        answer = await self.client.config(self._bearer(), state.config_etag)
        if answer is None:
            # 304: ours is current; adopt the announced tag so we do not refetch on every heartbeat.
            state.config_etag = announced or state.config_etag
        else:
            self.store.save_config(answer.etag, answer.values)
            self.config = answer.values
            state.config_etag = answer.etag
            if isinstance(answer.values.get("screen_lock_message"), str):
                state.lock_message = answer.values["screen_lock_message"]
            self.log.info("config_applied", etag=answer.etag, keys=sorted(answer.values))
        self.store.save(state)
        return state.config_etag

    async def _send_feedback(self, action_id: int, feedback: ActionFeedback) -> bool:
        try:
            await self.client.feedback(self._bearer(), action_id, feedback)
        except PlatformRefused as exc:
            if exc.status == 401:
                raise
            # 410 (no longer active), 404 (not ours) or a refusal: retrying would never help.
            self.log.info("feedback_not_taken", action_id=action_id, status=exc.status, code=exc.code)
            return False
        return True

    # --- helpers ---------------------------------------------------------------------------------

    def _state(self) -> AgentState:
        assert self.state is not None, "the agent has not booted"
        return self.state

    def bearer(self) -> str:
        """The terminal's current access token (for tools acting as this kiosk, e.g. the demo's citizens)."""
        return self._bearer()

    def _bearer(self) -> str:
        if self._token is None:
            raise PlatformRefused(401, "no_token", "not authenticated")
        return self._token

    def _outage_delay(self, what: str, exc: PlatformUnavailable) -> float:
        if exc.retry_after is not None:
            delay = min(exc.retry_after, MAX_RETRY_AFTER_S) * self.rng.uniform(1.0, 1.2)
        else:
            delay = self.backoff.next()
        self.log.warning("platform_unreachable", during=what, reason=str(exc), retry_in_s=round(delay, 2))
        return delay

    def _denied_delay(self) -> float:
        return self.options.denied_poll_s * self.rng.uniform(0.8, 1.2)

    async def _pause(self, delay: float) -> None:
        """Sleep `delay` seconds, or less if a push nudge arrives."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=max(delay, 0.0))
        self._wake.clear()
