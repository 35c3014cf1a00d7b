"""The citizen session: opened when identity is established, ended explicitly, on timeout or on card removal;
on end it wipes everything personal it holds."""

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from govkiosk.agent.citizen.identity import IdentityResult
from govkiosk.agent.devices.base import Service
from govkiosk.contracts.masking import mask_id_number
from govkiosk.contracts.terminal_api import Applicant, CaseSubmission, MaterialRef

log = logging.getLogger(__name__)

EndReason = Literal["finished", "idle_timeout", "lifetime_exceeded", "card_removed", "cancelled"]
CARD_REMOVED_EVENT = "IdCardReader.MediaRemovedEvent"


@dataclass(frozen=True)
class SessionEnded:
    """The `ended` event: which session, and why (nothing personal)."""

    session_id: str
    reason: EndReason


class SessionEndedError(Exception):
    """The session has ended: its personal data is gone."""


def _zero(value: Any) -> None:
    """Overwrite byte buffers (also inside containers) with zeros; other values are only dropped."""
    if isinstance(value, bytearray):
        value[:] = bytes(len(value))
    elif isinstance(value, memoryview) and not value.readonly:
        value[:] = bytes(value.nbytes)
    elif isinstance(value, dict):
        for item in value.values():
            _zero(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            _zero(item)


class CitizenSession:
    """One citizen's time at the kiosk; `clock` (seconds, monotonic) is injectable so tests need no sleep."""

    def __init__(
        self,
        identity: IdentityResult,
        *,
        idle_timeout_s: float = 90.0,
        max_lifetime_s: float = 15 * 60.0,
        clock: Callable[[], float] = time.monotonic,
        on_end: Callable[[SessionEnded], None] | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.identity: IdentityResult | None = identity
        self.idle_timeout_s, self.max_lifetime_s = idle_timeout_s, max_lifetime_s
        self.clock = clock
        self.on_end = on_end
        self.started_at = self.last_activity = clock()
        self.materials: dict[str, bytearray] = {}  # slot → scanned bytes not yet submitted
        self.drafts: dict[str, Any] = {}  # form drafts: never saved on the kiosk
        self.end_reason: EndReason | None = None
        self._followed: Service | None = None
        log.info("citizen_session_started session=%s method=%s id=%s simulated=%s", self.id, identity.method,
                 mask_id_number(identity.id_number), identity.simulated)  # fmt: skip

    @property
    def ended(self) -> bool:
        return self.end_reason is not None

    def touch(self) -> None:
        """Record activity (a tap, a scan): restarts the idle timeout, unless the session is already over."""
        if self.check() is None:
            self.last_activity = self.clock()

    def check(self) -> EndReason | None:
        """End the session if a timeout has passed; the end reason, or None while it runs."""
        if self.end_reason is None:
            now = self.clock()
            if now - self.started_at >= self.max_lifetime_s:
                self.end("lifetime_exceeded")
            elif now - self.last_activity >= self.idle_timeout_s:
                self.end("idle_timeout")
        return self.end_reason

    def seconds_left(self) -> float:
        """Until the earlier of the two timeouts (for the UI's countdown)."""
        now = self.clock()
        return max(
            0.0, min(self.last_activity + self.idle_timeout_s, self.started_at + self.max_lifetime_s) - now
        )

    def add_material(self, slot: str, content: bytes | bytearray) -> None:
        """Keep a scanned material until it is submitted (then `discard_material`)."""
        self._require_active()
        self.discard_material(slot)
        self.materials[slot] = bytearray(content)
        self.touch()

    def discard_material(self, slot: str) -> None:
        """Zero and drop one material."""
        buffer = self.materials.pop(slot, None)
        if buffer is not None:
            _zero(buffer)

    def save_draft(self, key: str, value: Any) -> None:
        """Keep a form draft for this citizen (in memory only)."""
        self._require_active()
        self.drafts[key] = value
        self.touch()

    def applicant(self, *, phone: str | None = None) -> Applicant:
        """What the platform gets about the citizen: the case's Applicant fields, never an image."""
        identity = self._require_active()
        return Applicant(
            name=identity.name, id_number=identity.id_number, phone=phone, verified_by=identity.method
        )

    def submission(
        self,
        *,
        item_id: int,
        item_version: int,
        data: dict[str, Any],
        materials: list[MaterialRef] | None = None,
        phone: str | None = None,
        **extra: Any,
    ) -> CaseSubmission:
        """A submission for the outbox, with an idempotency key made now, once for this press of submit."""
        return CaseSubmission(
            idempotency_key=uuid.uuid4().hex, item_id=item_id, item_version=item_version, data=data,
            applicant=self.applicant(phone=phone), materials=materials or [],
            submitted_at=datetime.now(UTC), **extra,
        )  # fmt: skip

    def follow_card(self, reader: Service) -> None:
        """End the session when the ID card is lifted from this reader (its MediaRemovedEvent)."""
        self._followed = reader
        reader.subscribe(self._on_device_event)

    def card_removed(self) -> None:
        """The ID card was taken away: end now."""
        self.end("card_removed")

    def end(self, reason: EndReason = "finished") -> None:
        """End the session (once): wipe what is personal, then announce `ended`."""
        if self.end_reason is not None:
            return
        self.end_reason = reason
        if self._followed is not None:
            self._followed.unsubscribe(self._on_device_event)
            self._followed = None
        self._wipe()
        log.info("citizen_session_ended session=%s reason=%s", self.id, reason)
        if self.on_end is not None:
            self.on_end(SessionEnded(self.id, reason))

    def _wipe(self) -> None:
        if self.identity is not None:
            self.identity.wipe()
        self.identity = None
        _zero(self.materials)
        _zero(self.drafts)
        self.materials.clear()
        self.drafts.clear()

    def _on_device_event(self, name: str, payload: dict[str, Any]) -> None:
        if name == CARD_REMOVED_EVENT:
            self.card_removed()

    def _require_active(self) -> IdentityResult:
        if self.check() is not None or self.identity is None:
            raise SessionEndedError(f"session ended: {self.end_reason}")
        return self.identity
