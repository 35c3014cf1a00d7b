"""Level 1: does the service keep the exchange rules of `contracts.devices`?"""

import asyncio
from typing import Any

from pydantic import ValidationError

from govkiosk.conformance.context import (
    HANG_FAULT,
    INJECT_FAULT,
    RECOVER,
    Failed,
    Options,
    Skip,
    Target,
    check,
    expect_code,
    operator,
    simulate,
)
from govkiosk.conformance.function import primary_command
from govkiosk.conformance.report import Level, percentiles
from govkiosk.conformance.session import Exchange, ServiceSession
from govkiosk.contracts.devices import CapabilitiesPayload, StatusPayload

LATENCY_SAMPLES = 50
GRACE = 0.15  # s to wait for messages that should never come
UNSUPPORTED = "Conformance.NoSuchCommand"

SCHEMA = "schema-valid messages"
STATUS = "Common.Status payload"
CAPABILITIES = "Common.Capabilities payload"
LATENCY = "acknowledge latency"
ONE_COMPLETION = "exactly one completion"
ACK_FIRST = "acknowledge before events and completion"
EVENTS_CARRY_ID = "events carry the requestId"
DUPLICATE = "duplicate requestId → invalidRequestID"
UNSUPPORTED_CHECK = "unsupported command → unsupportedCommand"
INVALID_DATA = "unparseable message → invalidData"
CANCEL = "Common.Cancel → canceled"
DISCONNECT = "disconnect cancels"
TIMEOUT = "timeout → timeOut"
NO_STRAY = "no stray messages"


class Hold:
    """Keeps one device command waiting (simulator fault, or an operator who leaves the reader empty)."""

    def __init__(self, target: Target, options: Options) -> None:
        self.target = target
        self.options = options
        self.command = primary_command(target)

    async def start(self, session: ServiceSession, *, timeout_ms: int | None = None) -> Exchange:
        if self.command is None:
            raise Skip("the service offers no device command to hold")
        if self.target.has_simulator:
            await simulate(session, INJECT_FAULT, {"fault": HANG_FAULT})
        elif self.options.unattended:
            raise Skip("unattended, and the service has no simulator commands to hold a command")
        elif self.command.prompt is None:
            raise Skip(f"{self.command.name} completes without a person; nothing to hold it")
        else:
            await operator(
                self.options, "请保持设备空闲、不要放置证件 Leave the device idle (no card, no document)"
            )
        return await session.send(self.command.name, self.command.payload, timeout_ms=timeout_ms)

    async def release(self, session: ServiceSession) -> None:
        if self.target.has_simulator:
            await simulate(session, RECOVER)


async def level1(target: Target, options: Options, level: Level, figures: dict[str, Any]) -> None:
    """Run the protocol checks against one service."""
    hold = Hold(target, options)
    async with ServiceSession(target.url, token=options.token) as session:

        async def status() -> str | None:
            exchange = await session.command("Common.Status")
            expect_code(exchange, "success", "Common.Status")
            payload = _parse(StatusPayload, exchange)
            return f"device {payload.device}"

        async def capabilities() -> str | None:
            exchange = await session.command("Common.Capabilities")
            expect_code(exchange, "success", "Common.Capabilities")
            payload = _parse(CapabilitiesPayload, exchange)
            if payload.deviceClass != target.device_class:
                raise Failed(f"deviceClass {payload.deviceClass} on the {target.device_class} service")
            missing = {"Common.Status", "Common.Capabilities", "Common.Cancel"} - set(payload.commands)
            if missing:
                raise Failed(f"commands do not list {sorted(missing)}")
            return f"{len(payload.commands)} commands"

        async def latency() -> str | None:
            exchanges = [await session.command("Common.Status", wait=5) for _ in range(LATENCY_SAMPLES)]
            samples = [e.ack_ms for e in exchanges if e.ack_ms is not None]
            figures[f"{target.device_class} acknowledge ms"] = percentiles(samples)
            if len(samples) < len(exchanges):
                raise Failed(
                    f"{len(exchanges) - len(samples)} of {len(exchanges)} commands never acknowledged"
                )
            stats = percentiles(samples)
            return f"p50 {stats['p50']} ms, p99 {stats['p99']} ms over {len(samples)}"

        async def unsupported() -> str | None:
            exchange = await session.command(UNSUPPORTED)
            expect_code(exchange, "unsupportedCommand", UNSUPPORTED)
            if not exchange.acknowledges:
                raise Failed("completed unsupportedCommand without acknowledging first")
            return None

        async def invalid_data() -> str | None:
            before = len(session.orphans)
            await session.send_raw("{not json")
            if not await session.wait_for(lambda: len(session.orphans) > before, 5):
                raise Failed("no completion for an unparseable message")
            code = session.orphans[-1].header.completionCode
            if code != "invalidData":
                raise Failed(f"completed {code}, expected invalidData")
            return None

        async def duplicate() -> str | None:
            held = await _hold_or_status(hold, session)
            await session.send(held.name, {}, request_id=held.request_id)
            await session.wait_for(lambda: bool(session.duplicate_answers), 1)
            await asyncio.sleep(GRACE)
            await _settle(hold, session, held)
            await asyncio.sleep(GRACE)
            answers = [(m.header.type, m.header.completionCode) for m in session.duplicate_answers]
            if ("completion", "invalidRequestID") not in answers:
                got = ", ".join(f"{kind} {code or ''}".strip() for kind, code in answers) or "no answer"
                raise Failed(
                    f"a reused requestId was not refused with invalidRequestID (got {got}; "
                    f"{len(held.completions)} completion(s) under that id)"
                )
            if any(kind == "acknowledge" for kind, _ in answers):
                raise Failed("the reused requestId was acknowledged")
            return None

        async def cancel() -> str | None:
            held = await hold.start(session)
            try:
                await asyncio.sleep(0.05)
                canceller = await session.command("Common.Cancel", {"requestIds": [held.request_id]})
                expect_code(canceller, "success", "Common.Cancel")
                await session.wait_completed(held, 5)
                expect_code(held, "canceled", f"the cancelled {held.name}")
            finally:
                await hold.release(session)
            return None

        async def timeout() -> str | None:
            held = await hold.start(session, timeout_ms=200)
            try:
                await session.wait_completed(held, 5)
                expect_code(held, "timeOut", f"{held.name} with header.timeout 200 ms")
            finally:
                await hold.release(session)
            return None

        async def disconnect() -> str | None:
            return await _disconnect(target, options, hold)

        for name, body in (
            (STATUS, status),
            (CAPABILITIES, capabilities),
            (LATENCY, latency),
            (UNSUPPORTED_CHECK, unsupported),
            (INVALID_DATA, invalid_data),
            (DUPLICATE, duplicate),
            (CANCEL, cancel),
            (TIMEOUT, timeout),
            (DISCONNECT, disconnect),
        ):
            await check(level, name, body, options)
        await asyncio.sleep(GRACE)
        await _rule_checks(session, level, options)


