"""The local device server: every device service over WebSocket at 127.0.0.1, plus JSON discovery.

Only local clients with the session token get in: the `Host` header must name this server, a
browser's `Origin` must be allowed, and the query must carry `token`; anything else is refused with
403 before the WebSocket upgrade.
"""

import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
import secrets
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from govkiosk.agent.devices.base import Service
from govkiosk.agent.devices.device_set import DeviceSet, PublisherService
from govkiosk.agent.devices.drivers.hardware import HardwareDriver
from govkiosk.agent.devices.protocol import DEFAULT_TIMEOUT_S, Connection
from govkiosk.contracts.devices import BASE_PATH

log = logging.getLogger(__name__)
DISCOVERY_PATH = f"{BASE_PATH}/services"


class DeviceServer:
    """Serves a `DeviceSet` at ws://HOST:PORT/xfs4iot/v1.0/<Class> (port 0: any free port)."""

    def __init__(
        self,
        devices: DeviceSet,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        allowed_origins: list[str] | None = None,
        default_timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
            raise ValueError("the device server listens on loopback addresses only")
        self.devices = devices
        self.host = host
        self.port = port
        self.token = token or secrets.token_urlsafe(24)
        self.extra_origins = list(allowed_origins or [])
        self.default_timeout = default_timeout
        self._server: Server | None = None
        self._watchers: list[asyncio.Task[None]] = []
        self._connections: set[Connection] = set()
        self.publisher = PublisherService(devices)

    @property
    def url(self) -> str:
        """The discovery URL (without the token)."""
        return f"http://{self.host}:{self.port}{DISCOVERY_PATH}"

    @property
    def ws_base(self) -> str:
        return f"ws://{self.host}:{self.port}{BASE_PATH}"

    @property
    def allowed_origins(self) -> set[str]:
        own = {f"http://127.0.0.1:{self.port}", f"http://localhost:{self.port}"}
        return own | set(self.extra_origins)

    async def start(self) -> None:
        """Start listening; afterwards `port` is the real port."""
        self._server = await serve(
            self._handle, self.host, self.port, process_request=self._check, max_size=16 * 2**20
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self.publisher.base_uri = f"ws://{self.host}:{self.port}"
        # Real drivers learn their state by polling; without this an idle device would stay "starting".
        self._watchers = [
            asyncio.create_task(service.driver.watch(), name=f"watch:{cls}")
            for cls, service in self.devices.services.items()
            if isinstance(service.driver, HardwareDriver)
        ]
        log.info("device server at %s (%d services)", self.ws_base, len(self.devices.services))

    async def stop(self) -> None:
        """Close every connection, stop polling the hardware, stop listening."""
        for watcher in self._watchers:
            watcher.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
        self._watchers = []
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def serve_forever(self) -> None:
        await self.start()
        assert self._server is not None
        await self._server.serve_forever()

    def _service_for(self, path: str) -> Service | None:
        if path == BASE_PATH:
            return self.publisher
        name = path.removeprefix(BASE_PATH + "/")
        return self.devices.services.get(name) if path.startswith(BASE_PATH + "/") else None  # type: ignore[call-overload]

    def _check(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        hosts, origins = request.headers.get_all("Host"), request.headers.get_all("Origin")
        origin = origins[0] if len(origins) == 1 else None
        token = parse_qs(url.query).get("token", [""])[0]
        refusal = "repeated Host or Origin" if len(hosts) != 1 or len(origins) > 1 else None
        refusal = refusal or self._refusal(hosts[0], origin, token)
        if refusal:
            log.warning("device server refused %s: %s", url.path, refusal)
            return connection.respond(HTTPStatus.FORBIDDEN, refusal + "\n")
        if url.path == DISCOVERY_PATH:
            return self._discovery(origin)
        if self._service_for(url.path) is None:
            return connection.respond(HTTPStatus.NOT_FOUND, "no such service\n")
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return connection.respond(HTTPStatus.UPGRADE_REQUIRED, "a WebSocket endpoint\n")
        return None

    def _refusal(self, host: str, origin: str | None, token: str) -> str | None:
        if host not in {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}:
            return "host not allowed"
        if origin is not None and origin not in self.allowed_origins:
            return "origin not allowed"
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            return "token missing or wrong"
        return None

    def _discovery(self, origin: str | None) -> Response:
        body = json.dumps(
            self.publisher.devices.services_payload(f"ws://{self.host}:{self.port}").model_dump(mode="json")
        )
        headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(body.encode())))])
        if origin:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Vary"] = "Origin"
        return Response(200, "OK", headers, body.encode())

    async def _handle(self, websocket: ServerConnection) -> None:
        service = self._service_for(urlsplit(websocket.request.path).path if websocket.request else "")
        if service is None:  # _check lets no such connection through
            await websocket.close(1008, "no such service")
            return
        connection = Connection(service, websocket.send, default_timeout=self.default_timeout)
        self._connections.add(connection)
        try:
            with contextlib.suppress(ConnectionClosed):
                await connection.serve(websocket)
        finally:
            self._connections.discard(connection)

    async def cancel_commands(self, device_classes: tuple[str, ...]) -> int:
        """Cancel every pending command of these classes on every connection (e.g. voice guidance when the
        citizen's session ends); how many were cancelled."""
        cancelled = 0
        for connection in list(self._connections):
            if getattr(connection.service, "device_class", None) in device_classes and connection.pending:
                cancelled += len(connection.pending)
                await connection.cancel(list(connection.pending))
        return cancelled
