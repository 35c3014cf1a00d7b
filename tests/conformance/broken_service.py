"""A deliberately broken device service (one IdCardReader) for the conformance kit to fail.

Each flaw breaks one exchange rule of `contracts.devices`; `ALL_FLAWS` breaks them all at once.
"""

import asyncio
import json
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve

from govkiosk.contracts.devices import BASE_PATH

ALL_FLAWS = frozenset(
    {
        "no_acknowledge",  # device commands are never acknowledged
        "two_completions",  # Common.Status completes twice
        "accepts_duplicates",  # a requestId in use is run again
        "no_status_event",  # faults change the state silently
        "wrong_codes",  # unsupported → invalidCommand, Cancel → success, timeout → hardwareError
        "bad_id_number",  # the ID number's check digit is wrong
    }
)
NO_SIMULATOR = "no_simulator"  # not a flaw: a real device, without Simulator.* commands
CARD = {
    "cardType": "resident",
    "name": "测试王五",
    "sex": "male",
    "ethnicity": "汉",
    "birthDate": "1990-01-01",
    "address": "广东省深圳市福田区测试路1号",
    "idNumber": "440304199001011234",  # the valid check digit is 3
    "issuingAuthority": "深圳市公安局福田分局",
    "validFrom": "2020-01-01",
    "validTo": "2040-01-01",
}
COMMANDS = [
    "Common.Cancel",
    "Common.Capabilities",
    "Common.Status",
    "IdCardReader.Read",
    "Simulator.InjectFault",
    "Simulator.Recover",
]


def _message(
    kind: str, name: str, rid: int | None, payload: dict[str, Any] | None = None, **header: Any
) -> str:
    head = {"type": kind, "name": name, "requestId": rid, "version": "1.0", **header}
    return json.dumps({"header": head, "payload": payload or {}})


class BrokenService:
    """Serves a publisher and a broken IdCardReader at ws://127.0.0.1:<port>/xfs4iot/v1.0."""

    def __init__(self, flaws: frozenset[str] = ALL_FLAWS) -> None:
        self.flaws = flaws
        self.port = 0
        self.faults: set[str] = set()
        self._server: Server | None = None
        self._sockets: set[ServerConnection] = set()

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.port}{BASE_PATH}"

    async def start(self) -> None:
        self._server = await serve(self._handle, "127.0.0.1", 0, process_request=self._http)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _services(self) -> dict[str, Any]:
        uri = f"{self.ws_base}/IdCardReader"
        return {
            "vendor": "broken",
            "simulated": True,
            "services": [{"deviceClass": "IdCardReader", "serviceURI": uri}],
        }

    def _http(self, connection: ServerConnection, request: Any) -> Any:
        if request.path.startswith(f"{BASE_PATH}/services"):
            return connection.respond(200, json.dumps(self._services()))
        return None

    async def _handle(self, socket: ServerConnection) -> None:
        self._sockets.add(socket)
        pending: dict[int, asyncio.Task[None]] = {}
        try:
            async for raw in socket:
                text = raw if isinstance(raw, str) else raw.decode()
                await self._receive(socket, json.loads(text) if text.startswith('{"') else None, pending)
        except Exception:
            pass
        finally:
            self._sockets.discard(socket)

    async def _receive(
        self, socket: ServerConnection, data: Any, pending: dict[int, asyncio.Task[None]]
    ) -> None:
        if data is None:
            await socket.send(_message("completion", "Common.Unknown", None, completionCode="invalidData"))
            return
        header = data["header"]
        name, rid = header["name"], header["requestId"]
        if rid in pending and "accepts_duplicates" not in self.flaws:
            await socket.send(_message("completion", name, rid, completionCode="invalidRequestID"))
            return
        device = name.startswith("IdCardReader.")
        if not (device and "no_acknowledge" in self.flaws):
            await socket.send(_message("acknowledge", name, rid))
        pending[rid] = asyncio.create_task(self._run(socket, name, rid, data["payload"], header, pending))

    async def _run(
        self,
        socket: ServerConnection,
        name: str,
        rid: int,
        payload: dict[str, Any],
        header: Any,
        pending: Any,
    ) -> None:
        try:
            code, body = await self._execute(name, payload, header.get("timeout"), pending)
            await socket.send(_message("completion", name, rid, body, completionCode=code))
            if name == "Common.Status" and "two_completions" in self.flaws:
                await socket.send(_message("completion", name, rid, body, completionCode=code))
        except Exception:
            pass
        finally:
            pending.pop(rid, None)

    async def _execute(
        self, name: str, payload: dict[str, Any], timeout: int | None, pending: dict[int, Any]
    ) -> tuple[str, dict[str, Any]]:
        wrong = "wrong_codes" in self.flaws
        if name == "Common.Status":
            state = "hardwareError" if "hardware_error" in self.faults else "online"
            return "success", {"device": state, "simulated": True}
        if name == "Common.Capabilities":
            real = NO_SIMULATOR in self.flaws
            commands = [c for c in COMMANDS if not (real and c.startswith("Simulator."))]
            return "success", {
                "deviceClass": "IdCardReader",
                "commands": commands,
                "events": [],
                "simulated": not real,
            }
        if name == "ServicePublisher.GetServices":
            return "success", self._services()
        if name == "Common.Cancel":
            for rid in payload.get("requestIds") or list(pending):
                if rid in pending:
                    pending[rid].cancel()
            return "success", {}
        if name == "Simulator.InjectFault":
            self.faults.add(payload["fault"])
            await self._status_changed()
            return "success", {"faults": sorted(self.faults)}
        if name == "Simulator.Recover":
            self.faults.clear()
            await self._status_changed()
            return "success", {"faults": []}
        if name == "IdCardReader.Read":
            return await self._read(timeout, pending)
        return ("invalidCommand" if wrong else "unsupportedCommand"), {}

    async def _read(self, timeout: int | None, pending: dict[int, Any]) -> tuple[str, dict[str, Any]]:
        try:
            if "timeout" in self.faults:
                await asyncio.sleep((timeout or 30_000) / 1000)
                return ("hardwareError" if "wrong_codes" in self.flaws else "timeOut"), {}
            await asyncio.sleep(0.005)
        except asyncio.CancelledError:
            return ("success" if "wrong_codes" in self.flaws else "canceled"), {}
        card = dict(CARD)
        if "bad_id_number" not in self.flaws:
            card["idNumber"] = "440304199001011233"
        return "success", card

    async def _status_changed(self) -> None:
        if "no_status_event" in self.flaws:
            return
        state = "hardwareError" if "hardware_error" in self.faults else "online"
        message = _message(
            "unsolicited", "Common.StatusChangedEvent", None, {"device": state, "simulated": True}
        )
        for socket in list(self._sockets):
            await socket.send(message)
