"""The terminal API (`/api/terminal/v1`): what kiosks call. Heartbeats touch no database on the hot path."""

import asyncio
import time

from fastapi import APIRouter, Header, Request, Response, WebSocket, WebSocketDisconnect, status
from starlette.concurrency import run_in_threadpool

from govkiosk.contracts.terminal_api import (
    API_PREFIX,
    ActionFeedback,
    ChallengeRequest,
    ChallengeResponse,
    ConfigResponse,
    EnrollRequest,
    EnrollResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    TokenRequest,
    TokenResponse,
)
from govkiosk.platform.actions import service as actions
from govkiosk.platform.configs.service import interval_of
from govkiosk.platform.db.session import Database
from govkiosk.platform.deps import RuntimeDep, SessionDep, SettingsDep, client_ip
from govkiosk.platform.fleet import service
from govkiosk.platform.fleet.push import hub
from govkiosk.platform.fleet.runtime import BufferedHeartbeat, FleetRuntime
from govkiosk.platform.terminals import service as terminals

router = APIRouter(prefix=API_PREFIX, tags=["terminal API"])


@router.post("/enroll", response_model=EnrollResponse, status_code=status.HTTP_201_CREATED)
def enroll(data: EnrollRequest, request: Request, session: SessionDep) -> EnrollResponse:
    """Enroll a kiosk with a one-time token and its own SM2 public key."""
    terminal = terminals.enroll(session, data, ip=client_ip(request))
    return EnrollResponse(terminal_id=terminal.id, state=terminal.enrollment_state)  # type: ignore[arg-type]


@router.post("/auth/challenge", response_model=ChallengeResponse)
def challenge(
    data: ChallengeRequest, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> ChallengeResponse:
    """A one-time challenge for the terminal to sign."""
    return service.issue_challenge(session, runtime, data.terminal_id, settings)


@router.post("/auth/token", response_model=TokenResponse)
def token(
    data: TokenRequest, session: SessionDep, runtime: RuntimeDep, settings: SettingsDep
) -> TokenResponse:
    """A short-lived token for a correctly signed challenge."""
    return service.issue_token(session, runtime, data, settings)


def _config_of(db: Database, terminal_id: int) -> tuple[str, int]:
    with db.session(write=False) as session:
        resolved = service.resolve_config(session, terminal_id)
    return resolved.etag, interval_of(resolved.values)


def _deliver(db: Database, terminal_id: int) -> list:
    with db.session(write=True) as session:
        return actions.deliver(session, terminal_id)


@router.post("/heartbeat", response_model=HeartbeatResponse)
async def heartbeat(data: HeartbeatRequest, request: Request) -> Response:
    """Report liveness and state; the answer carries the interval, pending actions and the config ETag.

    The hot path of the platform: no dependency injection (a sync dependency would cost a thread hop),
    no database unless there is something to deliver, and the answer serialised once."""
    runtime: FleetRuntime = request.app.state.runtime
    terminal_id = runtime.require_terminal(request.headers.get("authorization"))
    db: Database = request.app.state.db
    cached = runtime.config_cache.get(terminal_id)
    if cached is None:
        cached = await run_in_threadpool(_config_of, db, terminal_id)
        runtime.config_cache[terminal_id] = cached
    etag, interval = cached
    runtime.buffer_heartbeat(
        BufferedHeartbeat(
            terminal_id=terminal_id,
            seen=time.time(),
            ip=client_ip(request),
            status=data.status,
            peripherals=[p.model_dump() for p in data.peripherals],
            versions=data.installed,
            metrics=data.metrics,
            interval_s=interval,
        )
    )
    pending = (
        await run_in_threadpool(_deliver, db, terminal_id) if terminal_id in runtime.unstarted_actions else []
    )
    answer = HeartbeatResponse(interval_s=interval, actions=pending, config_etag=etag)
    return Response(answer.model_dump_json(), media_type="application/json")


@router.post("/actions/{action_id}/feedback")
def feedback(
    action_id: int,
    data: ActionFeedback,
    session: SessionDep,
    runtime: RuntimeDep,
    authorization: str | None = Header(default=None),
) -> dict:
    """The terminal's report on an action; 410 when the action is no longer active."""
    action = actions.feedback(session, runtime.require_terminal(authorization), action_id, data)
    return {"id": action.id, "state": action.state}


@router.get("/config", response_model=ConfigResponse, responses={304: {"description": "unchanged"}})
def config(
    session: SessionDep,
    runtime: RuntimeDep,
    response: Response,
    authorization: str | None = Header(default=None),
    if_none_match: str | None = Header(default=None),
) -> ConfigResponse | Response:
    """The terminal's resolved configuration, with an ETag; 304 when the kiosk already has it."""
    resolved = service.resolve_config(session, runtime.require_terminal(authorization))
    if if_none_match and if_none_match.strip('"') == resolved.etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": f'"{resolved.etag}"'})
    response.headers["ETag"] = f'"{resolved.etag}"'
    return ConfigResponse(etag=resolved.etag, values=resolved.values)


@router.websocket("/push")
async def push(socket: WebSocket) -> None:
    """Carries "poll now" nudges to a connected kiosk; nothing else travels here."""
    runtime: FleetRuntime = socket.app.state.runtime
    auth = socket.headers.get("authorization") or (
        f"Bearer {socket.query_params['access_token']}" if "access_token" in socket.query_params else None
    )
    terminal_id = runtime.terminal_id_from(auth)
    if terminal_id is None:
        await socket.close(code=4401)
        return
    await socket.accept()
    hub.attach(terminal_id, socket)
    try:
        while True:
            try:
                await asyncio.wait_for(socket.receive_text(), timeout=30)
            except TimeoutError:
                if runtime.terminal_id_from(auth) is None:  # revoked or expired meanwhile
                    await socket.close(code=4401)
                    return
    except WebSocketDisconnect:
        pass
    finally:
        hub.detach(terminal_id, socket)
