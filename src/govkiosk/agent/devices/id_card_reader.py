"""IdCardReader (二代证 reader): reads resident, foreign permanent resident and HK/Macao/Taiwan cards."""

import base64
from typing import ClassVar

from govkiosk.agent.devices.base import DeviceError, DeviceService, Driver, EmitEvent, command
from govkiosk.agent.devices.id_numbers import check_digit
from govkiosk.agent.devices.images import png
from govkiosk.agent.devices.simulated_driver import SimulatedDriver
from govkiosk.contracts.devices import IdCardData, IdCardReadCommand, MediaEventPayload


class IdCardReaderDriver(Driver):
    """Hardware interface of an ID card reader."""

    async def read(self, *, with_photo: bool, card_index: int | None, emit: EmitEvent) -> IdCardData:
        """Wait for a card, emit `IdCardReader.MediaInsertedEvent`, read it."""
        raise NotImplementedError


def _id(first17: str) -> str:
    return first17 + check_digit(first17)


def _photo(seed: int) -> str:
    def pixel(x: int, y: int) -> tuple[int, int, int]:
        face = (x - 16) ** 2 + (y - 18) ** 2 < 100
        return (230, 190, 160) if face else (70 + seed * 40 % 180, 120, 200)  # any number of cards

    return base64.b64encode(png(32, 40, pixel)).decode()


def synthetic_cards() -> list[IdCardData]:
    """Test cards: valid check digits, clearly fake people (测试 prefix), fake authority."""
    common = {"issuingAuthority": "测试市公安局测试分局", "nationality": "CHN"}
    return [
        IdCardData(
            cardType="resident", name="测试张三", sex="male", ethnicity="汉", birthDate="1990-01-01",
            address="广东省深圳市测试区测试路1号", idNumber=_id("44030419900101123"),
            validFrom="2020-01-01", validTo="2040-01-01", **common,
        ),
        IdCardData(
            cardType="resident", name="测试李四", sex="female", ethnicity="壮", birthDate="1985-06-15",
            address="广东省深圳市测试区样例街2号", idNumber=_id("44030519850615246"),
            validFrom="2015-06-15", validTo="long-term", **common,
        ),
        IdCardData(
            cardType="foreignPermanentResident", name="TEST ALICE 测试爱丽丝", sex="female",
            nationality="USA", birthDate="1980-03-15", idNumber=_id("94484019800315001"),
            issuingAuthority="测试移民管理局", validFrom="2023-12-01", validTo="2033-12-01",
        ),
        IdCardData(
            cardType="hkMacaoTaiwanResident", name="测试陈大文", sex="male", birthDate="1975-09-09",
            address="香港特别行政区测试道3号", idNumber=_id("81000019750909003"),
            issuingAuthority="测试市公安局", validFrom="2019-09-01", validTo="2029-09-01", nationality="CHN",
        ),
    ]  # fmt: skip


class SimulatedIdCardReader(SimulatedDriver, IdCardReaderDriver):
    """A reader with a synthetic card always on it (`no_media`: none; `card_removed`: lifted mid-read)."""

    model = "simulated ID card reader"
    class_faults: ClassVar[frozenset[str]] = frozenset({"card_removed", "no_media"})

    def __init__(self) -> None:
        super().__init__()
        self.cards = synthetic_cards()
        self.card_index = 0

    async def read(self, *, with_photo: bool, card_index: int | None, emit: EmitEvent) -> IdCardData:
        self.ensure_ready()
        if "no_media" in self.faults:
            await self.operate(3600)  # waits for a card until the command times out
        emit("IdCardReader.MediaInsertedEvent", MediaEventPayload(media="idCard"))
        await self.operate(0.02)
        if "card_removed" in self.faults:
            raise DeviceError("commandErrorCode", "card removed during read")
        index = self.card_index if card_index is None else card_index
        card = self.cards[index % len(self.cards)]
        photo = _photo(index % len(self.cards)) if with_photo else None
        return card.model_copy(update={"photo": photo})


class IdCardReaderService(DeviceService):
    """The IdCardReader service."""

    device_class = "IdCardReader"
    events = ("IdCardReader.MediaInsertedEvent", "IdCardReader.MediaRemovedEvent")
    driver: IdCardReaderDriver

    @command("IdCardReader.Read", IdCardReadCommand)
    async def read(self, payload: IdCardReadCommand, emit: EmitEvent) -> IdCardData:
        """Wait for a card, read it (with its photo)."""
        return await self.driver.read(with_photo=payload.withPhoto, card_index=payload.cardIndex, emit=emit)
