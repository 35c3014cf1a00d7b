"""Remote actions, executed at most once: recorded as started on disk before they run."""

import asyncio
import base64
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from govkiosk.agent.sync.client import PlatformRefused, PlatformUnavailable
from govkiosk.agent.sync.logs import AgentLog
from govkiosk.agent.sync.screenshot import render_test_card
from govkiosk.agent.sync.state import ActionRecord, AgentState, StateStore
from govkiosk.contracts.terminal_api import ActionFeedback, ActionOut

# Sends feedback; True when the platform took it, False when the action is gone (410/404).
FeedbackSender = Callable[[int, ActionFeedback], Awaitable[bool]]
ConfigRefresher = Callable[[], Awaitable[str | None]]
SendOutcome = Literal["delivered", "gone", "postponed"]

DEFAULT_LOG_LINES = 200
MAX_LOG_LINES = 1000
REAL_REBOOT_COMMAND = ("systemctl", "reboot")


class RebootRequested(Exception):
    """Raised to unwind the agent so it starts over (the simulated reboot)."""


class ActionRunner:
    """Runs the actions a heartbeat delivers and keeps their feedback until the platform has it."""

    def __init__(
        self,
        *,
        store: StateStore,
        state: AgentState,
        log: AgentLog,
        send: FeedbackSender,
        refresh_config: ConfigRefresher,
        real_os_actions: bool = False,
    ) -> None:
        self.store, self.state, self.log = store, state, log
        self.send, self.refresh_config = send, refresh_config
        self.real_os_actions = real_os_actions
        self.handlers: dict[str, Callable[[dict[str, Any]], Awaitable[ActionFeedback]]] = {
            "reboot": self._reboot,
            "restart_app": self._restart_app,
            "screenshot": self._screenshot,
            "collect_logs": self._collect_logs,
            "lock_screen": self._lock_screen,
            "unlock_screen": self._unlock_screen,
            "set_config": self._set_config,
        }

    def finish_interrupted(self) -> None:
        """At boot: settle actions that were started but never finished (a reboot, or a crash)."""
        for action_id, record in self.state.actions.items():
            if record.status != "started":
                continue
            if record.kind == "reboot":
                how = (
                    "the operating system"
                    if self.real_os_actions
                    else "simulated: the agent restarted in-process"
                )
                record.feedback = ActionFeedback(state="succeeded", detail=f"rebooted ({how})")
            else:
                # Never run twice: an action cut short by a restart is reported failed, not retried.
                record.feedback = ActionFeedback(state="failed", detail="interrupted by an agent restart")
            record.status = "finished"
            self.log.info("action_settled_at_boot", action_id=action_id, kind=record.kind)
        self.store.save(self.state)

    async def handle(self, action: ActionOut) -> None:
        """Run a delivered action once; a replayed one only gets its known feedback again."""
        known = self.state.actions.get(action.id)
        if known is not None:
            if known.feedback is not None and known.status != "dropped":
                self.log.info("action_replayed", action_id=action.id, kind=action.kind)
                await self._report(action.id, known)
            return
        record = ActionRecord(kind=action.kind)
        self.state.actions[action.id] = record
        self.store.save(self.state)  # persisted before anything runs: the at-most-once guarantee
        if action.kind not in self.handlers:
            await self._finish(
                action.id, record, ActionFeedback(state="rejected", detail=f"unknown kind {action.kind}")
            )
            return
        if await self._send_quietly(action.id, ActionFeedback(state="running")) == "gone":
            self._drop(action.id, record)
            return
        self.log.info("action_started", action_id=action.id, kind=action.kind)
        await self._finish(action.id, record, await self._execute(action))

    async def flush(self) -> None:
        """Report every finished action whose feedback the platform has not taken yet."""
        for action_id, record in list(self.state.actions.items()):
            if record.status == "finished" and not record.reported:
                await self._report(action_id, record)

    async def _execute(self, action: ActionOut) -> ActionFeedback:
        try:
            return await self.handlers[action.kind](action.params)
        except RebootRequested:
            raise
        except Exception as exc:  # an action failing must not take the agent down
            self.log.error("action_failed", action_id=action.id, kind=action.kind, error=type(exc).__name__)
            return ActionFeedback(state="failed", detail=f"{type(exc).__name__}: {exc}"[:2000])

    async def _finish(self, action_id: int, record: ActionRecord, feedback: ActionFeedback) -> None:
        record.status, record.feedback = "finished", feedback
        self.store.save(self.state)
        self.log.info("action_finished", action_id=action_id, kind=record.kind, state=feedback.state)
        await self._report(action_id, record)

    async def _report(self, action_id: int, record: ActionRecord) -> None:
        assert record.feedback is not None
        outcome = await self._send_quietly(action_id, record.feedback)
        if outcome == "delivered":
            record.reported = True
            # The platform has the result: keep only the outcome, so state.json stays small.
            record.feedback = ActionFeedback(state=record.feedback.state, detail=record.feedback.detail)
            self.store.save(self.state)
        elif outcome == "gone":
            self._drop(action_id, record)

    async def _send_quietly(self, action_id: int, feedback: ActionFeedback) -> SendOutcome:
        """Send feedback; an outage or an expired token only postpones it (kept for `flush`)."""
        try:
            return "delivered" if await self.send(action_id, feedback) else "gone"
        except (PlatformUnavailable, PlatformRefused) as exc:
            self.log.warning("feedback_postponed", action_id=action_id, state=feedback.state, reason=str(exc))
            return "postponed"

    def _drop(self, action_id: int, record: ActionRecord) -> None:
        record.status = "dropped"
        self.store.save(self.state)
        self.log.info("action_dropped", action_id=action_id, kind=record.kind, reason="no longer active")

    async def _reboot(self, params: dict[str, Any]) -> ActionFeedback:
        if self.real_os_actions:
            self.log.warning("reboot_os")
            process = await asyncio.create_subprocess_exec(*REAL_REBOOT_COMMAND)
            await process.wait()
        self.log.info("reboot_simulated" if not self.real_os_actions else "reboot_pending")
        raise RebootRequested()

    async def _restart_app(self, params: dict[str, Any]) -> ActionFeedback:
        self.state.app_restarts += 1
        self.store.save(self.state)
        return ActionFeedback(
            state="succeeded",
            detail="kiosk app restarted (simulated)",
            result={"simulated": True, "app_restarts": self.state.app_restarts},
        )

    async def _screenshot(self, params: dict[str, Any]) -> ActionFeedback:
        png = render_test_card()
        result = {
            "simulated": True,
            "format": "png",
            "width": 320,
            "height": 180,
            "image_base64": base64.b64encode(png).decode("ascii"),
        }
        return ActionFeedback(state="succeeded", detail="screenshot (simulated test card)", result=result)

    async def _collect_logs(self, params: dict[str, Any]) -> ActionFeedback:
        count = min(int(params.get("lines", DEFAULT_LOG_LINES)), MAX_LOG_LINES)
        lines = self.log.tail(count)
        return ActionFeedback(state="succeeded", detail=f"{len(lines)} log lines", result={"lines": lines})

    async def _lock_screen(self, params: dict[str, Any]) -> ActionFeedback:
        self.state.locked = True
        self.state.lock_message = params.get("message") or self.state.lock_message
        self.store.save(self.state)
        return ActionFeedback(state="succeeded", detail="screen locked", result={"locked": True})

    async def _unlock_screen(self, params: dict[str, Any]) -> ActionFeedback:
        self.state.locked = False
        self.store.save(self.state)
        return ActionFeedback(state="succeeded", detail="screen unlocked", result={"locked": False})

    async def _set_config(self, params: dict[str, Any]) -> ActionFeedback:
        etag = await self.refresh_config()
        return ActionFeedback(state="succeeded", detail="configuration applied", result={"etag": etag})
