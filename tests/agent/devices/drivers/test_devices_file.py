"""The devices file: per-class drivers, the old all-simulated forms, the registry, clear errors."""

import json
from pathlib import Path
from typing import Any

import pytest

from govkiosk.agent.devices.device_set import DRIVERS, DeviceSet, register_driver
from govkiosk.agent.devices.drivers.escpos_printer import EscposPrinter
from govkiosk.agent.devices.printer import SimulatedPrinter
from tests.agent.devices.drivers.devices_file import write_devices


def test_mixed_file_builds_real_and_simulated_services(tmp_path: Path) -> None:
    devices = {
        "Printer": {"driver": "escpos", "connection": "dummy", "model": "TEST-80"},
        "Lights": {"driver": "simulated"},
    }
    device_set = DeviceSet.from_file(write_devices(tmp_path, devices, vendor="测试厂商"))
    printer = device_set.get("Printer")
    assert isinstance(printer.driver, EscposPrinter) and printer.capabilities().model == "TEST-80"
    assert printer.capabilities().simulated is False and printer.driver.status().simulated is False
    assert "Simulator.InjectFault" not in printer.capabilities().commands
    assert device_set.get("Lights").simulated and device_set.services_payload().vendor == "测试厂商"


@pytest.mark.parametrize("body", [["Printer", "Lights"], {"devices": ["Printer", "Lights"]}])
def test_old_forms_mean_all_simulated(tmp_path: Path, body: Any) -> None:
    path = tmp_path / "devices.json"
    path.write_text(json.dumps(body))
    device_set = DeviceSet.from_file(path)
    assert list(device_set.services) == ["Printer", "Lights"]
    assert isinstance(device_set.driver("Printer"), SimulatedPrinter)


@pytest.mark.parametrize(
    ("devices", "reason"),
    [
        ({"Fax": {"driver": "simulated"}}, "unknown device class 'Fax'"),
        ({"Printer": {"driver": "laser"}}, "Printer: unknown driver 'laser'; known: "),
        ({"Printer": {"connection": "usb"}}, 'Printer: expected {"driver": "<name>"'),
        ({"CardReader": {"driver": "escpos", "connection": "dummy"}}, "driver 'escpos' drives Printer only"),
        ({"Printer": {"driver": "simulated", "paper": 3}}, "takes no options"),
        ({"Printer": {"driver": "escpos"}}, "option 'connection' is required"),
        ({"Printer": {"driver": "escpos", "connection": "bluetooth"}}, "must be one of usb, serial, network"),
    ],
)
def test_bad_files_say_why(tmp_path: Path, devices: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace("{", r"\{")):
        DeviceSet.from_file(write_devices(tmp_path, devices))


def test_other_drivers_can_register(tmp_path: Path) -> None:
    made: list[tuple[str, dict[str, Any]]] = []

    def factory(device_class: str, options: dict[str, Any]) -> SimulatedPrinter:
        made.append((device_class, options))
        return SimulatedPrinter()

    register_driver("test-legacy", factory, device_classes=["Printer"])
    try:
        spec = {"Printer": {"driver": "test-legacy", "url": "http://127.0.0.1:1/"}}
        device_set = DeviceSet.from_file(write_devices(tmp_path, spec))
    finally:
        del DRIVERS["test-legacy"]
    assert made == [("Printer", {"url": "http://127.0.0.1:1/"})]
    assert isinstance(device_set.get("Printer").driver, SimulatedPrinter)
