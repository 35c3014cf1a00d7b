"""The fleet simulator: N real agents in one process, with mishaps drawn from a seeded RNG."""

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx

from govkiosk.agent.devices.simulated import ALL_DEVICE_CLASSES, Fault, SimulatedDevices
from govkiosk.agent.sync.agent import Agent, AgentOptions
from govkiosk.agent.sync.client import PlatformRefused, PlatformUnavailable
from govkiosk.agent.sync.outbox import new_idempotency_key
from govkiosk.agent.sync.runner import run_until_signalled
from govkiosk.contracts.terminal_api import API_PREFIX, Applicant, CaseSubmission, DeviceClass
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.support.elicence import CITIZENS
from govkiosk.sim import citizen as scripted

VENDORS = ("SIM-A", "SIM-B", "SIM-C")
MODELS = {"SIM-A": "SIM-A KS-300", "SIM-B": "SIM-B GZ-200", "SIM-C": "SIM-C MINI-80"}
# Vendors sell different builds: a full kiosk, one without signature pad and lights, a small desk unit.
PROFILES: dict[str, tuple[DeviceClass, ...]] = {
    "SIM-A": ALL_DEVICE_CLASSES,
    "SIM-B": tuple(c for c in ALL_DEVICE_CLASSES if c not in ("SignaturePad", "Lights")),
    "SIM-C": ("IdCardReader", "BarcodeReader", "Camera", "Printer", "Audio", "Keyboard"),
}
_FAULTS_BY_CLASS: dict[str, tuple[Fault, ...]] = {
    "Printer": ("jam", "cover_open", "hardware_error", "offline"),
    "DocumentScanner": ("cover_open", "hardware_error", "offline"),
    "CardReader": ("jam", "hardware_error", "offline"),
}
_GENERIC_FAULTS: tuple[Fault, ...] = ("hardware_error", "offline", "not_present")

ChaosKind = Literal["offline", "paper", "fault"]
Echo = Callable[[str], None]


@dataclass(frozen=True)
class ChaosEvent:
    """One mishap: which kiosk, what happens, and how long it lasts (as a factor of a base duration)."""

    kind: ChaosKind
    index: int
    device_class: DeviceClass | None = None
    fault: Fault | None = None
    factor: float = 1.0


class ChaosPlan:
    """Draws the fleet's next mishap from a seeded RNG, so a seed always tells the same story."""

    def __init__(self, rng: random.Random, profiles: list[tuple[DeviceClass, ...]]) -> None:
        self.rng = rng
        self.profiles = profiles

    def draw(self) -> ChaosEvent:
        """The next mishap."""
        kind: ChaosKind = self.rng.choices(("offline", "paper", "fault"), weights=(3, 4, 3))[0]
        index = self.rng.randrange(len(self.profiles))
        factor = self.rng.uniform(1.2, 2.5)
        if kind != "fault":
            return ChaosEvent(kind=kind, index=index, factor=factor)
        device_class = self.rng.choice(self.profiles[index])
        fault = self.rng.choice(_FAULTS_BY_CLASS.get(device_class, _GENERIC_FAULTS))
        return ChaosEvent(kind="fault", index=index, device_class=device_class, fault=fault, factor=factor)


def _simulated_mac(seed: int, index: int) -> str:
    """A locally administered MAC (02:…), unique per seed and kiosk."""
    octets = [0x02, 0x5E, (seed >> 8) & 0xFF, seed & 0xFF, (index >> 8) & 0xFF, index & 0xFF]
    return ":".join(f"{octet:02x}" for octet in octets)


