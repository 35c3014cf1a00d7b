"""An in-memory stand-in for the platform's terminal API with knobs to misbehave (agent and sim tests)."""

import asyncio
import contextlib
import hashlib
import itertools
import json
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from govkiosk.agent.sync.agent import AgentOptions
from govkiosk.contracts.terminal_api import API_PREFIX, EnrollRequest, HeartbeatRequest
from govkiosk.crypto import parse_public_key, verify

ENROLL_TOKEN = "enroll-token-0001"
FINAL = {"succeeded", "failed", "rejected"}


def _error(status: int, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": code}}, status_code=status, headers=headers)


@dataclass
class FakeTerminal:
    id: int
    serial: str
    vendor: str
    public_key: bytes
    state: str


@dataclass
class FakePlatform:
    """The terminal API in memory; every request is recorded for assertions."""

    auto_approve: bool = True
    interval_s: int = 60
    token_ttl_s: int = 600
    enroll_tokens: dict[str, int] = field(default_factory=lambda: {ENROLL_TOKEN: 1000})
    terminals: dict[int, FakeTerminal] = field(default_factory=dict)
    access_tokens: dict[str, int] = field(default_factory=dict)
    challenges: dict[str, int] = field(default_factory=dict)
    actions: dict[int, dict[str, Any]] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)
    feedback: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    heartbeats: list[tuple[int, HeartbeatRequest]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    heartbeat_failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    config_values: dict[str, Any] = field(default_factory=dict)
    sockets: list[WebSocket] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    # --- operator knobs --------------------------------------------------------------------------

    def approve(self, terminal_id: int) -> None:
        self.terminals[terminal_id].state = "approved"

    def revoke(self, terminal_id: int) -> None:
        self.terminals[terminal_id].state = "revoked"
        self.expire_tokens()

    def expire_tokens(self) -> None:
        self.access_tokens.clear()

    def add_action(self, terminal_id: int, kind: str, params: dict[str, Any] | None = None) -> int:
        """Queue an action; it is delivered on every heartbeat until final feedback arrives."""
        action_id = next(self._ids)
        expires = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
        self.actions[action_id] = {
            "id": action_id, "kind": kind, "params": params or {}, "expires_at": expires,
            "terminal_id": terminal_id, "final": False,
        }  # fmt: skip
        return action_id

    def replay(self, action_id: int) -> None:
        """Deliver an action again although it is finished (a platform replay)."""
        self.actions[action_id]["final"] = False

    def set_config(self, values: dict[str, Any]) -> None:
        self.config_values = values

    @property
    def config_etag(self) -> str:
        return hashlib.sha256(json.dumps(self.config_values, sort_keys=True).encode()).hexdigest()[:16]

    def count(self, call: str) -> int:
        return self.calls.count(call)

    def feedback_for(self, action_id: int) -> list[dict[str, Any]]:
        return [body for aid, body in self.feedback if aid == action_id]

    def heartbeats_of(self, terminal_id: int) -> list[HeartbeatRequest]:
        return [body for tid, body in self.heartbeats if tid == terminal_id]

    async def nudge(self) -> None:
        """Send a poll nudge on every open push socket."""
        for socket in list(self.sockets):
            with contextlib.suppress(Exception):
                await socket.send_text(json.dumps({"type": "poll", "reason": "test"}))

    # --- endpoints -------------------------------------------------------------------------------

    async def enroll(self, request: Request) -> Response:
        self.calls.append("enroll")
        body = EnrollRequest.model_validate(await request.json())
        if body.enrollment_token not in self.enroll_tokens:
            return _error(401, "enrollment_token_invalid")
        if self.enroll_tokens[body.enrollment_token] <= 0:
            return _error(410, "enrollment_token_used")
        if any(t.serial == body.hardware.serial for t in self.terminals.values()):
            return _error(409, "serial_enrolled")
        self.enroll_tokens[body.enrollment_token] -= 1
        state = "approved" if self.auto_approve else "pending"
        hardware, key = body.hardware, parse_public_key(body.public_key)
        terminal = FakeTerminal(len(self.terminals) + 1, hardware.serial, hardware.vendor, key, state)
        self.terminals[terminal.id] = terminal
        return JSONResponse({"terminal_id": terminal.id, "state": terminal.state}, status_code=201)

    async def challenge(self, request: Request) -> Response:
        self.calls.append("challenge")
        terminal_id = (await request.json())["terminal_id"]
        if terminal_id not in self.terminals:
            return _error(401, "terminal_unknown")
        challenge = secrets.token_hex(16)
        self.challenges[challenge] = terminal_id
        return JSONResponse({"challenge": challenge, "expires_at": datetime.now(UTC).isoformat()})

    async def token(self, request: Request) -> Response:
        self.calls.append("token")
        body = await request.json()
        terminal = self.terminals[body["terminal_id"]]
        if self.challenges.pop(body["challenge"], None) != terminal.id:
            return _error(401, "challenge_invalid")
        if not verify(terminal.public_key, body["challenge"].encode(), bytes.fromhex(body["signature"])):
            return _error(401, "bad_signature")
        if terminal.state == "pending":
            return _error(403, "enrollment_pending")
        if terminal.state in ("rejected", "revoked"):
            return _error(401, f"terminal_{terminal.state}")
        token = secrets.token_urlsafe(24)
        self.access_tokens[token] = terminal.id
        return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl_s})

    def _terminal_of(self, request: Request) -> int | None:
        header = request.headers.get("authorization", "")
        return self.access_tokens.get(header.removeprefix("Bearer "))

    async def heartbeat(self, request: Request) -> Response:
        self.calls.append("heartbeat")
        if self.heartbeat_failures:
            status, headers = self.heartbeat_failures.pop(0)
            return _error(status, "unavailable", headers)
        terminal_id = self._terminal_of(request)
        if terminal_id is None:
            return _error(401, "token_invalid")
        self.heartbeats.append((terminal_id, HeartbeatRequest.model_validate(await request.json())))
        due = [
            {k: v for k, v in a.items() if k not in ("terminal_id", "final")}
            for a in self.actions.values()
            if a["terminal_id"] == terminal_id and not a["final"]
        ]
        return JSONResponse({"interval_s": self.interval_s, "actions": due, "config_etag": self.config_etag})

    async def action_feedback(self, request: Request) -> Response:
        self.calls.append("feedback")
        terminal_id = self._terminal_of(request)
        if terminal_id is None:
            return _error(401, "token_invalid")
        action_id = int(request.path_params["action_id"])
        action = self.actions.get(action_id)
        if action is None or action["terminal_id"] != terminal_id:
            return _error(404, "action_not_found")
        if action_id in self.gone:
            return _error(410, "action_not_active")
        body = await request.json()
        self.feedback.append((action_id, body))
        action["final"] = action["final"] or body["state"] in FINAL
        return JSONResponse({"ok": True})

    async def config(self, request: Request) -> Response:
        self.calls.append("config")
        if self._terminal_of(request) is None:
            return _error(401, "token_invalid")
        if request.headers.get("if-none-match") == self.config_etag:
            return Response(status_code=304)
        body = {"etag": self.config_etag, "values": self.config_values}
        return JSONResponse(body, headers={"ETag": self.config_etag})

    async def push(self, socket: WebSocket) -> None:
        token = socket.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.access_tokens:
            await socket.close(code=1008)
            return
        await socket.accept()
        self.sockets.append(socket)
        try:
            while True:
                await socket.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            self.sockets.remove(socket)

    def app(self) -> Starlette:
        p = API_PREFIX
        return Starlette(
            routes=[
                Route(f"{p}/enroll", self.enroll, methods=["POST"]),
                Route(f"{p}/auth/challenge", self.challenge, methods=["POST"]),
                Route(f"{p}/auth/token", self.token, methods=["POST"]),
                Route(f"{p}/heartbeat", self.heartbeat, methods=["POST"]),
                Route(f"{p}/actions/{{action_id:int}}/feedback", self.action_feedback, methods=["POST"]),
                Route(f"{p}/config", self.config, methods=["GET"]),
                WebSocketRoute(f"{p}/push", self.push),
            ]
        )


