"""The `kiosk` fixture for the kiosk UI's browser tests: a live platform seeded with the two demo services and
their form apps, and an agent with simulated devices serving the packaged UI bundle on a free port, running in
a background thread's event loop. The fixture needs no browser."""

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from govkiosk.agent.devices.audio import SimulatedAudio
from govkiosk.agent.devices.printer import PrintJob, SimulatedPrinter
from govkiosk.agent.sync.agent import Agent
from govkiosk.agent.sync.options import KioskTimings
from govkiosk.platform.support.elicence import DemoCitizen
from govkiosk.sim.citizen import present_card
from tests.agent.fake_platform import SwitchableTransport
from tests.conftest import LivePlatform
from tests.kiosk_seed import kiosk as seeded_kiosk

T = TypeVar("T")


class KioskUnderTest:
    """A running kiosk: `url` is what Chromium opens; faults, the network and the session are at hand."""

    def __init__(self, live: LivePlatform, state_dir: Path, timings: KioskTimings) -> None:
        self.platform = live
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="kiosk-agent", daemon=True)
        self.network = SwitchableTransport(httpx.AsyncHTTPTransport())
        self._state_dir, self._timings = state_dir, timings
        self._context: AbstractAsyncContextManager[Any] | None = None
        self._http: httpx.AsyncClient | None = None
        self.agent: Agent

    def start(self) -> "KioskUnderTest":
        self.thread.start()
        self.run(self._enter)
        return self

    async def _enter(self) -> None:
        self._http = httpx.AsyncClient(transport=self.network, timeout=5)
        self._context = seeded_kiosk(
            self.platform, self._state_dir, ui_port=0, kiosk=self._timings, http=self._http
        )
        self.agent, _ = await self._context.__aenter__()

    def stop(self) -> None:
        self.network.down = False
        try:
            self.run(self._exit)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()

    async def _exit(self) -> None:
        if self._context is not None:
            await self._context.__aexit__(None, None, None)
        if self._http is not None:
            await self._http.aclose()

    def run(self, work: Callable[[], Awaitable[T]], timeout: float = 60) -> T:
        """Run a coroutine in the agent's loop (from the test's thread) and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(work(), self.loop)  # type: ignore[arg-type]
        return future.result(timeout)

    def _sync(self, action: Callable[[], T]) -> T:
        async def call() -> T:
            return action()

        return self.run(call)

    @property
    def url(self) -> str:
        """The kiosk UI's address, http://127.0.0.1:<port>/."""
        assert self.agent.ui_server is not None
        return self.agent.ui_server.url

    def inject(self, device_class: str, fault: str) -> None:
        """A fault on a simulated device, as the local API's simulator hook puts it (`face_mismatch` on
        Biometric also makes the face comparison fail)."""
        response = httpx.post(f"{self.url}local/v1/sim/{device_class}/{fault}", timeout=10)
        response.raise_for_status()

    def recover(self, device_class: str) -> None:
        """Clear a simulated device's faults."""
        self.inject(device_class, "recover")

    def present_card(self, citizen: DemoCitizen) -> None:
        """Lay a demo citizen's ID card on the simulated reader (by default a synthetic card lies there)."""
        self._sync(lambda: present_card(self.agent.devices.device_set, citizen))

    def platform_down(self) -> None:
        """The kiosk loses its network link to the platform."""
        self.network.down = True

    def platform_up(self) -> None:
        """The link is back (the outbox delivers at the next heartbeat)."""
        self.network.down = False

    def speaker(self) -> SimulatedAudio:
        """The simulated speaker: what it said (`spoken`) and its volume."""
        driver = self.agent.devices.device_set.driver("Audio")
        assert isinstance(driver, SimulatedAudio)
        return driver

    def printed(self) -> list[PrintJob]:
        """The simulated printer's kept jobs (its last few, as a real printer's memory holds them)."""

        def read() -> list[PrintJob]:
            driver = self.agent.devices.device_set.driver("Printer")
            assert isinstance(driver, SimulatedPrinter)
            return list(driver.jobs)

        return self._sync(read)

    def session_state(self) -> dict[str, Any]:
        """The agent-side session, for wipe assertions: nothing personal, only what is (still) held."""

        def read() -> dict[str, Any]:
            desk = self.agent.desk
            session = desk.session
            return {
                "open": session is not None,
                "identity": session is not None and session.identity is not None,
                "materials": len(desk.record.materials) + (len(session.materials) if session else 0),
                "drafts": len(session.drafts) if session else 0,
                "cases": len(desk.record.cases),
                "ended": [e.reason for e in desk.ended],
                "outbox_pending": self.agent.outbox.pending_count if self.agent.outbox else 0,
            }

        return self._sync(read)


@pytest.fixture
def kiosk(live_platform: LivePlatform, tmp_path: Path) -> Iterator[KioskUnderTest]:
    """A kiosk serving the packaged UI bundle; a short submit wait so "queued" comes quickly when offline."""
    timings = KioskTimings(card_wait_s=3.0, submit_wait_s=3.0)
    running = KioskUnderTest(live_platform, tmp_path / "kiosk", timings).start()
    yield running
    running.stop()