class Fleet:
    """N simulated kiosks (real `Agent`s with simulated devices) sharing one HTTP client."""

    def __init__(
        self,
        platform: str,
        terminals: int,
        enroll_token: str,
        state_dir: Path,
        seed: int,
        interval_override: float | None = None,
        *,
        chaos_period_s: float | None = 15.0,
        citizens_period_s: float | None = None,
        offline_grace_s: float = 30.0,
        stagger_s: float | None = None,
        progress_every_s: float | None = 10.0,
        echo: Echo | None = print,
        agent_options: dict[str, Any] | None = None,
        ui_port: int | None = None,
    ) -> None:
        self.platform, self.seed, self.state_dir = platform, seed, state_dir
        self.chaos_period_s, self.offline_grace_s = chaos_period_s, offline_grace_s
        self.citizens_period_s = citizens_period_s
        self.submitted = 0
        self.stagger_s = stagger_s if stagger_s is not None else min(0.2, 10.0 / max(terminals, 1))
        self.progress_every_s, self.echo = progress_every_s, echo
        pool = min(terminals, 500) + 10
        self.http = httpx.AsyncClient(
            timeout=10.0, limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        )
        extra = dict(agent_options or {})
        self.agents = [self._agent(i, enroll_token, interval_override, extra) for i in range(terminals)]
        if ui_port is not None and self.agents:
            self.agents[0].options.ui_port = ui_port  # a full kiosk (SIM-A) serves the kiosk UI for people
        self.chaos = ChaosPlan(random.Random(seed), [PROFILES[self.vendor_of(i)] for i in range(terminals)])
        self._timing = random.Random(f"timing:{seed}")
        self.offline: set[int] = set()
        self._busy: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @staticmethod
    def vendor_of(index: int) -> str:
        """The vendor code of the kiosk at `index`."""
        return VENDORS[index % len(VENDORS)]

    def _agent(self, index: int, token: str, interval: float | None, extra: dict[str, Any]) -> Agent:
        vendor = self.vendor_of(index)
        options = AgentOptions(
            platform=self.platform,
            state_dir=self.state_dir / f"term-{index + 1:04d}",
            enroll_token=token,
            serial=f"SIM-{self.seed}-{index:05d}",
            vendor=vendor,
            model=MODELS[vendor],
            mac=_simulated_mac(self.seed, index),
            interval_override=interval,
            **extra,
        )
        devices = SimulatedDevices(PROFILES[vendor])
        return Agent(options, devices=devices, http=self.http, rng=random.Random(f"{self.seed}:{index}"))

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the kiosks one after another (no stampede), the mishaps and the progress lines."""
        self._spawn(self._start_staggered())
        if self.chaos_period_s:
            self._spawn(self._chaos_loop(self.chaos_period_s))
        if self.progress_every_s and self.echo:
            self._spawn(self._progress_loop(self.progress_every_s))
        if self.citizens_period_s:
            self._spawn(self._citizen_loop(self.citizens_period_s))

    async def stop(self) -> None:
        """Stop every kiosk and close the shared client."""
        tasks, self._tasks = list(self._tasks), set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(agent.stop() for agent in self.agents))
        await self.http.aclose()

    def counts(self) -> dict[str, int]:
        """How many kiosks are enrolled, approved, pending, online, simulated-offline, degraded, failed."""
        agents = self.agents
        return {
            "terminals": len(agents),
            "enrolled": sum(a.terminal_id is not None for a in agents),
            "approved": sum(a.enrollment == "approved" for a in agents),
            "pending": sum(a.enrollment == "pending" for a in agents),
            "online": sum(a.online for a in agents),
            "offline_sim": len(self.offline),
            "degraded": sum(bool(a.devices.degraded()) for a in agents),
            "failed": sum(a.task is not None and a.task.done() for a in agents),
        }

    def progress_line(self) -> str:
        """One short line about the fleet."""
        c = self.counts()
        cases = f" · citizens' cases {self.submitted}" if self.citizens_period_s else ""
        return (
            f"fleet: {c['terminals']} kiosks · enrolled {c['enrolled']} · approved {c['approved']}"
            f" · pending {c['pending']} · online {c['online']} · powered off {c['offline_sim']}"
            f" · with device faults {c['degraded']}"
            + (f" · failed {c['failed']}" if c["failed"] else "")
            + cases
        )

    # --- background work -------------------------------------------------------------------------

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _say(self, line: str) -> None:
        if self.echo:
            self.echo(line)

    async def _start_staggered(self) -> None:
        for agent in self.agents:
            await agent.start()
            await asyncio.sleep(self.stagger_s)

    async def _progress_loop(self, every_s: float) -> None:
        while True:
            await asyncio.sleep(every_s)
            self._say(self.progress_line())

    async def _citizen_loop(self, period_s: float) -> None:
        """Now and then a (simulated) citizen submits a case at an online kiosk, through its outbox."""
        rng = random.Random(f"citizens:{self.seed}")
        while True:
            await asyncio.sleep(period_s * rng.uniform(0.5, 1.5))
            online = [
                a for a in self.agents if a.online and a.outbox is not None and a.options.ui_port is None
            ]
            if online:
                try:
                    await self._one_citizen(rng.choice(online), rng)
                except (httpx.HTTPError, PlatformRefused, PlatformUnavailable, KeyError, ValueError):
                    continue  # the kiosk's token or catalog was not ready: the next citizen tries again

    async def _one_citizen(self, agent: Agent, rng: random.Random) -> None:
        """A citizen applies through a form at the kiosk; a bare case only where no form app is offered."""
        try:
            visit = await scripted.serve(agent, rng.choice(scripted.SERVICES), rng.choice(CITIZENS), rng)
        except scripted.NotOffered:
            visit = None
        if visit is not None:
            if visit.outcome in ("submitted", "queued"):
                self.submitted += 1
            return
        headers = {"Authorization": f"Bearer {agent.bearer()}"}
        catalog = (await self.http.get(f"{self.platform}{API_PREFIX}/catalog", headers=headers)).json()
        items = [o for o in catalog["offers"] if o["subject"] == "item"]
        if not items:
            return
        offer, citizen = rng.choice(items), rng.choice(CITIZENS)
        applicant = Applicant(name=citizen.name, id_number=citizen.id_number, verified_by="idcard_face")
        submission = CaseSubmission(
            idempotency_key=new_idempotency_key(),
            item_id=offer["id"],
            item_version=offer["version"],
            applicant=applicant,
            submitted_at=utcnow(),
        )
        assert agent.outbox is not None
        agent.outbox.enqueue(submission)
        self.submitted += 1

    async def _chaos_loop(self, period_s: float) -> None:
        while True:
            await asyncio.sleep(period_s * self._timing.uniform(0.8, 1.2))
            event = self.chaos.draw()
            if (
                event.index in self._busy
                or self.agents[event.index].options.ui_port is not None
                or (event.kind == "offline" and not self._may_go_offline(event.index))
            ):
                continue
            self._busy.add(event.index)
            self._spawn(self._play(event, period_s))

    def _may_go_offline(self, index: int) -> bool:
        # Only kiosks that are up (a power cut mid-enrollment would strand one) and at most a tenth at once.
        return self.agents[index].online and len(self.offline) < max(1, len(self.agents) // 10)

    async def _play(self, event: ChaosEvent, period_s: float) -> None:
        agent = self.agents[event.index]
        name = agent.options.serial
        try:
            if event.kind == "offline":
                # Long enough for the platform to notice: beyond 2 × interval + its grace period.
                await self._power_off(
                    event.index, event.factor * (2 * agent.interval_s + self.offline_grace_s)
                )
            elif event.kind == "paper":
                agent.devices.inject("Printer", "paper_low")
                await asyncio.sleep(event.factor * period_s)
                agent.devices.inject("Printer", "paper_out")
                self._say(f"fleet: {name} printer is out of paper")
                await asyncio.sleep(event.factor * period_s)
                agent.devices.recover("Printer")
            else:
                assert event.device_class is not None and event.fault is not None
                agent.devices.inject(event.device_class, event.fault)
                self._say(f"fleet: {name} {event.device_class} fault: {event.fault}")
                await asyncio.sleep(event.factor * period_s)
                agent.devices.recover(event.device_class)
        finally:
            self._busy.discard(event.index)

    async def _power_off(self, index: int, seconds: float) -> None:
        agent = self.agents[index]
        self._say(f"fleet: {agent.options.serial} powered off for {seconds:.0f} s")
        self.offline.add(index)
        await agent.stop()
        try:
            await asyncio.sleep(seconds)
        finally:
            self.offline.discard(index)
        await agent.start()


def run_fleet_cli(*, platform: str, terminals: int, enroll_token: str, state_dir: Path, seed: int) -> None:
    """`govkiosk simulate`: run the fleet until Ctrl-C or SIGTERM."""

    async def main(stop: asyncio.Event) -> None:
        fleet = Fleet(platform, terminals, enroll_token, state_dir, seed)
        print(f"fleet: starting {terminals} simulated kiosks against {platform} (seed {seed}); Ctrl-C stops")
        await fleet.start()
        try:
            await stop.wait()
        finally:
            await fleet.stop()
            print(fleet.progress_line().replace("fleet:", "fleet stopped:", 1))

    run_until_signalled(main)
