"""Who acts, as the audit log names them: a user, a terminal, or the system."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who acts: username (or terminal:SERIAL, system), user id when a user, and from where."""

    username: str
    user_id: int | None = None
    ip: str | None = None
