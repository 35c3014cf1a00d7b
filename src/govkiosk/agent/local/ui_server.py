"""The kiosk UI server: the citizen UI bundle and its local API on the agent's own loopback origin.

`/` is the bundle's index.html with `__UI_BASE__` replaced by `/ui/<version>` (never cached);
`/ui/<version>/…` are the bundle's files (cached for a year: a new bundle has a new version);
`/local/v1/…` is the local API (kiosk_api.py). Only requests for this origin get in: the Host must be
`127.0.0.1:<port>` or `localhost:<port>` and an Origin, when present, this origin (a page elsewhere
cannot drive the kiosk).
Served by uvicorn inside the agent's event loop, on 127.0.0.1 only.
"""

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from govkiosk.agent.citizen.desk import CitizenDesk
from govkiosk.agent.citizen.errors import KioskError
from govkiosk.agent.local.kiosk_api import KioskApi, error_response

if TYPE_CHECKING:
    from govkiosk.agent.sync.agent import Agent

log = logging.getLogger(__name__)
PACKAGED_BUNDLE = Path(__file__).resolve().parents[2] / "kiosk_ui" / "static"
DEV_VERSION = "dev"
IMMUTABLE = "public, max-age=31536000, immutable"


def bundle_version(bundle: Path) -> str:
    """The version `manifest.json` names, or "dev" for a bundle without one."""
    try:
        version = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return DEV_VERSION
    return str(version) if isinstance(version, str | int | float) and str(version) else DEV_VERSION


class LoopbackServer(uvicorn.Server):
    """uvicorn without its own signal handling: the process that embeds it stops it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _BundleFiles(StaticFiles):
    """The bundle's files, cached for a year (a new bundle comes under a new version)."""

    def file_response(self, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = IMMUTABLE
        return response


class _SameOrigin:
    """Refuses (403) any request whose Host is not this server or whose Origin is another site."""

    def __init__(self, app: ASGIApp, server: "UiServer") -> None:
        self.app, self.server = app, server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
            hosts = [v for k, v in headers if k == "host"]
            origins = [v for k, v in headers if k == "origin"]
            allowed = self.server.origins
            host_ok = len(hosts) == 1 and f"http://{hosts[0]}" in allowed
            if not host_ok or len(origins) > 1 or (origins and origins[0] not in allowed):
                log.warning("ui_server_refused path=%s", scope.get("path"))
                await error_response(KioskError("forbidden", status=403))(scope, receive, send)
                return
        await self.app(scope, receive, send)


class UiServer:
    """Serves the kiosk UI bundle and the local API for one agent at http://127.0.0.1:<port>/."""

    def __init__(
        self, agent: "Agent", desk: CitizenDesk, *, bundle: Path | None = None, port: int = 0
    ) -> None:
        self.agent, self.desk = agent, desk
        self.bundle = (bundle or PACKAGED_BUNDLE).resolve()
        self.version = bundle_version(self.bundle)
        self.port = port
        self._server: LoopbackServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The kiosk UI's address (what Chromium opens)."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def origins(self) -> set[str]:
        """The UI's own origins (the device service lets these in too)."""
        return {f"http://127.0.0.1:{self.port}", f"http://localhost:{self.port}"}

    def app(self) -> Starlette:
        """The ASGI app: index, bundle, local API; same-origin check and gzip around them."""
        routes: list[Route | Mount] = [Route("/", self._index, methods=["GET", "HEAD"])]
        routes += KioskApi(self.agent, self.desk, self.version).routes()
        if self.bundle.is_dir():
            routes.append(Mount(f"/ui/{self.version}", _BundleFiles(directory=self.bundle), name="bundle"))
        middleware = [Middleware(_SameOrigin, server=self), Middleware(GZipMiddleware, minimum_size=512)]
        return Starlette(routes=routes, middleware=middleware)

    async def _index(self, request: Request) -> Response:
        try:
            page = (self.bundle / "index.html").read_text(encoding="utf-8")
        except OSError:
            return HTMLResponse(
                "<!doctype html><meta charset=utf-8><title>govkiosk</title><p>自助终端界面未安装 / "
                "The kiosk UI bundle is not installed.</p>",
                status_code=503,
                headers={"Cache-Control": "no-store"},
            )
        html = page.replace("__UI_BASE__", f"/ui/{self.version}")
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def start(self) -> None:
        """Listen on 127.0.0.1 (port 0: any free one; afterwards `port` is the real one) and serve."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app(), log_level="warning", access_log=False, lifespan="off")
        self._server = LoopbackServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="agent:ui-server")
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the kiosk UI server stopped while starting")
            await asyncio.sleep(0.01)
        self.desk.start()
        log.info("kiosk UI at %s (bundle %s)", self.url, self.version)

    async def stop(self) -> None:
        """End any citizen session, stop serving."""
        await self.desk.stop()
        server, task = self._server, self._task
        self._server = self._task = None
        if server is None or task is None:
            return
        server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=5)
        except TimeoutError:
            server.force_exit = True
            await asyncio.gather(task, return_exceptions=True)
