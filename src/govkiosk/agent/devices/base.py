"""Device services and the driver interface: one `DeviceService` per device class, one driver behind it.

A service is a registry of protocol commands (the `command` decorator) over a driver; drivers follow
httpx's transport shape: one interface per class, a simulated driver, real drivers later.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel

from govkiosk.contracts.devices import (
    SIMULATOR_COMMANDS,
    CapabilitiesPayload,
    CompletionCode,
    FaultsPayload,
    InjectFaultPayload,
    StatusPayload,
)
from govkiosk.contracts.terminal_api import DeviceClass, PeripheralState, SupplyLevel
from govkiosk.contracts.terminal_api import Supply as PeripheralSupply

EmitEvent = Callable[[str, BaseModel | dict[str, Any]], None]
Listener = Callable[[str, dict[str, Any]], None]
Handler = Callable[[Any, Any, EmitEvent], Awaitable[BaseModel | dict[str, Any] | None]]


class DeviceError(Exception):
    """A command failed in a way the protocol names (`deviceNotReady`, `hardwareError`, …)."""

    def __init__(self, code: CompletionCode, description: str) -> None:
        super().__init__(description)
        self.code: CompletionCode = code
        self.description = description


@dataclass(frozen=True)
class CommandSpec:
    """One protocol command: its handler, payload model, and whether it needs the device to itself."""

    name: str
    handler: Handler
    payload_model: type[BaseModel] | None
    exclusive: bool


def command(
    name: str, payload: type[BaseModel] | None = None, *, exclusive: bool = True
) -> Callable[[Handler], Handler]:
    """Register a service method as the handler of protocol command `name`."""

    def register(handler: Handler) -> Handler:
        handler.__device_command__ = CommandSpec(name, handler, payload, exclusive)  # type: ignore[attr-defined]
        return handler

    return register


def dump(payload: BaseModel | dict[str, Any] | None) -> dict[str, Any]:
    """A payload as the JSON object sent on the wire."""
    if payload is None:
        return {}
    if isinstance(payload, BaseModel):
        return payload.model_dump(mode="json")
    return payload


class Driver:
    """The hardware behind a device service; every class's driver interface extends this."""

    simulated: ClassVar[bool] = False
    vendor: str | None = None
    model: str | None = None
    extra: ClassVar[dict[str, Any]] = {}  # what clients should know (e.g. what a scanner does not do)

    def __init__(self) -> None:
        self._listeners: list[Callable[[dict[str, SupplyLevel]], None]] = []

    def status(self) -> StatusPayload:
        """The device's state and supplies now."""
        raise NotImplementedError

    def on_change(self, listener: Callable[[dict[str, SupplyLevel]], None]) -> None:
        """Call `listener(changed_supplies)` whenever the state or a supply changes."""
        self._listeners.append(listener)

    def changed(self, supplies: dict[str, SupplyLevel] | None = None) -> None:
        """Tell the listeners that the state (and these supplies) changed."""
        for listener in list(self._listeners):
            listener(supplies or {})


class Service:
    """A set of protocol commands at one path; `protocol.Connection` runs them by the contract's rules."""

    registry: ClassVar[dict[str, CommandSpec]] = {}
    events: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        registry: dict[str, CommandSpec] = {}
        for klass in reversed(cls.__mro__):
            for attr in vars(klass).values():
                spec = getattr(attr, "__device_command__", None)
                if isinstance(spec, CommandSpec):
                    registry[spec.name] = spec
        cls.registry = registry

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self._listeners: set[Listener] = set()

    def commands(self) -> dict[str, CommandSpec]:
        """The commands this service answers (`Common.Cancel` is the protocol engine's own)."""
        return dict(self.registry)

    def subscribe(self, listener: Listener) -> None:
        """Receive this service's unsolicited messages."""
        self._listeners.add(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    def publish(self, name: str, payload: BaseModel | dict[str, Any]) -> None:
        """Send an unsolicited message to every connection of this service."""
        body = dump(payload)
        for listener in list(self._listeners):
            listener(name, body)


class DeviceService(Service):
    """The service of one device class: Common.* and, on simulated drivers, Simulator.*."""

    device_class: ClassVar[DeviceClass]

    def __init__(self, driver: Driver) -> None:
        super().__init__()
        self.driver = driver
        driver.on_change(self._driver_changed)

    @property
    def simulated(self) -> bool:
        return self.driver.simulated

    def commands(self) -> dict[str, CommandSpec]:
        specs = super().commands()
        if not self.simulated:
            specs = {name: spec for name, spec in specs.items() if name not in SIMULATOR_COMMANDS}
        return specs

    def capabilities(self) -> CapabilitiesPayload:
        """What this service offers."""
        names = sorted({*self.commands(), "Common.Cancel"})
        events = ["Common.StatusChangedEvent", "Common.ErrorEvent", *self.events]
        return CapabilitiesPayload(
            deviceClass=self.device_class,
            commands=names,
            events=events,
            simulated=self.simulated,
            vendor=self.driver.vendor,
            model=self.driver.model,
            extra=dict(self.driver.extra),
        )

    def peripheral_state(self) -> PeripheralState:
        """This device as the agent's heartbeat reports it."""
        status = self.driver.status()
        return PeripheralState(
            device_class=self.device_class,
            state=status.device,
            supplies=[PeripheralSupply(name=s.name, level=s.level) for s in status.supplies],
            simulated=status.simulated,
            detail=status.detail,
        )

    def supply_changed(self, supply: str, level: SupplyLevel) -> None:
        """Hook for class events about supplies (e.g. `Printer.PaperThresholdEvent`)."""

    def _driver_changed(self, supplies: dict[str, SupplyLevel]) -> None:
        self.publish("Common.StatusChangedEvent", self.driver.status())
        for supply, level in supplies.items():
            self.supply_changed(supply, level)

    @command("Common.Status", exclusive=False)
    async def common_status(self, payload: None, emit: EmitEvent) -> StatusPayload:
        return self.driver.status()

    @command("Common.Capabilities", exclusive=False)
    async def common_capabilities(self, payload: None, emit: EmitEvent) -> CapabilitiesPayload:
        return self.capabilities()

    @command("Simulator.InjectFault", InjectFaultPayload, exclusive=False)
    async def simulator_inject(self, payload: InjectFaultPayload, emit: EmitEvent) -> FaultsPayload:
        return FaultsPayload(faults=self._simulator().inject(payload.fault))

    @command("Simulator.Recover", exclusive=False)
    async def simulator_recover(self, payload: None, emit: EmitEvent) -> FaultsPayload:
        return FaultsPayload(faults=self._simulator().recover())

    def _simulator(self) -> Any:
        if not self.simulated:
            raise DeviceError("unsupportedCommand", "not a simulated device")
        return self.driver
