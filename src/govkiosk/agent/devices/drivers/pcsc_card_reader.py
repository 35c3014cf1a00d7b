"""Contact IC card reader over PC/SC (pyscard): chip power, APDUs, and a bank card's basic data (EMV).

pyscard is an optional extra (`devices-real`); it is imported only when the driver is built.
The reader vanishing or pcscd restarting shows as `noDevice`/`offline` until a poll finds it again.
"""

import contextlib
from types import SimpleNamespace
from typing import Any

from govkiosk.agent.devices.base import DeviceError, EmitEvent
from govkiosk.agent.devices.card_reader import CardReaderDriver
from govkiosk.agent.devices.drivers.hardware import DriverOptions, HardwareDriver, Reading
from govkiosk.contracts.devices import CardDataResult, MediaEventPayload
from govkiosk.contracts.terminal_api import DeviceState

SELECT_PPSE = bytes.fromhex("00A404000E325041592E5359532E444446303100")
READ_RECORD = "00B2{record:02X}{p2:02X}00"  # SFI 1: P2 = (1 << 3) | 4


def tlv(data: bytes) -> dict[int, bytes]:
    """Every BER-TLV tag → value in `data`, constructed tags opened (first occurrence wins)."""
    found: dict[int, bytes] = {}
    i = 0
    while i < len(data):
        if data[i] in (0x00, 0xFF):  # padding between objects
            i += 1
            continue
        tag, constructed = data[i], data[i] & 0x20
        i += 1
        if tag & 0x1F == 0x1F:
            while i < len(data) and data[i] & 0x80:
                tag, i = (tag << 8) | data[i], i + 1
            tag, i = (tag << 8) | data[i], i + 1
        length, i = data[i], i + 1
        if length & 0x80:
            count = length & 0x7F
            length, i = int.from_bytes(data[i : i + count]), i + count
        value, i = data[i : i + length], i + length
        found.setdefault(tag, value)
        if constructed:
            for inner, inner_value in tlv(value).items():
                found.setdefault(inner, inner_value)
    return found


def mask_pan(pan: str) -> str:
    """A card number as it may leave the agent: first 6, last 4."""
    return pan[:6] + "*" * max(0, len(pan) - 10) + pan[-4:]


class PcscCardReader(HardwareDriver, CardReaderDriver):
    """A PC/SC reader (the first one, or the first whose name contains `reader`)."""

    vendor = "PC/SC"
    model = "contact IC card reader"

    def __init__(self, smartcard: Any, *, reader: str | None = None, **names: Any) -> None:
        super().__init__(**names)
        self.smartcard = smartcard  # .readers(), .NoCardException, .CardConnectionException
        self.reader_name = reader
        self.connection: Any = None

    def _reader(self) -> Any:
        try:
            readers = self.smartcard.readers()
        except Exception as exc:  # pcscd down or restarting: EstablishContext/ListReaders fail
            raise DeviceError("deviceNotReady", f"PC/SC service not answering: {exc}") from exc
        for reader in readers:
            if self.reader_name is None or self.reader_name in str(reader):
                return reader
        raise DeviceError("deviceNotReady", f"no reader {self.reader_name or ''}".strip())

    def check(self) -> Reading:
        try:
            self._reader()
        except DeviceError as exc:
            state: DeviceState = "offline" if "service" in exc.description else "noDevice"
            self.connection = None
            return Reading(state, exc.description)
        return Reading("online")

    async def power(self, action: str) -> str | None:
        await self.poll()
        self.ensure_ready()
        return await self.run_locked(self._power, action)

    def _power(self, action: str) -> str | None:
        self._disconnect()  # a warm reset is done as disconnect + connect: pyscard's portable subset
        if action == "off":
            return None
        connection = self._reader().createConnection()
        try:
            connection.connect()
        except self.smartcard.NoCardException as exc:
            raise DeviceError("commandErrorCode", "no card in the reader") from exc
        except self.smartcard.CardConnectionException as exc:
            raise DeviceError("commandErrorCode", f"card not answering: {exc}") from exc
        self.connection = connection
        return bytes(connection.getATR()).hex().upper()

    async def exchange(self, apdu: bytes) -> bytes:
        if self.connection is None:
            raise DeviceError("sequenceError", "chip not powered")
        return await self.run_locked(self._transmit, apdu)

    def _transmit(self, apdu: bytes) -> bytes:
        try:
            data, sw1, sw2 = self.connection.transmit(list(apdu))
        except self.smartcard.CardConnectionException as exc:
            self.connection = None
            raise DeviceError("commandErrorCode", "card removed") from exc
        return bytes(data) + bytes([sw1, sw2])

    async def read_card(self, emit: EmitEvent) -> CardDataResult:
        """A bank (PBOC/EMV) card: PPSE → application → record SFI 1; numbers masked."""
        await self.power("cold")
        emit("CardReader.MediaInsertedEvent", MediaEventPayload(media="icCard"))
        ppse = tlv(await self._ok(SELECT_PPSE))
        if 0x4F not in ppse:
            raise DeviceError("unsupportedData", "not a PBOC/EMV card (no application in PPSE)")
        aid = ppse[0x4F]
        await self._ok(bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid + b"\x00")
        data: dict[int, bytes] = {}
        for record in range(1, 5):
            response = await self.exchange(bytes.fromhex(READ_RECORD.format(record=record, p2=0x0C)))
            if response[-2:] != b"\x90\x00":
                break
            data |= {k: v for k, v in tlv(response[:-2]).items() if k not in data}
            if 0x5A in data or 0x57 in data:
                break
        pan = (
            data[0x5A].hex().rstrip("f").upper() if 0x5A in data else data.get(0x57, b"").hex().split("d")[0]
        )
        if not pan:
            raise DeviceError("unsupportedData", "no card number on the card")
        expiry = data.get(0x5F24, b"").hex()
        return CardDataResult(
            cardKind="bank",
            holderName=data.get(0x5F20, b"").decode("gb18030", errors="replace").strip(),
            cardNumber=mask_pan(pan),
            issuer=ppse.get(0x50, aid.hex().upper().encode()).decode("ascii", errors="replace"),
            validTo=f"20{expiry[:2]}-{expiry[2:4]}-{expiry[4:6]}" if len(expiry) == 6 else None,
        )

    async def _ok(self, apdu: bytes) -> bytes:
        response = await self.exchange(apdu)
        if response[-2:] != b"\x90\x00":
            raise DeviceError("commandErrorCode", f"card answered {response[-2:].hex().upper()}")
        return response[:-2]

    def _disconnect(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(self.smartcard.CardConnectionException):  # card or reader gone
                self.connection.disconnect()
            self.connection = None


def pyscard() -> Any:
    """The parts of pyscard the driver uses."""
    try:
        from smartcard import Exceptions, System
    except ImportError as exc:
        raise ValueError("driver 'pcsc' needs pyscard: pip install 'govkiosk[devices-real]'") from exc
    return SimpleNamespace(
        readers=System.readers,
        NoCardException=Exceptions.NoCardException,
        CardConnectionException=Exceptions.CardConnectionException,
    )


def create(device_class: str, raw: dict[str, Any], smartcard: Any = None) -> PcscCardReader:
    """The `pcsc` driver: {"reader": "<part of the reader's name>"} (optional)."""
    options = DriverOptions(device_class, "pcsc", raw)
    reader = options.text("reader")
    names = {"vendor": options.text("vendor"), "model": options.text("model")}
    options.done()
    return PcscCardReader(smartcard or pyscard(), reader=reader, **names)
