"""Identity from the citizen's mobile government app (i深圳-style 身份码): a one-time QR code → claims."""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from govkiosk.agent.citizen.errors import IdentityError

CODE_PREFIX = "GKID:"  # how an identity code starts in the QR payload
SimulatedMobileFault = Literal["unavailable"]


@dataclass(frozen=True)
class MobileClaims:
    """Who the app says the citizen is, and how strongly (the app verified them when they registered)."""

    name: str
    id_number: str
    assurance: Literal["substantial", "high"]


class MobileIdentityProvider(Protocol):
    """Resolves a one-time identity code to claims, or raises IdentityError (expired, used, unavailable)."""

    simulated: bool

    async def resolve(self, code: str) -> MobileClaims: ...


def code_of(qr_payload: str) -> str:
    """The identity code in a scanned QR payload, or `code_invalid`."""
    if not qr_payload.startswith(CODE_PREFIX) or len(qr_payload) <= len(CODE_PREFIX):
        raise IdentityError("code_invalid", "not an identity code")
    return qr_payload[len(CODE_PREFIX) :]


@dataclass
class _Issued:
    claims: MobileClaims
    expires_at: float
    used: bool = False


class SimulatedMobileIdentityProvider:
    """Codes issued in memory: they expire after `ttl_s`, work once; `fault` makes the service unavailable."""

    simulated = True

    def __init__(self, *, ttl_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self.fault: SimulatedMobileFault | None = None
        self._codes: dict[str, _Issued] = {}

    def issue(self, name: str, id_number: str, *, assurance: Literal["substantial", "high"] = "high") -> str:
        """What the citizen's phone would show: a QR payload carrying a fresh one-time code."""
        code = secrets.token_urlsafe(18)
        self._codes[code] = _Issued(MobileClaims(name, id_number, assurance), self.clock() + self.ttl_s)
        return CODE_PREFIX + code

    async def resolve(self, code: str) -> MobileClaims:
        """The claims of a live, unused code."""
        if self.fault == "unavailable":
            raise IdentityError("provider_unavailable", "simulated mobile identity service unavailable")
        issued = self._codes.get(code)
        if issued is None:
            raise IdentityError("code_invalid", "unknown code")
        if issued.used:
            raise IdentityError("code_used")
        if self.clock() >= issued.expires_at:
            raise IdentityError("code_expired")
        issued.used = True
        return issued.claims
