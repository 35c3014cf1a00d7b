"""CardReader: social-security and bank IC cards — chip power, APDU exchange, basic card data."""

from typing import ClassVar

from govkiosk.agent.devices.base import DeviceError, DeviceService, Driver, EmitEvent, command
from govkiosk.agent.devices.simulated_driver import SimulatedDriver
from govkiosk.contracts.devices import (
    CardDataResult,
    ChipIoCommand,
    ChipIoResult,
    ChipPowerCommand,
    ChipPowerResult,
    MediaEventPayload,
)

SIMULATED_ATR = "3B6800000073C84013009000"
SW_OK, SW_NOT_FOUND, SW_BAD_INS = "9000", "6A82", "6D00"


class CardReaderDriver(Driver):
    """Hardware interface of a contact IC card reader."""

    async def power(self, action: str) -> str | None:
        raise NotImplementedError

    async def exchange(self, apdu: bytes) -> bytes:
        raise NotImplementedError

    async def read_card(self, emit: EmitEvent) -> CardDataResult:
        raise NotImplementedError


class SimulatedCardReader(SimulatedDriver, CardReaderDriver):
    """A social-security card in the slot; answers SELECT and GET RESPONSE-style APDUs."""

    model = "simulated IC card reader"
    class_faults: ClassVar[frozenset[str]] = frozenset({"card_removed", "no_media"})

    def __init__(self) -> None:
        super().__init__()
        self.powered = False

    async def power(self, action: str) -> str | None:
        await self._card()
        self.powered = action != "off"
        return SIMULATED_ATR if self.powered else None

    async def exchange(self, apdu: bytes) -> bytes:
        await self._card()
        if not self.powered:
            raise DeviceError("sequenceError", "chip not powered")
        ins = apdu[1]
        if ins == 0xA4:  # SELECT
            return bytes.fromhex(SW_OK if apdu[5:].startswith(bytes.fromhex("7378")) else SW_NOT_FOUND)
        if ins == 0xB0:  # READ BINARY
            return b"TEST-SSC-0001" + bytes.fromhex(SW_OK)
        return bytes.fromhex(SW_BAD_INS)

    async def read_card(self, emit: EmitEvent) -> CardDataResult:
        await self._card()
        emit("CardReader.MediaInsertedEvent", MediaEventPayload(media="socialSecurityCard"))
        return CardDataResult(
            cardKind="socialSecurity",
            holderName="测试张三",
            cardNumber="TEST******0001",
            issuer="测试市人力资源和社会保障局",
        )

    async def _card(self) -> None:
        if "no_media" in self.faults:
            self.ensure_ready()
            await self.operate(3600)
        await self.operate(0.01)
        if "card_removed" in self.faults:
            self.powered = False
            raise DeviceError("commandErrorCode", "card removed")


class CardReaderService(DeviceService):
    """The CardReader service."""

    device_class = "CardReader"
    events = ("CardReader.MediaInsertedEvent", "CardReader.MediaRemovedEvent")
    driver: CardReaderDriver

    @command("CardReader.ChipPower", ChipPowerCommand)
    async def chip_power(self, payload: ChipPowerCommand, emit: EmitEvent) -> ChipPowerResult:
        """Power the chip (cold/warm reset) or switch it off."""
        return ChipPowerResult(atr=await self.driver.power(payload.action))

    @command("CardReader.ChipIO", ChipIoCommand)
    async def chip_io(self, payload: ChipIoCommand, emit: EmitEvent) -> ChipIoResult:
        """Send one APDU to the chip."""
        response = await self.driver.exchange(bytes.fromhex(payload.apdu))
        return ChipIoResult(response=response.hex().upper())

    @command("CardReader.ReadCard")
    async def read_card(self, payload: None, emit: EmitEvent) -> CardDataResult:
        """Read the basic data of the card (numbers masked)."""
        return await self.driver.read_card(emit)
