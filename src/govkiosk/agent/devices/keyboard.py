"""Keyboard / PinPad: data entry with a KeyEvent per key; PIN entry never reveals the digits."""

from govkiosk.agent.devices.base import DeviceService, Driver, EmitEvent, command
from govkiosk.agent.devices.simulated_driver import SimulatedDriver
from govkiosk.contracts.devices import DataEntryCommand, DataEntryResult, KeyEventPayload


class KeyboardDriver(Driver):
    """Hardware interface of a keyboard or PIN pad."""

    async def next_key(self) -> str:
        raise NotImplementedError


class SimulatedKeyboard(SimulatedDriver, KeyboardDriver):
    """Types the characters of `typed` (default a phone number), then presses enter."""

    model = "simulated PIN pad"

    def __init__(self, typed: str = "13800000000") -> None:
        super().__init__()
        self.typed = typed
        self._position = 0

    async def next_key(self) -> str:
        await self.operate(0.002)
        if self._position >= len(self.typed):
            self._position = 0
            return "enter"
        self._position += 1
        return self.typed[self._position - 1]


class KeyboardService(DeviceService):
    """The Keyboard service."""

    device_class = "Keyboard"
    events = ("Keyboard.KeyEvent",)
    driver: KeyboardDriver

    @command("Keyboard.DataEntry", DataEntryCommand)
    async def data_entry(self, payload: DataEntryCommand, emit: EmitEvent) -> DataEntryResult:
        """Collect keys until enter or maxLength."""
        data = await self._collect(payload, emit, secret=False)
        return DataEntryResult(data=data, length=len(data))

    @command("Keyboard.PinEntry", DataEntryCommand)
    async def pin_entry(self, payload: DataEntryCommand, emit: EmitEvent) -> DataEntryResult:
        """Collect a PIN; only its length leaves the pad."""
        data = await self._collect(payload, emit, secret=True)
        return DataEntryResult(data=None, length=len(data))

    async def _collect(self, payload: DataEntryCommand, emit: EmitEvent, *, secret: bool) -> str:
        data = ""
        while len(data) < payload.maxLength:
            key = await self.driver.next_key()
            if key == "enter":
                break
            if payload.numericOnly and not key.isdigit():
                continue
            data += key
            emit("Keyboard.KeyEvent", KeyEventPayload(key="*" if secret else key))
        return data
