"""The kiosk's device services, one per device class, and the publisher that lists them."""

import functools
import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast, get_args

from govkiosk.agent.devices.audio import AudioService, SimulatedAudio
from govkiosk.agent.devices.barcode_reader import BarcodeReaderService, SimulatedBarcodeReader
from govkiosk.agent.devices.base import DeviceService, Driver, EmitEvent, Service, command
from govkiosk.agent.devices.biometric import BiometricService, SimulatedBiometric
from govkiosk.agent.devices.camera import CameraService, SimulatedCamera
from govkiosk.agent.devices.card_reader import CardReaderService, SimulatedCardReader
from govkiosk.agent.devices.document_scanner import DocumentScannerService, SimulatedDocumentScanner
from govkiosk.agent.devices.id_card_reader import IdCardReaderService, SimulatedIdCardReader
from govkiosk.agent.devices.keyboard import KeyboardService, SimulatedKeyboard
from govkiosk.agent.devices.lights import LightsService, SimulatedLights
from govkiosk.agent.devices.printer import PrinterService, SimulatedPrinter
from govkiosk.agent.devices.signature_pad import SignaturePadService, SimulatedSignaturePad
from govkiosk.agent.devices.simulated_driver import SimulatedDriver
from govkiosk.contracts.devices import BASE_PATH, ServiceEntry, ServicesPayload
from govkiosk.contracts.terminal_api import DeviceClass, PeripheralState

ALL_DEVICE_CLASSES: tuple[DeviceClass, ...] = get_args(DeviceClass)

# device class → its service, and a factory of its simulated driver
SERVICES: dict[DeviceClass, type[DeviceService]] = {
    "IdCardReader": IdCardReaderService,
    "Printer": PrinterService,
    "DocumentScanner": DocumentScannerService,
    "CardReader": CardReaderService,
    "BarcodeReader": BarcodeReaderService,
    "Camera": CameraService,
    "Biometric": BiometricService,
    "SignaturePad": SignaturePadService,
    "Keyboard": KeyboardService,
    "Audio": AudioService,
    "Lights": LightsService,
}
SIMULATED_DRIVERS: dict[DeviceClass, Callable[[], Driver]] = {
    "IdCardReader": SimulatedIdCardReader,
    "Printer": SimulatedPrinter,
    "DocumentScanner": SimulatedDocumentScanner,
    "CardReader": SimulatedCardReader,
    "BarcodeReader": SimulatedBarcodeReader,
    "Camera": SimulatedCamera,
    "Biometric": SimulatedBiometric,
    "SignaturePad": SimulatedSignaturePad,
    "Keyboard": SimulatedKeyboard,
    "Audio": SimulatedAudio,
    "Lights": SimulatedLights,
}
# device class → a factory of its service over a simulated driver
SIMULATED: dict[DeviceClass, Callable[[], DeviceService]] = {
    c: functools.partial(lambda c: SERVICES[c](SIMULATED_DRIVERS[c]()), c) for c in SIMULATED_DRIVERS
}

# --- drivers the devices file can name: name → factory(device_class, options) -> Driver ---

DriverFactory = Callable[[DeviceClass, dict[str, Any]], Driver]


@dataclass(frozen=True)
class DriverEntry:
    factory: DriverFactory
    device_classes: frozenset[DeviceClass] | None  # None: the factory decides (raises ValueError)


DRIVERS: dict[str, DriverEntry] = {}


def register_driver(
    name: str, factory: DriverFactory, *, device_classes: Iterable[DeviceClass] | None = None
) -> None:
    """Let devices files name `name` as a class's driver; `factory` raises ValueError on bad options."""
    DRIVERS[name] = DriverEntry(factory, frozenset(device_classes) if device_classes is not None else None)


def create_driver(device_class: DeviceClass, name: str, options: dict[str, Any]) -> Driver:
    """The driver `name` for `device_class`, built from its options."""
    if name not in DRIVERS:
        raise ValueError(f"{device_class}: unknown driver {name!r}; known: {', '.join(sorted(DRIVERS))}")
    entry = DRIVERS[name]
    if entry.device_classes is not None and device_class not in entry.device_classes:
        known = ", ".join(sorted(entry.device_classes))
        raise ValueError(f"{device_class}: driver {name!r} drives {known} only")
    driver = entry.factory(device_class, options)
    if not isinstance(driver, Driver):
        raise ValueError(f"{device_class}: driver {name!r} did not build a Driver")
    return driver


def _simulated(device_class: DeviceClass, options: dict[str, Any]) -> Driver:
    if options:
        raise ValueError(f"{device_class} (driver 'simulated'): takes no options, got {sorted(options)}")
    if device_class not in SIMULATED_DRIVERS:
        raise ValueError(f"{device_class}: no simulated driver")
    return SIMULATED_DRIVERS[device_class]()


def _lazy(module: str) -> DriverFactory:
    """A factory that imports its driver module on first use (keeps optional libraries optional)."""

    def factory(device_class: DeviceClass, options: dict[str, Any]) -> Driver:
        created: Driver = importlib.import_module(f"govkiosk.agent.devices.drivers.{module}").create(
            device_class, options
        )
        return created

    return factory