class SwitchableTransport(httpx.AsyncBaseTransport):
    """Wraps a transport; while `down`, every request fails as if the network were gone."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False
        self.failed = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            self.failed += 1
            raise httpx.ConnectError("network is down", request=request)
        return await self.inner.handle_async_request(request)


@contextlib.asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """Serve `app` over real HTTP on a free 127.0.0.1 port; yields the base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]  # keep pytest's Ctrl-C
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until `condition()` holds, failing the test after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


PLATFORM_URL = "http://platform.test"


def fast_options(state_dir: Path, platform: str = PLATFORM_URL, **overrides: Any) -> AgentOptions:
    """Agent options with millisecond timings, so behaviour over many cycles fits in a fast test."""
    settings: dict[str, Any] = {
        "enroll_token": ENROLL_TOKEN,
        "serial": f"T-{state_dir.name}",
        "interval_override": 0.05,
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.05,
        "pending_poll_s": (0.01, 0.02),
        "denied_poll_s": 0.3,
        "push": False,
    }
    settings.update(overrides)
    return AgentOptions(platform=platform, state_dir=state_dir, **settings)


def asgi_client(fake: FakePlatform) -> tuple[httpx.AsyncClient, SwitchableTransport]:
    """An httpx client wired to the fake in-process, and the switch that can cut its network."""
    transport = SwitchableTransport(httpx.ASGITransport(app=fake.app()))
    return httpx.AsyncClient(transport=transport, timeout=5), transport
