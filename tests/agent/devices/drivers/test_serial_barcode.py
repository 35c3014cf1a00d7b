"""The serial barcode scanner over pyserial's loop:// port."""

import asyncio
from pathlib import Path

import pytest

from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.drivers.serial_barcode import SerialBarcodeReader, create
from tests.agent.devices.drivers.devices_file import write_devices
from tests.agent.devices.test_device_classes import run


def loop_scanner() -> SerialBarcodeReader:
    return create("BarcodeReader", {"port": "loop://"})


async def test_reads_one_code_per_line() -> None:
    scanner = loop_scanner()
    await scanner.poll()
    scanner.port.write(b"https://example.invalid/appt/TEST-1\r\n6901234567892\nTESTCASE")
    first, second = await scanner.read(), await scanner.read()
    assert (first.symbology, first.data) == ("qrCode", "https://example.invalid/appt/TEST-1")
    assert (second.symbology, second.data) == ("ean13", "6901234567892")
    assert scanner.buffer == b"TESTCASE"  # an unfinished line waits for its terminator


async def test_scan_command_emits_read_events_and_read_waits_for_a_code(tmp_path: Path) -> None:
    devices = DeviceSet.from_file(
        write_devices(tmp_path, {"BarcodeReader": {"driver": "serial-barcode", "port": "loop://"}})
    )
    scanner = devices.get("BarcodeReader").driver
    assert isinstance(scanner, SerialBarcodeReader) and not devices.is_simulated
    await scanner.poll()
    scanner.port.write(b"A1\rB2\r")
    done, events = await run(devices, "BarcodeReader", "BarcodeReader.Scan", {"count": 2})
    assert done["header"]["completionCode"] == "success"
    assert [e["payload"]["data"] for e in events] == ["A1", "B2"]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(scanner.read(), 0.3)  # nothing scanned: cancellable wait


def test_missing_port_option_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="option 'port' is required"):
        DeviceSet.from_file(write_devices(tmp_path, {"BarcodeReader": {"driver": "serial-barcode"}}))
