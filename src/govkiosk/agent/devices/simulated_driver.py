"""The base of every simulated driver: deterministic, faults come only from `inject`."""

import asyncio
from typing import ClassVar, get_args

from govkiosk.agent.devices.base import DeviceError, Driver
from govkiosk.contracts.devices import SimulatorFault, StatusPayload, Supply
from govkiosk.contracts.terminal_api import DeviceState, SupplyLevel

ALL_FAULTS: tuple[SimulatorFault, ...] = get_args(SimulatorFault)

# fault → the device state it causes (first match wins, in this order)
_STATE_FAULTS: dict[str, tuple[DeviceState, str]] = {
    "unplug": ("noDevice", "unplugged"),
    "not_present": ("noDevice", "not present"),
    "offline": ("offline", "offline"),
    "hardware_error": ("hardwareError", "hardware error"),
    "jam": ("hardwareError", "media jam"),
    "cover_open": ("userError", "cover open"),
}
_SUPPLY_FAULTS: dict[str, tuple[str, SupplyLevel]] = {
    "paper_low": ("paper", "low"),
    "paper_out": ("paper", "out"),
    "toner_low": ("toner", "low"),
}
_COMMON_FAULTS = frozenset({*_STATE_FAULTS, "timeout", "replug"})


class SimulatedDriver(Driver):
    """A simulated device with fault injection; every class's simulated driver extends this."""

    simulated = True
    vendor = "govkiosk"
    model = "simulated"
    supplies_when_full: ClassVar[dict[str, SupplyLevel]] = {}
    class_faults: ClassVar[frozenset[str]] = frozenset()

    def __init__(self) -> None:
        super().__init__()
        self.faults: set[str] = set()
        self.supplies: dict[str, SupplyLevel] = dict(self.supplies_when_full)
        self.cancelled = 0  # operations that saw a cancellation (disconnect, Cancel, timeout)

    @property
    def accepted_faults(self) -> frozenset[str]:
        supply_faults = {f for f, (supply, _) in _SUPPLY_FAULTS.items() if supply in self.supplies}
        return _COMMON_FAULTS | supply_faults | self.class_faults

    def inject(self, fault: str) -> list[SimulatorFault]:
        """Put a fault on the device; returns the faults now active."""
        if fault not in self.accepted_faults:
            raise DeviceError("unsupportedData", f"fault {fault!r} not simulated here")
        changed: dict[str, SupplyLevel] = {}
        if fault == "replug":
            self.faults -= {"unplug", "not_present"}
        elif fault in _SUPPLY_FAULTS:
            supply, level = _SUPPLY_FAULTS[fault]
            self.supplies[supply] = changed[supply] = level
        else:
            self.faults.add(fault)
        self.changed(changed)
        return self.active_faults()

    def recover(self) -> list[SimulatorFault]:
        """Clear every fault and refill the supplies."""
        changed = {s: lvl for s, lvl in self.supplies_when_full.items() if self.supplies.get(s) != lvl}
        self.faults.clear()
        self.supplies = dict(self.supplies_when_full)
        self.changed(changed)
        return []

    def active_faults(self) -> list[SimulatorFault]:
        return [f for f in ALL_FAULTS if f in self.faults]

    def state(self) -> tuple[DeviceState, str | None]:
        for fault, state in _STATE_FAULTS.items():
            if fault in self.faults:
                return state
        low = [f"{s} {lvl}" for s, lvl in self.supplies.items() if lvl != "ok"]
        return "online", ", ".join(low) or None

    def status(self) -> StatusPayload:
        device, detail = self.state()
        supplies = [Supply(name=name, level=level) for name, level in self.supplies.items()]
        return StatusPayload(device=device, supplies=supplies, simulated=True, detail=detail)

    def ensure_ready(self) -> None:
        """Raise the completion a command gets while the device is faulty."""
        device, detail = self.state()
        if device == "noDevice" or device == "offline":
            raise DeviceError("deviceNotReady", detail or device)
        if device == "hardwareError":
            raise DeviceError("hardwareError", detail or device)
        if device == "userError":
            raise DeviceError("userError", detail or device)

    async def operate(self, seconds: float = 0.01) -> None:
        """Check the device and take `seconds`; hangs until cancelled under the `timeout` fault."""
        self.ensure_ready()
        try:
            if "timeout" in self.faults:
                await asyncio.Event().wait()
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
