"""ID card (二代证) reader through the vendor SDK's SDT_* calls (ctypes), e.g. libsdtapi.so / termb.dll.

Return codes assumed (the common SDT SDK convention): 0x90 success, 0x9F card found (StartFindIDCard),
0x80 no card found, 0x81 select failed, 0x41 read failed; anything else is a reader error.
The photo comes back vendor-encrypted (wlt) and needs the vendor's decoder, so it is left out.
"""

import asyncio
import ctypes
import logging
from typing import Any

from govkiosk.agent.devices.base import DeviceError, EmitEvent
from govkiosk.agent.devices.drivers.hardware import DriverOptions, HardwareDriver, Reading
from govkiosk.agent.devices.id_card_reader import IdCardReaderDriver
from govkiosk.contracts.devices import IdCardData, IdCardType, MediaEventPayload
from govkiosk.contracts.masking import mask_id_number

log = logging.getLogger(__name__)

OK, FOUND, NO_CARD = 0x90, 0x9F, 0x80
TEXT_SIZE, PHOTO_SIZE = 256, 1024
# the 256-byte UCS-2 (UTF-16LE) text block: field → (offset, length) in bytes
LAYOUT: dict[str, tuple[int, int]] = {
    "name": (0, 30), "sex": (30, 2), "ethnicity": (32, 4), "birth": (36, 16), "address": (52, 70),
    "idNumber": (122, 36), "authority": (158, 30), "validFrom": (188, 16), "validTo": (204, 16),
    "cardKind": (248, 2),
}  # fmt: skip
SEXES = {"1": "male", "2": "female"}
# GB/T 3304 codes of the 56 ethnic groups (names as printed on the card)
_ETHNIC_NAMES = [
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗",
    "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山",
    "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗",
    "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯",
    "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴",
    "珞巴", "基诺",
]  # fmt: skip
ETHNICITIES = dict(enumerate(_ETHNIC_NAMES, start=1)) | {97: "其他", 98: "外国血统中国籍人士"}


def parse_text(block: bytes) -> IdCardData:
    """The card's fields from the SDK's 256-byte text block."""
    fields = {k: block[o : o + n].decode("utf-16-le").strip(" \x00") for k, (o, n) in LAYOUT.items()}
    kinds: dict[str, IdCardType] = {"": "resident", " ": "resident", "J": "hkMacaoTaiwanResident"}
    if fields["cardKind"] not in kinds:
        raise DeviceError("unsupportedData", f"card kind {fields['cardKind']!r} has another text layout")
    if fields["sex"] not in SEXES:
        raise DeviceError("invalidData", "sex code not 1 or 2")
    code = fields["ethnicity"]
    return IdCardData(
        cardType=kinds[fields["cardKind"]],
        name=fields["name"],
        sex=SEXES[fields["sex"]],  # type: ignore[arg-type]
        ethnicity=ETHNICITIES.get(int(code), code) if code.isdigit() else code or None,
        birthDate=_date(fields["birth"]),
        address=fields["address"] or None,
        idNumber=fields["idNumber"],
        issuingAuthority=fields["authority"],
        validFrom=_date(fields["validFrom"]),
        validTo="long-term" if fields["validTo"] == "长期" else _date(fields["validTo"]),
    )


def _date(value: str) -> str:
    if len(value) != 8 or not value.isdigit():
        raise DeviceError("invalidData", "a date on the card is not YYYYMMDD")
    return f"{value[:4]}-{value[4:6]}-{value[6:]}"


class SdtIdCardReader(HardwareDriver, IdCardReaderDriver):
    """An ID card reader driven through the vendor library's SDT_* functions."""

    vendor = "SDT SDK"
    model = "ID card reader"

    def __init__(self, library: Any, *, port: int = 1001, find_interval: float = 0.3, **names: Any) -> None:
        super().__init__(**names)
        self.library = library
        self.port = port
        self.find_interval = find_interval
        self.is_open = False

    def check(self) -> Reading:
        if not self.is_open:
            code = self.library.SDT_OpenPort(self.port)
            if code != OK:
                return Reading("noDevice", f"SDT_OpenPort({self.port}) returned {code:#x}")
            self.is_open = True
        return Reading("online")

    async def read(self, *, with_photo: bool, card_index: int | None, emit: EmitEvent) -> IdCardData:
        await self.poll()
        self.ensure_ready()
        while not await self.run_locked(self._find):  # waits for a card until the command times out
            await asyncio.sleep(self.find_interval)
        emit("IdCardReader.MediaInsertedEvent", MediaEventPayload(media="idCard"))
        card = parse_text(await self.run_locked(self._read_text))
        log.info("read ID card %s", mask_id_number(card.idNumber))
        return card  # photo: vendor-encrypted wlt, not decoded here

    def _find(self) -> bool:
        buffer = ctypes.create_string_buffer(8)
        code = self.library.SDT_StartFindIDCard(self.port, buffer, 0)
        if code == FOUND:
            return True
        if code == NO_CARD:
            return False
        self._close()
        raise DeviceError("hardwareError", f"SDT_StartFindIDCard returned {code:#x}")

    def _read_text(self) -> bytes:
        buffer = ctypes.create_string_buffer(8)
        if (code := self.library.SDT_SelectIDCard(self.port, buffer, 0)) != OK:
            raise DeviceError("commandErrorCode", f"card removed during read (select {code:#x})")
        text, photo = ctypes.create_string_buffer(TEXT_SIZE), ctypes.create_string_buffer(PHOTO_SIZE)
        text_len, photo_len = ctypes.c_uint(0), ctypes.c_uint(0)
        code = self.library.SDT_ReadBaseMsg(
            self.port, text, ctypes.byref(text_len), photo, ctypes.byref(photo_len), 0
        )
        if code != OK or text_len.value < TEXT_SIZE:
            raise DeviceError("commandErrorCode", f"card removed during read (read {code:#x})")
        return text.raw[:TEXT_SIZE]

    def _close(self) -> None:
        if self.is_open:
            self.library.SDT_ClosePort(self.port)
            self.is_open = False


def load(path: str) -> Any:
    """The vendor library with the SDT_* signatures declared."""
    library = ctypes.CDLL(path)
    c_int, buf, uint_p = ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint)
    library.SDT_OpenPort.argtypes = [c_int]
    library.SDT_ClosePort.argtypes = [c_int]
    library.SDT_StartFindIDCard.argtypes = [c_int, buf, c_int]
    library.SDT_SelectIDCard.argtypes = [c_int, buf, c_int]
    library.SDT_ReadBaseMsg.argtypes = [c_int, buf, uint_p, buf, uint_p, c_int]
    return library


def create(device_class: str, raw: dict[str, Any], library: Any = None) -> SdtIdCardReader:
    """The `sdt-idcard` driver of the devices file: {"library": "/path/libsdtapi.so", "port": 1001}."""
    options = DriverOptions(device_class, "sdt-idcard", raw)
    path = options.text("library", required=True)
    port = options.integer("port", 1001)
    names = {"vendor": options.text("vendor"), "model": options.text("model")}
    options.done()
    if library is None:
        try:
            library = load(path)
        except OSError as exc:
            raise ValueError(f"{options.where}: cannot load {path}: {exc}") from exc
    return SdtIdCardReader(library, port=port, **names)
