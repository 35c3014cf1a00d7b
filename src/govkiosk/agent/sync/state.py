"""The agent's persistent identity and state in its state directory, written atomically."""

import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from govkiosk.contracts.terminal_api import ActionFeedback
from govkiosk.crypto import SM2KeyPair, write_private

Enrollment = Literal["new", "pending", "approved", "rejected", "revoked", "unknown"]
ActionStatus = Literal["started", "finished", "dropped"]

# Enough to recognise any replay the platform could still send (actions have short TTLs).
MAX_ACTION_RECORDS = 200


class ActionRecord(BaseModel):
    """What the agent knows about one action it has seen: persisted before it runs (at most once)."""

    kind: str
    status: ActionStatus = "started"
    feedback: ActionFeedback | None = None
    reported: bool = False


class AgentState(BaseModel):
    """Everything the agent must remember across restarts (never a secret)."""

    serial: str
    platform: str
    terminal_id: int | None = None
    enrollment: Enrollment = "new"
    actions: dict[int, ActionRecord] = Field(default_factory=dict)
    config_etag: str | None = None
    locked: bool = False
    lock_message: str | None = None
    boots: int = 0
    app_restarts: int = 0

    def prune(self) -> None:
        """Forget the oldest finished actions beyond MAX_ACTION_RECORDS."""
        excess = len(self.actions) - MAX_ACTION_RECORDS
        for action_id in sorted(self.actions)[: max(excess, 0)]:
            if self.actions[action_id].status != "started":
                del self.actions[action_id]


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so a crash leaves either the old or the new file, never half of one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class StateStore:
    """The files of one agent's state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir
        self.key_path = state_dir / "terminal.key"
        self.state_path = state_dir / "state.json"
        self.config_path = state_dir / "config.json"
        self.log_path = state_dir / "agent.log"

    def prepare(self) -> None:
        """Create the directory, private to its owner."""
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    def load_or_create_key(self) -> SM2KeyPair:
        """The terminal's SM2 key pair, generated (mode 0600) on first start."""
        if self.key_path.exists():
            return SM2KeyPair.load(self.key_path)
        keys = SM2KeyPair.generate()
        keys.save(self.key_path)
        return keys

    def load(self, *, serial: str, platform: str) -> AgentState:
        """The saved state, or a fresh one for this serial and platform."""
        if not self.state_path.exists():
            return AgentState(serial=serial, platform=platform)
        state = AgentState.model_validate_json(self.state_path.read_text(encoding="utf-8"))
        state.platform = platform
        return state

    def save(self, state: AgentState) -> None:
        """Persist the state atomically."""
        state.prune()
        write_atomically(self.state_path, state.model_dump_json(indent=1))

    def device_token(self) -> str:
        """The local device service's session token, made once and readable by the owner only."""
        path = self.dir / "device-token"
        if not path.exists():
            write_private(path, secrets.token_urlsafe(24))
        return path.read_text().strip()

    def load_config(self) -> tuple[str | None, dict[str, Any]]:
        """The last applied configuration (etag, values)."""
        if not self.config_path.exists():
            return None, {}
        data = json.loads(self.config_path.read_text(encoding="utf-8"))
        return data.get("etag"), data.get("values", {})

    def save_config(self, etag: str, values: dict[str, Any]) -> None:
        """Persist a configuration the platform sent."""
        write_atomically(self.config_path, json.dumps({"etag": etag, "values": values}, ensure_ascii=False))
