"""The SDT ID card reader driver against a fake vendor library and a UCS-2 text block built here."""

import ctypes
import logging
from typing import Any

import pytest

from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.drivers.sdt_idcard import LAYOUT, SdtIdCardReader, create, parse_text
from govkiosk.agent.devices.id_card_reader import IdCardReaderService
from govkiosk.agent.devices.id_numbers import check_digit
from tests.agent.devices.test_device_classes import run

ID_NUMBER = "44030419900101123" + check_digit("44030419900101123")


def text_block(**overrides: str) -> bytes:
    """A 256-byte UCS-2 text block as the SDK returns it (fields space-padded)."""
    fields = {
        "name": "测试张三", "sex": "1", "ethnicity": "08", "birth": "19900101",
        "address": "广东省深圳市测试区测试路1号", "idNumber": ID_NUMBER, "authority": "测试市公安局测试分局",
        "validFrom": "20200101", "validTo": "长期", "cardKind": " ",
    } | overrides  # fmt: skip
    block = bytearray(" ".encode("utf-16-le") * 128)
    for name, (offset, size) in LAYOUT.items():
        block[offset : offset + size] = fields[name].ljust(size // 2).encode("utf-16-le")
    return bytes(block)


class FakeSdt:
    """The SDT_* functions with the SDK's argument shapes; `cards` are found one poll after another."""

    def __init__(self, block: bytes, *, finds_before_card: int = 0) -> None:
        self.block = block
        self.finds_before_card = finds_before_card
        self.opened: list[int] = []
        self.remove_on_read = False

    def SDT_OpenPort(self, port: int) -> int:  # noqa: N802 - the SDK's names
        self.opened.append(port)
        return 0x90

    def SDT_ClosePort(self, port: int) -> int:  # noqa: N802
        return 0x90

    def SDT_StartFindIDCard(self, port: int, buf: Any, flag: int) -> int:  # noqa: N802
        if self.finds_before_card:
            self.finds_before_card -= 1
            return 0x80
        return 0x9F

    def SDT_SelectIDCard(self, port: int, buf: Any, flag: int) -> int:  # noqa: N802
        return 0x90

    def SDT_ReadBaseMsg(self, port: int, text: Any, text_len: Any, photo: Any, photo_len: Any, f: int) -> int:  # noqa: N802
        if self.remove_on_read:
            return 0x41
        ctypes.memmove(text, self.block, len(self.block))
        text_len._obj.value = len(self.block)
        ctypes.memmove(photo, b"wlt" * 10, 30)
        photo_len._obj.value = 30
        return 0x90


def reader(fake: FakeSdt) -> SdtIdCardReader:
    driver = create("IdCardReader", {"library": "libsdtapi.so", "port": 1001}, library=fake)
    driver.find_interval = 0.01
    return driver


async def test_reads_a_card_after_waiting_and_never_logs_the_id_number(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeSdt(text_block(), finds_before_card=2)
    devices = DeviceSet([IdCardReaderService(reader(fake))])
    with caplog.at_level(logging.INFO):
        done, events = await run(devices, "IdCardReader", "IdCardReader.Read")
    card = done["payload"]
    assert card["name"] == "测试张三" and card["sex"] == "male" and card["ethnicity"] == "壮"
    assert (card["birthDate"], card["validFrom"], card["validTo"]) == (
        "1990-01-01",
        "2020-01-01",
        "long-term",
    )
    assert card["idNumber"] == ID_NUMBER and card["photo"] is None and card["cardType"] == "resident"
    assert card["issuingAuthority"] == "测试市公安局测试分局"
    assert [e["header"]["name"] for e in events] == ["IdCardReader.MediaInsertedEvent"]
    assert ID_NUMBER not in caplog.text and "4403**********" in caplog.text
    assert fake.opened == [1001]


async def test_card_removed_during_read_fails_the_command() -> None:
    fake = FakeSdt(text_block())
    fake.remove_on_read = True
    done, _ = await run(DeviceSet([IdCardReaderService(reader(fake))]), "IdCardReader", "IdCardReader.Read")
    assert done["header"]["completionCode"] == "commandErrorCode"


def test_unknown_ethnicity_code_passes_through_and_female_code_maps() -> None:
    card = parse_text(text_block(sex="2", ethnicity="99", validTo="20400101"))
    assert (card.sex, card.ethnicity, card.validTo) == ("female", "99", "2040-01-01")


def test_library_that_does_not_load_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="cannot load /nonexistent/libsdtapi.so"):
        create("IdCardReader", {"library": "/nonexistent/libsdtapi.so"})