async def _hold_or_status(hold: Hold, session: ServiceSession) -> Exchange:
    """A command still pending: a held one if possible, else a status query sent just before its twin."""
    try:
        return await hold.start(session)
    except Skip:
        return await session.send("Common.Status")


async def _settle(hold: Hold, session: ServiceSession, held: Exchange) -> None:
    if held.name != "Common.Status":
        await session.command("Common.Cancel", {"requestIds": [held.request_id]})
        await hold.release(session)
    await session.wait_completed(held, 5)


async def _disconnect(target: Target, options: Options, hold: Hold) -> str | None:
    """A pending command on a closed socket leaks nowhere, and the service still answers."""
    first = ServiceSession(target.url, token=options.token, first_request_id=900)
    await first.open()
    held = await hold.start(first)
    await asyncio.sleep(0.05)
    await first.close()
    async with ServiceSession(target.url, token=options.token, first_request_id=1) as second:
        if target.has_simulator:
            await simulate(second, RECOVER)
        answer = await second.command("Common.Status", wait=5)
        expect_code(answer, "success", "Common.Status after the disconnect")
        await asyncio.sleep(GRACE)
        if held.request_id in second.exchanges and len(second.exchanges[held.request_id].completions):
            raise Failed(f"#{held.request_id} of the closed connection completed on another connection")
        leaked = [b for b in second.breaches if f"#{held.request_id}" in b or f" {held.request_id}" in b]
        if leaked:
            raise Failed(f"the closed connection's command leaked: {leaked[0]}")
        if hold.command and not target.has_simulator:
            follow = await second.command(hold.command.name, hold.command.payload, timeout_ms=200, wait=5)
            if follow.code == "sequenceError" or follow.completion is None:
                raise Failed("the closed connection's command still holds the device")
    return None


async def _rule_checks(session: ServiceSession, level: Level, options: Options) -> None:
    """The checks judged on everything the session received."""
    breaches = list(session.breaches)
    used: set[str] = set()

    def rule(*needles: str) -> list[str]:
        found = [b for b in breaches if any(n in b for n in needles)]
        used.update(found)
        return found

    def verdict(found: list[str]) -> None:
        if found:
            raise Failed(f"{len(found)}× e.g. {found[0]}")

    async def one_completion() -> str | None:
        verdict(rule("after its completion"))
        pending = [f"{e.name} #{e.request_id}" for e in session.exchanges.values() if not e.completions]
        if pending:
            raise Failed(f"no completion for {pending[:3]}")
        return f"{len(session.exchanges)} commands"

    async def schema() -> str | None:
        verdict(rule("schema:", "without completionCode"))
        return f"{session.messages} messages"

    async def ack_first() -> str | None:
        verdict(rule("before its acknowledge", "second acknowledge", "acknowledge names"))
        return None

    async def events_carry_id() -> str | None:
        verdict(rule("event ", "carries requestId"))
        return None

    async def stray() -> str | None:
        verdict([b for b in breaches if b not in used])
        return None

    for name, body in (
        (ONE_COMPLETION, one_completion),
        (SCHEMA, schema),
        (ACK_FIRST, ack_first),
        (EVENTS_CARRY_ID, events_carry_id),
        (NO_STRAY, stray),
    ):
        await check(level, name, body, options)


def _parse(model: Any, exchange: Exchange) -> Any:
    assert exchange.completion is not None
    try:
        return model.model_validate(exchange.completion.payload)
    except ValidationError as error:
        first = error.errors()[0]
        raise Failed(f"payload invalid at {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
