"""The kiosk's device services, one per device class, and the publisher that lists them."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import get_args

from govkiosk.agent.devices.audio import AudioService, SimulatedAudio
from govkiosk.agent.devices.barcode_reader import BarcodeReaderService, SimulatedBarcodeReader
from govkiosk.agent.devices.base import DeviceService, EmitEvent, Service, command
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

# device class → a factory of its service over a simulated driver
SIMULATED: dict[DeviceClass, Callable[[], DeviceService]] = {
    "IdCardReader": lambda: IdCardReaderService(SimulatedIdCardReader()),
    "Printer": lambda: PrinterService(SimulatedPrinter()),
    "DocumentScanner": lambda: DocumentScannerService(SimulatedDocumentScanner()),
    "CardReader": lambda: CardReaderService(SimulatedCardReader()),
    "BarcodeReader": lambda: BarcodeReaderService(SimulatedBarcodeReader()),
    "Camera": lambda: CameraService(SimulatedCamera()),
    "Biometric": lambda: BiometricService(SimulatedBiometric()),
    "SignaturePad": lambda: SignaturePadService(SimulatedSignaturePad()),
    "Keyboard": lambda: KeyboardService(SimulatedKeyboard()),
    "Audio": lambda: AudioService(SimulatedAudio()),
    "Lights": lambda: LightsService(SimulatedLights()),
}


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
        """A JSON list of device classes, or {"devices": [...]}; every one simulated for now."""
        data = json.loads(path.read_text())
        classes = data.get("devices", data.get("simulated")) if isinstance(data, dict) else data
        if not isinstance(classes, list):
            raise ValueError('a devices file is a JSON list of device classes, or {"devices": [...]}')
        return cls.simulated(classes)

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
