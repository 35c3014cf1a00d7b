"""A department business system, simulated: it receives the platform's signed case webhooks, checks the
signature, and drives each case through realistic outcomes by calling the platform's callback API
(`POST /api/dept/v1/cases/{case_number}/events`), signed with the shared HMAC-SM3 secret.

Outcomes: most cases are accepted, reviewed, approved, completed and delivered; some are suspended for a
while, a few are rejected or denied, and some get a supplement request and wait for the citizen.
Print-type items (证明打印, `sim/certificates.py`) are decided at once, completed within a second or two,
and the `complete` callback carries the certificate PDF the kiosk prints. Every callback carries a fresh
event id and is retried until the platform answers, so a lost answer never skips or repeats a step.
Everything it reports says "simulated"."""

import asyncio
import base64
import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog
from fastapi import FastAPI, Request, Response

from govkiosk.crypto.signing import NonceCache, SignatureInvalid, sign_headers, verify_headers
from govkiosk.sim.certificates import CERTIFICATES

log = structlog.get_logger("govkiosk.sim.department")
CALLBACK = "/api/dept/v1/cases/{case_number}/events"


def journey(rng: random.Random) -> list[tuple[str, str | None]]:
    """The actions one case goes through, with the reason a department would give."""
    roll = rng.random()
    if roll < 0.05:
        return [("reject", "不符合受理条件（模拟）")]
    if roll < 0.15:  # the case now waits for the citizen to hand in the missing material
        return [("request_supplement", "请补充材料：户口簿首页（模拟）")]
    steps: list[tuple[str, str | None]] = [("accept", None), ("start_review", None)]
    if rng.random() < 0.1:
        steps += [("suspend", "需现场核查（模拟）"), ("resume", None)]
    if rng.random() < 0.05:
        return [*steps, ("deny", "经审查不予批准（模拟）")]
    return [*steps, ("approve", None), ("complete", None), ("deliver", "已通过邮寄送达（模拟）")]


# A print-type item is decided at once; the certificate goes with `complete`, and the kiosk's printing of it
# is the delivery.
PRINT_JOURNEY: list[tuple[str, str | None]] = [
    ("accept", None), ("start_review", None),
    ("approve", "自动核验通过（模拟）"), ("complete", "证明已出具（模拟）"),
]  # fmt: skip


@dataclass
class DepartmentSimulator:
    """One simulated department: its token, its HMAC secret, and the cases it is working on."""

    platform: str
    token: str
    hmac_secret: str
    path: str = "/hooks"
    step_s: tuple[float, float] = (2.0, 6.0)
    print_step_s: tuple[float, float] = (0.1, 0.4)  # a certificate is ready within a second or two
    seed: int = 7
    received: dict[str, dict[str, Any]] = field(default_factory=dict)  # event id → webhook
    done: list[tuple[str, str]] = field(default_factory=list)  # (case number, action) acknowledged
    _nonces: NonceCache = field(default_factory=NonceCache)
    _tasks: set[asyncio.Task] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def install(self, api: FastAPI) -> None:
        """Add this department's webhook endpoint (at `path`) to an app."""

        @api.post(self.path)
        async def hook(request: Request) -> Response:
            body = await request.body()
            try:
                verify_headers(
                    "POST",
                    self.path,
                    body,
                    request.headers,
                    hmac_key=bytes.fromhex(self.hmac_secret),
                    nonces=self._nonces,
                )
            except SignatureInvalid as exc:
                log.warning("refused a webhook", reason=str(exc))
                return Response(
                    json.dumps({"error": str(exc)}), status_code=401, media_type="application/json"
                )
            event = json.loads(body)
            if event["event_id"] not in self.received:  # at least once: a repeat is acknowledged, not redone
                self.received[event["event_id"]] = event
                if event.get("type") == "case.submitted":
                    self._start(event["case"])
            return Response('{"ok": true, "simulated": true}', media_type="application/json")

    def _start(self, case: dict[str, Any]) -> None:
        printed = str(case.get("item", {}).get("name")) in CERTIFICATES
        steps, pace = (PRINT_JOURNEY, self.print_step_s) if printed else (journey(self.rng), self.step_s)
        task = asyncio.get_running_loop().create_task(self._drive(case, steps, pace))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drive(
        self, case: dict[str, Any], steps: Sequence[tuple[str, str | None]], pace: tuple[float, float]
    ) -> None:
        async with httpx.AsyncClient(base_url=self.platform, timeout=30) as client:
            for action, reason in steps:
                await asyncio.sleep(self.rng.uniform(*pace))
                document = await self._document(case) if action == "complete" else None
                await self._callback(client, case["case_number"], action, reason, document)

    async def _document(self, case: dict[str, Any]) -> dict[str, str] | None:
        """The certificate of a print-type item's case (rendered off the event loop), as the callback's
        `document`; None for other items."""
        found = CERTIFICATES.get(str(case.get("item", {}).get("name")))
        if found is None:
            return None
        title, render = found
        seed = self.rng.random()
        pdf = await asyncio.to_thread(render, case, rng=random.Random(seed), issued_at=datetime.now(UTC))
        content = base64.b64encode(pdf).decode("ascii")
        return {"content_base64": content, "content_type": "application/pdf", "title": f"{title}（模拟）"}

    async def _callback(
        self,
        client: httpx.AsyncClient,
        case_number: str,
        action: str,
        reason: str | None,
        document: dict[str, str] | None = None,
    ) -> None:
        """Send one step until the platform answers it (same event id on every retry)."""
        path = CALLBACK.format(case_number=case_number)
        event: dict[str, Any] = {"event_id": uuid.uuid4().hex, "action": action, "reason": reason}
        if document is not None:
            event["document"] = document
        body = json.dumps(event).encode()
        delay = 1.0
        while True:
            headers = {
                **sign_headers("POST", path, body, hmac_key=bytes.fromhex(self.hmac_secret)),
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
            }
            try:
                response = await client.post(path, content=body, headers=headers)
            except httpx.HTTPError as exc:
                log.info(
                    "callback failed; retrying", case=case_number, action=action, error=type(exc).__name__
                )
            else:
                if response.status_code < 500:
                    if response.status_code >= 400:
                        log.warning(
                            "callback refused", case=case_number, action=action, answer=response.text[:200]
                        )
                    else:
                        self.done.append((case_number, action))
                    return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def simulators_app(simulators: Sequence[DepartmentSimulator]) -> FastAPI:
    """One HTTP server for several simulated departments, each at its own path."""
    api = FastAPI(title="simulated department business systems")
    for simulator in simulators:
        simulator.install(api)

    @api.get("/")
    def index() -> dict:
        return {"simulated": True, "departments": [s.path for s in simulators]}

    return api
