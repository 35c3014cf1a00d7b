"""Face comparison providers: the live capture against the ID card photo (人证比对).

`FaceComparer` is the interface; `SimulatedFaceComparer` is deterministic with fault modes; `HttpFaceComparer`
is the shape of an adapter to a real comparison service (signed requests, timeouts).
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Literal, Protocol

import httpx

from govkiosk.agent.citizen.errors import IdentityError
from govkiosk.crypto import SM2KeyPair, hmac_sm3, sm3

FaceDecision = Literal["match", "mismatch", "not_live"]
SimulatedFaceFault = Literal["mismatch", "liveness_failure", "unavailable"]


@dataclass(frozen=True)
class FaceComparison:
    """A comparison's outcome: similarity 0…1 and the provider's decision."""

    score: float
    decision: FaceDecision
    simulated: bool
    provider: str


class FaceComparer(Protocol):
    """Compares a live face image with the ID card photo."""

    simulated: bool

    async def compare(self, card_photo: bytes, live_image: bytes) -> FaceComparison: ...


class SimulatedFaceComparer:
    """Deterministic: 0.90–0.99 from the images' hash, 0.30–0.39 under `mismatch`; labelled simulated."""

    simulated = True

    def __init__(self, *, threshold: float = 0.8, fault: SimulatedFaceFault | None = None) -> None:
        self.threshold = threshold
        self.fault = fault
        self.calls = 0

    async def compare(self, card_photo: bytes, live_image: bytes) -> FaceComparison:
        """Compare, or fail the way `fault` says."""
        self.calls += 1
        if self.fault == "unavailable":
            raise IdentityError("provider_unavailable", "simulated face service unavailable")
        jitter = hashlib.sha256(card_photo + live_image).digest()[0] % 10 / 100
        score = round((0.30 if self.fault == "mismatch" else 0.90) + jitter, 2)
        decision: FaceDecision = "match" if score >= self.threshold else "mismatch"
        if self.fault == "liveness_failure":
            decision = "not_live"
        return FaceComparison(score=score, decision=decision, simulated=True, provider="simulated")


class HttpFaceComparer:
    """An adapter to a face comparison service: POST JSON, signed with SM2 or HMAC-SM3, within a timeout.

    Signed string: "POST\\n{path}\\n{app_id}\\n{timestamp}\\n{nonce}\\n{hex SM3 of the body}".
    Headers carry the app id, timestamp, nonce, method (`SM2` or `HMAC-SM3`) and the signature (hex; SM2:
    DER).
    """

    simulated = False

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        endpoint: str,
        app_id: str,
        sm2_key: SM2KeyPair | None = None,
        hmac_key: bytes | None = None,
        timeout_s: float = 5.0,
        threshold: float = 0.8,
    ) -> None:
        if (sm2_key is None) == (hmac_key is None):
            raise ValueError("give exactly one of sm2_key and hmac_key")
        self.http, self.endpoint, self.app_id = http, endpoint, app_id
        self.sm2_key, self.hmac_key = sm2_key, hmac_key
        self.timeout_s, self.threshold = timeout_s, threshold

    async def compare(self, card_photo: bytes, live_image: bytes) -> FaceComparison:
        """Ask the service; any failure to get a readable answer is `provider_unavailable`."""
        body = json.dumps(
            {
                "card_photo": base64.b64encode(card_photo).decode(),
                "live_image": base64.b64encode(live_image).decode(),
            }
        ).encode()
        try:
            response = await self.http.post(
                self.endpoint, content=body, headers=self.signed_headers(body), timeout=self.timeout_s
            )
            response.raise_for_status()
            answer = response.json()
            score, decision = float(answer["score"]), str(answer["decision"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise IdentityError("provider_unavailable", f"face service: {type(exc).__name__}") from exc
        if decision not in ("match", "mismatch", "not_live"):
            raise IdentityError("provider_unavailable", "face service: unknown decision")
        if decision == "match" and score < self.threshold:
            decision = "mismatch"  # our threshold, not only the provider's, decides
        return FaceComparison(score=score, decision=decision, simulated=False, provider=self.app_id)  # type: ignore[arg-type]

    def signed_headers(self, body: bytes) -> dict[str, str]:
        """The authentication headers of one request."""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        text = signing_string(httpx.URL(self.endpoint).path, self.app_id, timestamp, nonce, body)
        if self.sm2_key is not None:
            method, signature = "SM2", self.sm2_key.sign(text).hex()
        else:
            assert self.hmac_key is not None
            method, signature = "HMAC-SM3", hmac_sm3(self.hmac_key, text).hex()
        return {
            "Content-Type": "application/json",
            "X-App-Id": self.app_id,
            "X-Timestamp": timestamp,
            "X-Nonce": nonce,
            "X-Signature-Method": method,
            "X-Signature": signature,
        }


def signing_string(path: str, app_id: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What a request's signature covers."""
    return f"POST\n{path}\n{app_id}\n{timestamp}\n{nonce}\n{sm3(body).hex()}".encode()


def hmac_matches(key: bytes, text: bytes, signature_hex: str) -> bool:
    """Constant-time check of an HMAC-SM3 signature (for services and tests)."""
    return hmac.compare_digest(hmac_sm3(key, text).hex(), signature_hex)