register_driver("simulated", _simulated)
register_driver("escpos", _lazy("escpos_printer"), device_classes=["Printer"])
register_driver("pcsc", _lazy("pcsc_card_reader"), device_classes=["CardReader"])
register_driver("serial-barcode", _lazy("serial_barcode"), device_classes=["BarcodeReader"])
register_driver("sdt-idcard", _lazy("sdt_idcard"), device_classes=["IdCardReader"])
register_driver("cups", _lazy("cups_printer"), device_classes=["Printer"])
register_driver("opencv", _lazy("opencv_camera"), device_classes=["Camera", "DocumentScanner"])


def _legacy_http_idcard(device_class: DeviceClass, options: dict[str, Any]) -> Driver:
    from govkiosk.agent.devices.legacy.http_id_card import factory  # imports id_card_reader: load on use

    return factory(device_class, options)


register_driver("legacy-http-idcard", _legacy_http_idcard, device_classes=["IdCardReader"])


class DeviceSet:
    """The device services of one kiosk, by device class."""

    def __init__(self, services: list[DeviceService], vendor: str = "govkiosk") -> None:
        self.services: dict[DeviceClass, DeviceService] = {s.device_class: s for s in services}
        self.vendor = vendor

    @classmethod
    def simulated(cls, classes: list[DeviceClass] | tuple[DeviceClass, ...] | None = None) -> "DeviceSet":
        """Simulated services for these classes (default: every class that has a simulator)."""
        wanted = list(classes) if classes is not None else [c for c in ALL_DEVICE_CLASSES if c in SIMULATED]
        unknown = [c for c in wanted if c not in SIMULATED]
        if unknown:
            raise ValueError(f"no simulated driver for {unknown}")
        return cls([SIMULATED[c]() for c in wanted])

    @classmethod
    def from_file(cls, path: Path) -> "DeviceSet":
        """The devices file: {"vendor": …, "devices": {Class: {"driver": name, …options}}}.

        The older forms, a JSON list of classes or {"devices": [classes]}, mean every one simulated.
        """
        data = json.loads(path.read_text())
        devices = data.get("devices", data.get("simulated")) if isinstance(data, dict) else data
        if isinstance(devices, list):
            return cls.simulated(devices)
        if not isinstance(devices, dict):
            raise ValueError(
                'a devices file is {"devices": {"<DeviceClass>": {"driver": …}}}, '
                "or a JSON list of device classes"
            )
        vendor = data.get("vendor", "govkiosk")
        if not isinstance(vendor, str):
            raise ValueError("vendor must be a string")
        return cls([cls._service(c, spec) for c, spec in devices.items()], vendor=vendor)

    @staticmethod
    def _service(device_class: str, spec: Any) -> DeviceService:
        if device_class not in SERVICES:
            raise ValueError(f"unknown device class {device_class!r}; known: {', '.join(SERVICES)}")
        if not isinstance(spec, dict) or not isinstance(spec.get("driver"), str):
            raise ValueError(f'{device_class}: expected {{"driver": "<name>", …options}}')
        options = {k: v for k, v in spec.items() if k != "driver"}
        klass = cast(DeviceClass, device_class)
        return SERVICES[klass](create_driver(klass, spec["driver"], options))

    @property
    def is_simulated(self) -> bool:
        return any(s.simulated for s in self.services.values())

    def get(self, device_class: DeviceClass) -> DeviceService:
        if device_class not in self.services:
            raise ValueError(f"this kiosk has no {device_class}")
        return self.services[device_class]

    def driver(self, device_class: DeviceClass) -> SimulatedDriver:
        """The simulated driver of a class (for fault injection and assertions)."""
        driver = self.get(device_class).driver
        if not isinstance(driver, SimulatedDriver):
            raise ValueError(f"{device_class} is not simulated")
        return driver

    def inject(self, device_class: DeviceClass, fault: str) -> None:
        """Put a fault on a simulated device."""
        self.driver(device_class).inject(fault)

    def recover(self, device_class: DeviceClass) -> None:
        """Clear the faults of a simulated device."""
        self.driver(device_class).recover()

    def report(self) -> list[PeripheralState]:
        """Every device's state as the heartbeat reports it."""
        return [s.peripheral_state() for s in self.services.values()]

    def services_payload(self, base_uri: str = "") -> ServicesPayload:
        """The discovery document."""
        entries = [
            ServiceEntry(deviceClass=c, serviceURI=f"{base_uri}{BASE_PATH}/{c}") for c in self.services
        ]
        return ServicesPayload(vendor=self.vendor, simulated=self.is_simulated, services=entries)


class PublisherService(Service):
    """The service publisher at `/xfs4iot/v1.0`: tells clients which services there are."""

    def __init__(self, devices: DeviceSet, base_uri: str = "") -> None:
        super().__init__()
        self.devices = devices
        self.base_uri = base_uri

    @command("ServicePublisher.GetServices", exclusive=False)
    async def get_services(self, payload: None, emit: EmitEvent) -> ServicesPayload:
        return self.devices.services_payload(self.base_uri)
