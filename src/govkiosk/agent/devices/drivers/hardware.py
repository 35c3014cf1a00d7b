"""The base of real drivers: a cached state that polls refresh, and options read from the devices file."""

import asyncio
import contextlib
import threading
from dataclasses import dataclass, field
from typing import Any

from govkiosk.agent.devices.base import DeviceError, Driver
from govkiosk.contracts.devices import StatusPayload, Supply
from govkiosk.contracts.terminal_api import DeviceState, SupplyLevel


@dataclass(frozen=True)
class Reading:
    """The device's state as one look at the hardware found it."""

    state: DeviceState
    detail: str | None = None
    supplies: dict[str, SupplyLevel] = field(default_factory=dict)


class HardwareDriver(Driver):
    """A real device: `poll()` asks the hardware, `status()` answers from the last poll.

    `status()` never does I/O because the protocol engine and the heartbeat call it on the event loop;
    commands poll before they act, and `watch()` keeps the state fresh between commands.
    """

    simulated = False

    def __init__(self, *, vendor: str | None = None, model: str | None = None) -> None:
        super().__init__()
        self.vendor = vendor or self.vendor
        self.model = model or self.model
        self.state: DeviceState = "starting"
        self.detail: str | None = "not checked yet"
        self.supplies: dict[str, SupplyLevel] = {}
        self.link = threading.Lock()  # one conversation with the hardware at a time (commands vs watch)

    def status(self) -> StatusPayload:
        supplies = [Supply(name=name, level=level) for name, level in self.supplies.items()]
        return StatusPayload(device=self.state, supplies=supplies, simulated=False, detail=self.detail)

    def update(self, reading: Reading) -> None:
        """Record what the hardware said; tell the listeners when the state or a supply changed.

        Called on the event loop only: listeners publish to WebSocket connections.
        """
        changed = {k: v for k, v in reading.supplies.items() if self.supplies.get(k) != v}
        self.supplies.update(reading.supplies)
        if (reading.state, reading.detail) != (self.state, self.detail) or changed:
            self.state, self.detail = reading.state, reading.detail
            self.changed(changed)

    def check(self) -> Reading:
        """Ask the hardware for its state (blocking; runs in a worker thread holding the link)."""
        raise NotImplementedError

    async def poll(self) -> StatusPayload:
        """Refresh the state from the hardware."""
        self.update(await self.run_locked(self.check))
        return self.status()

    async def watch(self, interval: float = 5.0) -> None:
        """Poll every `interval` seconds until cancelled (the agent runs one per real driver)."""
        while True:
            with contextlib.suppress(DeviceError):
                await self.poll()
            await asyncio.sleep(interval)

    def ensure_ready(self) -> None:
        """Raise the completion a command gets while the device is not usable."""
        if self.state in ("noDevice", "offline", "powerOff", "starting"):
            raise DeviceError("deviceNotReady", self.detail or self.state)
        if self.state == "hardwareError":
            raise DeviceError("hardwareError", self.detail or self.state)
        if self.state == "userError":
            raise DeviceError("userError", self.detail or self.state)

    def _locked(self, work: Any, *args: Any) -> Any:
        with self.link:
            return work(*args)

    async def run_locked(self, work: Any, *args: Any) -> Any:
        """Run blocking hardware work in a thread, holding the link."""
        return await asyncio.to_thread(self._locked, work, *args)


class DriverOptions:
    """A driver's options from the devices file; `done()` rejects the ones nobody read (typos)."""

    def __init__(self, device_class: str, driver: str, options: dict[str, Any]) -> None:
        self.where = f"{device_class} (driver {driver!r})"
        self.options = dict(options)
        self.read: set[str] = set()

    def _get(self, key: str, kind: type | tuple[type, ...], default: Any, required: bool) -> Any:
        self.read.add(key)
        if key not in self.options:
            if required:
                raise ValueError(f"{self.where}: option {key!r} is required")
            return default
        value = self.options[key]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise ValueError(f"{self.where}: option {key!r} must be {getattr(kind, '__name__', kind)}")
        return value

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> Any:
        return self._get(key, str, default, required)

    def integer(self, key: str, default: int | None = None, *, required: bool = False) -> Any:
        value = self._get(key, (int, str), default, required)
        if isinstance(value, str):  # USB ids are written in hex: "0x0416"
            try:
                return int(value, 0)
            except ValueError:
                raise ValueError(f"{self.where}: option {key!r} must be an integer") from None
        return value

    def number(self, key: str, default: float | None = None) -> Any:
        return self._get(key, (int, float), default, False)

    def choice(self, key: str, choices: tuple[str, ...], *, required: bool = False) -> Any:
        value = self.text(key, required=required)
        if value is not None and value not in choices:
            raise ValueError(f"{self.where}: option {key!r} must be one of {', '.join(choices)}")
        return value

    def done(self) -> None:
        unknown = sorted(set(self.options) - self.read)
        if unknown:
            raise ValueError(f"{self.where}: unknown options {unknown}")
