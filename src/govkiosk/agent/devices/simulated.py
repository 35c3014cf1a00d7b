"""Simulated peripherals with fault injection: a stand-in for the device layer, labelled simulated."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from govkiosk.contracts.terminal_api import DeviceClass, DeviceState, PeripheralState, Supply, SupplyLevel

Fault = Literal[
    "not_present", "paper_low", "paper_out", "toner_low", "jam", "hardware_error", "cover_open", "offline"
]

ALL_DEVICE_CLASSES: tuple[DeviceClass, ...] = get_args(DeviceClass)
FAULTS: tuple[Fault, ...] = get_args(Fault)
PRINTER_SUPPLIES = ("paper", "toner")

# fault → (device state, detail); supply faults leave the device online, as XFS4IoT does for media.
_STATE_FAULTS: dict[str, tuple[DeviceState, str]] = {
    "not_present": ("noDevice", "not present"),
    "jam": ("hardwareError", "media jam"),
    "hardware_error": ("hardwareError", "hardware error"),
    "cover_open": ("userError", "cover open"),
    "offline": ("offline", "offline"),
}
_SUPPLY_FAULTS: dict[str, tuple[str, SupplyLevel]] = {
    "paper_low": ("paper", "low"),
    "paper_out": ("paper", "out"),
    "toner_low": ("toner", "low"),
}


@dataclass
class SimulatedDevice:
    """One simulated peripheral and its current condition."""

    device_class: DeviceClass
    state: DeviceState = "online"
    detail: str | None = None
    supplies: dict[str, SupplyLevel] = field(default_factory=dict)

    def report(self) -> PeripheralState:
        """This device as the heartbeat reports it."""
        supplies = [Supply(name=name, level=level) for name, level in self.supplies.items()]
        return PeripheralState(
            device_class=self.device_class,
            state=self.state,
            supplies=supplies,
            simulated=True,
            detail=self.detail,
        )


class SimulatedDevices:
    """The kiosk's simulated peripherals; deterministic, faults come only from `inject`."""

    def __init__(self, classes: tuple[DeviceClass, ...] | list[DeviceClass] = ALL_DEVICE_CLASSES) -> None:
        unknown = set(classes) - set(ALL_DEVICE_CLASSES)
        if unknown:
            raise ValueError(f"unknown device classes: {sorted(unknown)}")
        self.devices: dict[DeviceClass, SimulatedDevice] = {}
        for device_class in classes:
            self.devices[device_class] = SimulatedDevice(device_class=device_class)
            self.recover(device_class)

    @classmethod
    def from_spec(cls, spec: str) -> "SimulatedDevices":
        """'simulated' → every class; otherwise a JSON file listing the device classes to simulate."""
        if spec == "simulated":
            return cls()
        data = json.loads(Path(spec).read_text())
        classes = data.get("simulated", data.get("devices")) if isinstance(data, dict) else data
        if not isinstance(classes, list):
            raise ValueError('a devices file is a JSON list of device classes, or {"devices": [...]}')
        return cls(classes)

    @property
    def classes(self) -> list[DeviceClass]:
        """The device classes this kiosk has."""
        return list(self.devices)

    def inject(self, device_class: DeviceClass, fault: Fault) -> None:
        """Put a fault on one device."""
        device = self._get(device_class)
        if fault in _STATE_FAULTS:
            device.state, device.detail = _STATE_FAULTS[fault]
        elif fault in _SUPPLY_FAULTS:
            supply, level = _SUPPLY_FAULTS[fault]
            if supply not in device.supplies:
                raise ValueError(f"{device_class} has no {supply} supply")
            device.supplies[supply] = level
            device.detail = f"{supply} {level}"
        else:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")

    def recover(self, device_class: DeviceClass) -> None:
        """Clear every fault of one device and refill its supplies."""
        device = self._get(device_class)
        device.state, device.detail = "online", None
        if device_class == "Printer":
            device.supplies = dict.fromkeys(PRINTER_SUPPLIES, "ok")

    def degraded(self) -> list[DeviceClass]:
        """Device classes currently not fully healthy."""
        return [
            d.device_class
            for d in self.devices.values()
            if d.state != "online" or any(level != "ok" for level in d.supplies.values())
        ]

    def report(self) -> list[PeripheralState]:
        """Every device's state, in a stable order."""
        return [device.report() for device in self.devices.values()]

    def _get(self, device_class: DeviceClass) -> SimulatedDevice:
        if device_class not in self.devices:
            raise ValueError(f"this kiosk has no {device_class}")
        return self.devices[device_class]
