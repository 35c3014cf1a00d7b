"""The agent's structured log: one JSON object a line in state_dir/agent.log, secrets redacted."""

import itertools
import json
import logging
import logging.handlers
import sys
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Field names whose values must never reach a log line, whatever a caller passes.
SECRET_FIELDS = frozenset(
    {"token", "access_token", "enrollment_token", "enroll_token", "private_key", "signature", "authorization"}
)
REDACTED = "[redacted]"
_names = itertools.count(1)


class JsonLineFormatter(logging.Formatter):
    """Formats a record as one JSON line: ts, level, event and the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        fields: dict[str, Any] = getattr(record, "fields", {})
        line.update({k: (REDACTED if k.lower() in SECRET_FIELDS else v) for k, v in fields.items()})
        return json.dumps(line, ensure_ascii=False, default=str)


class AgentLog:
    """A per-agent structured logger writing to its own file (and stderr when run alone)."""

    def __init__(self, path: Path, *, echo: bool = False, context: dict[str, Any] | None = None) -> None:
        self.path = path
        self.context = dict(context or {})
        # A unique logger per agent, so a fleet of agents in one process keeps separate files.
        self._logger = logging.getLogger(f"govkiosk.agent.instance{next(_names)}")
        self._logger.setLevel(logging.DEBUG)
        self._logger.propagate = False
        self._handlers: list[logging.Handler] = [
            logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2, encoding="utf-8")
        ]
        if echo:
            self._handlers.append(logging.StreamHandler(sys.stderr))
        for handler in self._handlers:
            handler.setFormatter(JsonLineFormatter())
            self._logger.addHandler(handler)

    def debug(self, event: str, **fields: Any) -> None:
        """Log a debug event."""
        self._log(logging.DEBUG, event, fields)

    def info(self, event: str, **fields: Any) -> None:
        """Log an informational event."""
        self._log(logging.INFO, event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        """Log a warning event."""
        self._log(logging.WARNING, event, fields)

    def error(self, event: str, **fields: Any) -> None:
        """Log an error event."""
        self._log(logging.ERROR, event, fields)

    def tail(self, lines: int) -> list[str]:
        """The last `lines` lines of the log file."""
        for handler in self._handlers:
            handler.flush()
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            return [line.rstrip("\n") for line in deque(handle, maxlen=lines)]

    def close(self) -> None:
        """Detach and close the handlers."""
        for handler in self._handlers:
            self._logger.removeHandler(handler)
            handler.close()
        self._handlers = []

    def _log(self, level: int, event: str, fields: dict[str, Any]) -> None:
        self._logger.log(level, event, extra={"fields": {**self.context, **fields}})
