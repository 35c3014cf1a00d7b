"""What a platform node keeps in memory to answer heartbeats without a database transaction each.

Nothing here is the only copy of anything that matters: the caches are rebuilt from the database every
second, and buffered heartbeats are disposable liveness signals written in batches."""

import time
from dataclasses import dataclass, field
from typing import Any

from govkiosk.platform.core.errors import Unauthenticated
from govkiosk.platform.core.security import TokenSigner

TERMINAL_TOKEN = "terminal"
CHALLENGE = "challenge"


@dataclass
class BufferedHeartbeat:
    terminal_id: int
    seen: float
    ip: str | None
    status: str
    peripherals: list[dict[str, Any]]
    versions: dict[str, str]
    metrics: dict[str, float]
    interval_s: int


@dataclass
class FleetRuntime:
    """Caches and the heartbeat buffer of one platform node."""

    signer: TokenSigner
    not_approved: set[int] = field(default_factory=set)
    unstarted_actions: set[int] = field(default_factory=set)
    config_generation: int = -1
    config_cache: dict[int, tuple[str, int]] = field(default_factory=dict)  # terminal → (etag, interval)
    buffer: dict[int, BufferedHeartbeat] = field(default_factory=dict)
    heartbeats_received: int = 0
    heartbeats_flushed: int = 0
    last_flush_s: float = 0.0
    # Approvals (token issued) and revocations this node saw, by terminal: (approved?, monotonic time).
    _decided: dict[int, tuple[bool, float]] = field(default_factory=dict)

    def terminal_id_from(self, authorization: str | None) -> int | None:
        """The terminal a bearer token belongs to, if the token is valid and the terminal still approved."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        claims = self.signer.verify(authorization[7:], purpose=TERMINAL_TOKEN)
        if claims is None:
            return None
        terminal_id = int(claims["tid"])
        return None if terminal_id in self.not_approved else terminal_id

    def require_terminal(self, authorization: str | None) -> int:
        """The terminal behind a bearer token; Unauthenticated (401) when invalid, expired or revoked."""
        terminal_id = self.terminal_id_from(authorization)
        if terminal_id is None:
            raise Unauthenticated("terminal token invalid, expired or revoked")
        return terminal_id

    def issue_token(self, terminal_id: int, epoch: int, ttl_s: int) -> str:
        """A token for a terminal the database has just confirmed approved: accepted on this node at once."""
        self._decided[terminal_id] = (True, time.monotonic())
        self.not_approved.discard(terminal_id)
        return self.signer.sign({"tid": terminal_id, "ep": epoch}, ttl_s=ttl_s, purpose=TERMINAL_TOKEN)

    def buffer_heartbeat(self, heartbeat: BufferedHeartbeat) -> None:
        self.buffer[heartbeat.terminal_id] = heartbeat
        self.heartbeats_received += 1

    def take_buffer(self) -> list[BufferedHeartbeat]:
        """Swap the buffer out (single event loop: no lock needed)."""
        taken, self.buffer = list(self.buffer.values()), {}
        return taken

    def refresh(
        self,
        *,
        not_approved: set[int],
        unstarted: set[int],
        generation: int,
        configs: dict[int, tuple[str, int]] | None = None,
        taken_at: float | None = None,
    ) -> None:
        """Replace the caches with what the database says now (`configs`: every terminal's resolved
        configuration, given when the generation moved). `taken_at` (time.monotonic()) is when the snapshot
        was read: what this node learnt since (a token issued, a revocation) wins over the older snapshot."""
        if taken_at is not None:
            for terminal_id, (approved, at) in list(self._decided.items()):
                if at < taken_at:
                    del self._decided[terminal_id]  # the snapshot already knows
                elif approved:
                    not_approved.discard(terminal_id)
                else:
                    not_approved.add(terminal_id)
        self.not_approved = not_approved
        self.unstarted_actions = unstarted
        if generation != self.config_generation:
            self.config_cache = configs if configs is not None else {}
            self.config_generation = generation

    def revoke_now(self, terminal_id: int) -> None:
        """Stop accepting a terminal's tokens on this node without waiting for the next refresh."""
        self._decided[terminal_id] = (False, time.monotonic())
        self.not_approved.add(terminal_id)

    def action_queued(self, terminal_id: int) -> None:
        self.unstarted_actions.add(terminal_id)


def now_s() -> float:
    return time.time()
