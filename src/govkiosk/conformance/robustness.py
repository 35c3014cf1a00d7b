"""Level 3: faults announce themselves, recovery too, and a long run of reads stays clean."""

import time
from typing import Any

from govkiosk.conformance.context import (
    CHECK_LIMIT,
    INJECT_FAULT,
    RECOVER,
    STATUS_FAULT,
    Failed,
    Options,
    Skip,
    Target,
    check,
    operator,
    simulate,
)
from govkiosk.conformance.function import primary_command, run_primary
from govkiosk.conformance.report import Level, percentiles
from govkiosk.conformance.session import ServiceSession
from govkiosk.contracts.devices import StatusPayload

FAULT_EVENT = "fault raises StatusChangedEvent"
RECOVERY_EVENT = "recovery raises StatusChangedEvent"
SOAK = "soak"
SOAK_CLASSES = ("IdCardReader", "CardReader", "BarcodeReader")


async def _await_status_event(session: ServiceSession, since: float, wait: float, what: str) -> StatusPayload:
    if not await session.wait_for(lambda: bool(session.status_events_since(since)), wait):
        raise Failed(f"no Common.StatusChangedEvent within {wait:g} s of the {what}")
    event = session.status_events_since(since)[0]
    return StatusPayload.model_validate(event.payload)


async def _provoke(session: ServiceSession, target: Target, options: Options, *, recover: bool) -> None:
    if target.has_simulator:
        await simulate(session, RECOVER) if recover else await simulate(
            session, INJECT_FAULT, {"fault": STATUS_FAULT}
        )
    elif options.unattended:
        raise Skip("unattended, and the service has no simulator commands to inject a fault")
    else:
        what = (
            "排除故障 Clear the fault (close the cover, reconnect)"
            if recover
            else ("制造故障 Cause a fault (open the cover, unplug the device)")
        )
        await operator(options, what)


async def level3(
    target: Target, options: Options, level: Level, figures: dict[str, Any], *, soak: bool
) -> None:
    """Fault and recovery events, then (when `soak`) the soak of reads."""
    async with ServiceSession(target.url, token=options.token) as session:

        async def fault() -> str | None:
            since = time.monotonic()
            await _provoke(session, target, options, recover=False)
            status = await _await_status_event(session, since, options.fault_wait, "fault")
            if status.device == "online" and not status.detail:
                raise Failed("the event after a fault still reports the device online")
            return f"device {status.device} after {(time.monotonic() - since) * 1000:.0f} ms"

        async def recovery() -> str | None:
            since = time.monotonic()
            await _provoke(session, target, options, recover=True)
            status = await _await_status_event(session, since, options.fault_wait, "recovery")
            if status.device != "online":
                raise Failed(f"the event after recovery reports {status.device}")
            return f"device online after {(time.monotonic() - since) * 1000:.0f} ms"

        await check(level, FAULT_EVENT, fault, options)
        await check(level, RECOVERY_EVENT, recovery, options)
        if soak:
            limit = max(CHECK_LIMIT, options.soak * 1.0)
            await check(level, SOAK, lambda: _soak(target, options, figures), options, limit=limit)


def soak_class(classes: list[str]) -> str | None:
    """The class whose reads make the soak: the first reader the service offers."""
    return next((c for c in SOAK_CLASSES if c in classes), None)


async def _soak(target: Target, options: Options, figures: dict[str, Any]) -> str:
    if primary_command(target) is None:
        raise Skip("no read command to soak")
    bound = primary_command(target)
    if not target.simulated and bound and bound.prompt:
        if options.unattended:
            raise Skip("unattended against a real reader: nobody to present the card")
        await operator(options, f"{bound.prompt}; 读取期间保持不动 leave it there for the whole soak")
    async with ServiceSession(target.url, token=options.token) as session:
        started = time.monotonic()
        errors: list[str] = []
        for _ in range(options.soak):
            try:
                await run_primary(session, target, options, wait=10, ask=False)
            except (Failed, Skip) as error:
                errors.append(str(error))
        seconds = time.monotonic() - started
        errors += session.breaches
        acks = [e.ack_ms for e in session.exchanges.values() if e.ack_ms is not None]
        totals = [
            (e.completions[0][0] - e.sent_at) * 1000 for e in session.exchanges.values() if e.completions
        ]
        figures["soak"] = {
            "class": target.device_class,
            "reads": options.soak,
            "errors": len(errors),
            "seconds": round(seconds, 3),
            "reads_per_s": round(options.soak / seconds, 1) if seconds else None,
            "acknowledge_ms": percentiles(acks),
            "completion_ms": percentiles(totals),
        }
    if errors:
        raise Failed(f"{len(errors)} errors in {options.soak} reads, e.g. {errors[0]}")
    return f"{options.soak} reads in {seconds:.2f} s, 0 errors"
