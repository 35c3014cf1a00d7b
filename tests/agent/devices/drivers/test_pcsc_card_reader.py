"""The PC/SC card reader against a fake pyscard: readers that vanish, cards pulled mid-read, APDU replies."""

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from govkiosk.agent.devices.card_reader import CardReaderService
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.drivers.pcsc_card_reader import PcscCardReader, create
from tests.agent.devices.drivers.devices_file import write_devices
from tests.agent.devices.test_device_classes import run

ATR = [0x3B, 0x68, 0x00, 0x00]
AID = bytes.fromhex("A0000003330101")


def tag(tag_hex: str, value: bytes) -> bytes:
    return bytes.fromhex(tag_hex) + bytes([len(value)]) + value


PPSE = tag("6F", tag("84", b"2PAY.SYS.DDF01") + tag("A5", tag("BF0C", tag("61", tag("4F", AID)))))
RECORD = tag(
    "70",
    tag("5A", bytes.fromhex("6228480000000019"))
    + tag("5F20", b"TEST/ZHANG")
    + tag("5F24", bytes.fromhex("281231")),
)


class NoCardException(Exception):
    pass


class CardConnectionException(Exception):
    pass


class FakePcsc:
    """pyscard's surface: readers(), connections that connect/transmit/disconnect, its exceptions."""

    NoCardException = NoCardException
    CardConnectionException = CardConnectionException

    def __init__(self) -> None:
        self.reader_present = True
        self.service_up = True
        self.card_present = True
        self.replies: dict[bytes, bytes] = {}
        self.sent: list[bytes] = []

    def readers(self) -> list[Any]:
        if not self.service_up:
            raise RuntimeError("EstablishContext failed")
        if not self.reader_present:
            return []
        return [
            SimpleNamespace(createConnection=lambda: self.Connection(self), __str__=lambda: "TEST Reader 0")
        ]

    class Connection:
        def __init__(self, fake: "FakePcsc") -> None:
            self.fake = fake

        def connect(self) -> None:
            if not self.fake.card_present:
                raise NoCardException("no card")

        def getATR(self) -> list[int]:  # noqa: N802 - pyscard's name
            return ATR

        def transmit(self, apdu: list[int]) -> tuple[list[int], int, int]:
            if not self.fake.card_present or not self.fake.reader_present:
                raise CardConnectionException("card removed")
            self.fake.sent.append(bytes(apdu))
            reply = self.fake.replies.get(bytes(apdu), b"\x6a\x82")
            return list(reply[:-2]), reply[-2], reply[-1]

        def disconnect(self) -> None:
            pass


def service(fake: FakePcsc) -> CardReaderService:
    return CardReaderService(create("CardReader", {}, smartcard=fake))


async def test_power_and_apdu_exchange() -> None:
    fake = FakePcsc()
    fake.replies[bytes.fromhex("00A4040002737800")] = b"\x90\x00"
    devices = DeviceSet([service(fake)])
    done, _ = await run(devices, "CardReader", "CardReader.ChipPower", {"action": "cold"})
    assert done["payload"] == {"atr": "3B680000"}
    done, _ = await run(devices, "CardReader", "CardReader.ChipIO", {"apdu": "00A4040002737800"})
    assert done["payload"] == {"response": "9000"}
    assert devices.get("CardReader").capabilities().simulated is False


async def test_read_card_reads_a_bank_card_and_masks_the_number() -> None:
    fake = FakePcsc()
    fake.replies[bytes.fromhex("00A404000E325041592E5359532E444446303100")] = PPSE + b"\x90\x00"
    fake.replies[bytes([0, 0xA4, 4, 0, 7]) + AID + b"\x00"] = b"\x90\x00"
    fake.replies[bytes.fromhex("00B2010C00")] = RECORD + b"\x90\x00"
    done, events = await run(DeviceSet([service(fake)]), "CardReader", "CardReader.ReadCard")
    card = done["payload"]
    assert card["cardNumber"] == "622848******0019" and card["holderName"] == "TEST/ZHANG"
    assert card["validTo"] == "2028-12-31" and card["cardKind"] == "bank"
    assert [e["header"]["name"] for e in events] == ["CardReader.MediaInsertedEvent"]


async def test_card_removed_mid_exchange_then_no_card() -> None:
    fake = FakePcsc()
    devices = DeviceSet([service(fake)])
    await run(devices, "CardReader", "CardReader.ChipPower")
    fake.card_present = False
    done, _ = await run(devices, "CardReader", "CardReader.ChipIO", {"apdu": "00B0000010"})
    assert (done["header"]["completionCode"], done["header"]["errorDescription"]) == (
        "commandErrorCode",
        "card removed",
    )
    done, _ = await run(devices, "CardReader", "CardReader.ChipIO", {"apdu": "00B0000010"})
    assert done["header"]["completionCode"] == "sequenceError"
    done, _ = await run(devices, "CardReader", "CardReader.ChipPower")
    assert done["header"]["errorDescription"] == "no card in the reader"


async def test_reader_unplugged_and_pcscd_restart_recover_on_the_next_poll() -> None:
    fake = FakePcsc()
    svc = service(fake)
    driver = svc.driver
    assert isinstance(driver, PcscCardReader)
    seen: list[dict[str, Any]] = []
    svc.subscribe(lambda name, payload: seen.append(payload) if name == "Common.StatusChangedEvent" else None)
    assert (await driver.poll()).device == "online"
    fake.reader_present = False
    assert (await driver.poll()).device == "noDevice"
    done, _ = await run(DeviceSet([svc]), "CardReader", "CardReader.ChipPower")
    assert done["header"]["completionCode"] == "deviceNotReady"
    fake.reader_present, fake.service_up = True, False
    assert (await driver.poll()).device == "offline"
    fake.service_up = True
    assert (await driver.poll()).device == "online"
    assert [p["device"] for p in seen] == ["online", "noDevice", "offline", "online"]


def test_devices_file_pcsc_options(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"CardReader \(driver 'pcsc'\): unknown options \['slot'\]"):
        DeviceSet.from_file(write_devices(tmp_path, {"CardReader": {"driver": "pcsc", "slot": 1}}))
