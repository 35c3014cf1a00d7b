"""Each device class's commands against its simulated driver (protocol engine without sockets)."""

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest

from govkiosk.agent.devices import id_numbers
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.id_card_reader import synthetic_cards
from govkiosk.agent.devices.images import pdf
from govkiosk.agent.devices.printer import SimulatedPrinter
from govkiosk.agent.devices.protocol import Connection
from govkiosk.contracts.masking import mask_id_number
from govkiosk.contracts.terminal_api import DeviceClass


async def run(
    devices: DeviceSet, device_class: DeviceClass, name: str, payload: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run one command; returns its completion and the events it emitted."""
    sent: list[dict[str, Any]] = []

    async def send(text: str) -> None:
        sent.append(json.loads(text))

    async def incoming() -> Any:
        yield json.dumps(
            {"header": {"type": "command", "name": name, "requestId": 1}, "payload": payload or {}}
        )
        while not any(m["header"]["type"] == "completion" for m in sent):
            await asyncio.sleep(0.005)

    await Connection(devices.get(device_class), send).serve(incoming())
    completion = next(
        m for m in sent if m["header"]["type"] == "completion" and m["header"]["requestId"] == 1
    )
    return completion, [m for m in sent if m["header"]["type"] == "event"]


def test_synthetic_cards_have_valid_id_numbers_and_fake_names() -> None:
    cards = synthetic_cards()
    assert {c.cardType for c in cards} == {"resident", "foreignPermanentResident", "hkMacaoTaiwanResident"}
    for card in cards:
        assert id_numbers.is_valid(card.idNumber), mask_id_number(card.idNumber)
        assert "测试" in card.name and "测试" in card.issuingAuthority
    assert id_numbers.is_valid("11010519491231002X")  # the standard's own example
    assert not id_numbers.is_valid("110105194912310021")
    assert mask_id_number("11010519491231002X") == "1101**********002X"


async def test_id_card_read_returns_every_field_and_a_png_photo() -> None:
    devices = DeviceSet.simulated(["IdCardReader"])
    done, events = await run(devices, "IdCardReader", "IdCardReader.Read", {"cardIndex": 1})
    card = done["payload"]
    assert card["sex"] == "female" and card["ethnicity"] == "壮" and card["validTo"] == "long-term"
    assert base64.b64decode(card["photo"]).startswith(b"\x89PNG")
    assert [e["header"]["name"] for e in events] == ["IdCardReader.MediaInsertedEvent"]


async def test_card_removed_mid_read_fails_the_command() -> None:
    devices = DeviceSet.simulated(["IdCardReader"])
    devices.inject("IdCardReader", "card_removed")
    done, _ = await run(devices, "IdCardReader", "IdCardReader.Read")
    assert done["header"]["completionCode"] == "commandErrorCode"


async def test_printer_keeps_output_and_writes_it(tmp_path: Path) -> None:
    devices = DeviceSet.simulated(["Printer"])
    fields = {"office": "测试政务服务中心", "number": "A017", "service": "社保查询"}
    await run(devices, "Printer", "Printer.PrintForm", {"form": "queueTicket", "fields": fields})
    document = base64.b64encode(pdf(["application form"])).decode()
    done, _ = await run(devices, "Printer", "Printer.PrintPdf", {"pdf": document, "copies": 2})
    assert done["payload"] == {"jobId": 2, "pages": 2}
    printer = devices.driver("Printer")
    assert isinstance(printer, SimulatedPrinter)
    paths = printer.write_output(tmp_path)
    assert [p.name for p in paths] == ["job-0001.txt", "job-0002.pdf"]
    assert "排队号 A017" in paths[0].read_text() and "--- cut ---" in paths[0].read_text()
    assert paths[1].read_bytes().startswith(b"%PDF-")


async def test_printing_down_to_the_threshold_raises_paper_threshold_event() -> None:
    printer = SimulatedPrinter(paper_units=22)
    from govkiosk.agent.devices.printer import PrinterService

    service = PrinterService(printer)
    seen: list[tuple[str, dict[str, Any]]] = []
    service.subscribe(lambda name, payload: seen.append((name, payload)))
    devices = DeviceSet([service])
    for _ in range(2):
        await run(devices, "Printer", "Printer.PrintRaw", {"text": "回执"})
    assert ("Printer.PaperThresholdEvent", {"supply": "paper", "level": "low"}) in seen
    assert printer.status().supplies[0].level == "low"


async def test_paper_out_refuses_to_print() -> None:
    devices = DeviceSet.simulated(["Printer"])
    devices.inject("Printer", "paper_out")
    done, _ = await run(devices, "Printer", "Printer.PrintRaw", {"text": "x"})
    assert done["header"]["completionCode"] == "commandErrorCode"


@pytest.mark.parametrize("fmt", ["png", "pdf", "jpeg"])
async def test_document_scanner_generates_the_asked_format(fmt: str) -> None:
    devices = DeviceSet.simulated(["DocumentScanner"])
    done, _ = await run(
        devices, "DocumentScanner", "DocumentScanner.Scan", {"dpi": 150, "color": "gray", "format": fmt}
    )
    image = done["payload"]
    magic = {"png": b"\x89PNG", "pdf": b"%PDF-", "jpeg": b"\xff\xd8\xff\xe0"}[fmt]
    assert base64.b64decode(image["data"]).startswith(magic) and image["dpi"] == 150


async def test_biometric_match_passes_and_face_mismatch_fails() -> None:
    devices = DeviceSet.simulated(["Biometric"])
    reference = base64.b64encode(b"photo").decode()
    done, events = await run(
        devices, "Biometric", "Biometric.Match", {"reference": reference, "threshold": 0.8}
    )
    assert done["payload"]["match"] is True and done["payload"]["live"] is True and events
    devices.inject("Biometric", "face_mismatch")
    done, _ = await run(devices, "Biometric", "Biometric.Match", {"reference": reference, "threshold": 0.8})
    assert done["payload"]["match"] is False and done["payload"]["score"] < 0.5


@pytest.mark.parametrize(
    ("device_class", "name", "payload"),
    [
        ("CardReader", "CardReader.ReadCard", {}),
        ("Camera", "Camera.TakePicture", {"width": 64, "height": 48}),
        ("SignaturePad", "SignaturePad.Capture", {}),
        ("Keyboard", "Keyboard.DataEntry", {}),
        ("Audio", "Audio.Speak", {"text": "请放入身份证"}),
        ("Audio", "Audio.Play", {"sound": "takeReceipt"}),
        ("Audio", "Audio.SetVolume", {"level": 5}),
        ("Lights", "Lights.SetLight", {"light": "idCardReader", "flash": "quick"}),
        ("BarcodeReader", "BarcodeReader.Read", {}),
    ],
)
async def test_every_class_command_succeeds_on_its_simulator(
    device_class: DeviceClass, name: str, payload: dict[str, Any]
) -> None:
    done, _ = await run(DeviceSet.simulated([device_class]), device_class, name, payload)
    assert done["header"]["completionCode"] == "success", done


async def test_card_reader_chip_power_and_apdu() -> None:
    devices = DeviceSet.simulated(["CardReader"])
    unpowered, _ = await run(devices, "CardReader", "CardReader.ChipIO", {"apdu": "00A404000273780000"[:16]})
    assert unpowered["header"]["completionCode"] == "sequenceError"
    power, _ = await run(devices, "CardReader", "CardReader.ChipPower", {"action": "cold"})
    assert power["payload"]["atr"].startswith("3B")
    select, _ = await run(devices, "CardReader", "CardReader.ChipIO", {"apdu": "00A40400027378"})
    assert select["payload"]["response"] == "9000"


async def test_pin_entry_hides_the_digits_and_barcode_scan_emits_events() -> None:
    devices = DeviceSet.simulated(["Keyboard", "BarcodeReader"])
    done, events = await run(devices, "Keyboard", "Keyboard.PinEntry", {"maxLength": 6})
    assert done["payload"] == {"data": None, "length": 6}
    assert {e["payload"]["key"] for e in events} == {"*"}
    done, events = await run(devices, "BarcodeReader", "BarcodeReader.Scan", {"count": 3})
    assert [e["header"]["requestId"] for e in events] == [1, 1, 1]
    assert events[0]["payload"]["symbology"] == "qrCode"


def test_device_set_reports_peripheral_states_for_the_heartbeat() -> None:
    devices = DeviceSet.simulated()
    devices.inject("Printer", "paper_low")
    devices.inject("IdCardReader", "unplug")
    report = {p.device_class: p for p in devices.report()}
    assert all(p.simulated for p in report.values())
    assert report["IdCardReader"].state == "noDevice"
    assert report["Printer"].state == "online" and report["Printer"].detail == "paper low"


async def test_the_speaker_keeps_the_volume_the_kiosk_ui_sets() -> None:
    devices = DeviceSet.simulated(["Audio"])
    done, _ = await run(devices, "Audio", "Audio.SetVolume", {"level": 5})
    assert done["payload"] == {"level": 5} and devices.driver("Audio").volume == 5  # type: ignore[attr-defined]
    refused, _ = await run(devices, "Audio", "Audio.SetVolume", {"level": 9})
    assert refused["header"]["completionCode"] == "invalidData"
    assert devices.driver("Audio").volume == 5  # type: ignore[attr-defined]
