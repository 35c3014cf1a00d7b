"""Simulated peripherals for the agent's heartbeat and the fleet simulator, on the simulated device services.

`SimulatedDevices` keeps its old small API (`inject`, `recover`, `report`, `degraded`) over a
`DeviceSet` of simulated drivers, so the heartbeat reports the same state the local device server
serves (`device_set`), labelled simulated.
"""

from pathlib import Path
from typing import Literal, get_args

from govkiosk.agent.devices.base import DeviceError
from govkiosk.agent.devices.device_set import ALL_DEVICE_CLASSES, DeviceSet
from govkiosk.contracts.terminal_api import DeviceClass, PeripheralState

Fault = Literal[
    "not_present", "paper_low", "paper_out", "toner_low", "jam", "hardware_error", "cover_open", "offline"
]

FAULTS: tuple[Fault, ...] = get_args(Fault)
PRINTER_SUPPLIES = ("paper", "toner")

__all__ = ["ALL_DEVICE_CLASSES", "FAULTS", "PRINTER_SUPPLIES", "Fault", "SimulatedDevices"]


class SimulatedDevices:
    """The kiosk's simulated peripherals; deterministic, faults come only from `inject`."""

    def __init__(self, classes: tuple[DeviceClass, ...] | list[DeviceClass] = ALL_DEVICE_CLASSES) -> None:
        unknown = set(classes) - set(ALL_DEVICE_CLASSES)
        if unknown:
            raise ValueError(f"unknown device classes: {sorted(unknown)}")
        self.device_set = DeviceSet.simulated(list(classes))

    @classmethod
    def from_spec(cls, spec: str) -> "SimulatedDevices":
        """'simulated' → every class simulated; otherwise a devices FILE (see DeviceSet.from_file), whose
        entries may name real drivers: the heartbeat then reports those devices as they really are."""
        if spec == "simulated":
            return cls()
        devices = cls.__new__(cls)
        devices.device_set = DeviceSet.from_file(Path(spec))
        return devices

    @property
    def classes(self) -> list[DeviceClass]:
        """The device classes this kiosk has."""
        return list(self.device_set.services)

    def inject(self, device_class: DeviceClass, fault: Fault) -> None:
        """Put a fault on one device."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        try:
            self.device_set.inject(device_class, fault)
        except DeviceError as exc:
            raise ValueError(f"{device_class}: {exc.description}") from exc

    def recover(self, device_class: DeviceClass) -> None:
        """Clear every fault of one device and refill its supplies."""
        self.device_set.recover(device_class)

    def degraded(self) -> list[DeviceClass]:
        """Device classes currently not fully healthy."""
        return [
            p.device_class
            for p in self.report()
            if p.state != "online" or any(s.level != "ok" for s in p.supplies)
        ]

    def report(self) -> list[PeripheralState]:
        """Every device's state, in a stable order."""
        return self.device_set.report()
