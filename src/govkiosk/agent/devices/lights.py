"""Lights: guidance lights beside the card slots, printer and scanner, and the status light."""

from govkiosk.agent.devices.base import DeviceService, Driver, EmitEvent, command
from govkiosk.agent.devices.simulated_driver import SimulatedDriver
from govkiosk.contracts.devices import LightCommand, LightsState


class LightsDriver(Driver):
    """Hardware interface of the guidance lights."""

    async def set_light(self, light: str, flash: str, color: str) -> dict[str, str]:
        raise NotImplementedError


class SimulatedLights(SimulatedDriver, LightsDriver):
    """Remembers each light's setting."""

    model = "simulated guidance lights"

    def __init__(self) -> None:
        super().__init__()
        self.lights: dict[str, str] = {}

    async def set_light(self, light: str, flash: str, color: str) -> dict[str, str]:
        await self.operate(0.001)
        self.lights[light] = "off" if flash == "off" else f"{color} {flash}"
        return dict(self.lights)


class LightsService(DeviceService):
    """The Lights service."""

    device_class = "Lights"
    driver: LightsDriver

    @command("Lights.SetLight", LightCommand)
    async def set_light(self, payload: LightCommand, emit: EmitEvent) -> LightsState:
        """Switch, flash or colour one light."""
        return LightsState(lights=await self.driver.set_light(payload.light, payload.flash, payload.color))
