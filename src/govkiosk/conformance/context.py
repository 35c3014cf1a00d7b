"""What every conformance check gets: the service under test, the run's options, a way to record a check."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from govkiosk.conformance.report import Check, Level
from govkiosk.conformance.session import Exchange, ServiceSession

INJECT_FAULT = "Simulator.InjectFault"
RECOVER = "Simulator.Recover"
HANG_FAULT = "timeout"  # the simulator's fault that keeps the next device command waiting
STATUS_FAULT = "hardware_error"


class Skip(Exception):
    """The check cannot run against this service; the message says why."""


class Failed(Exception):
    """The check ran and the service broke a rule; the message says which and how."""


@dataclass
class Target:
    """One device service: its class, URL and what `Common.Capabilities` says it offers."""

    device_class: str
    url: str
    commands: list[str] = field(default_factory=list)
    simulated: bool = False

    @property
    def has_simulator(self) -> bool:
        return INJECT_FAULT in self.commands and RECOVER in self.commands


@dataclass
class Options:
    token: str | None = None
    unattended: bool = False
    fault_wait: float = 5.0
    soak: int = 1000
    echo: Callable[[str], None] = print
    ask: Callable[[str], Awaitable[None]] | None = None  # operator prompt; None: read Enter from stdin


async def _ask_stdin(prompt: str) -> None:
    await asyncio.to_thread(input, f"  >> {prompt} [Enter] ")


async def operator(options: Options, prompt: str) -> None:
    """Ask the person at the kiosk to act and wait for Enter (attended runs only)."""
    options.echo(f"  操作员 operator: {prompt}")
    await (options.ask or _ask_stdin)(prompt)


CHECK_LIMIT = 60.0  # s; a service that hangs fails the check instead of hanging the kit
ATTENDED_LIMIT = 900.0  # s; a check that waits for a person gives them time


async def check(
    level: Level,
    name: str,
    body: Callable[[], Awaitable[str | None]],
    options: Options,
    *,
    limit: float | None = None,
) -> Check:
    """Run one check: passes unless `body` raises `Failed` (or anything else); `Skip` skips it."""
    limit = limit or (CHECK_LIMIT if options.unattended else ATTENDED_LIMIT)
    started = time.monotonic()
    try:
        note = await asyncio.wait_for(body(), limit)
        result = Check(name=name, passed=True, reason=note or "")
    except TimeoutError:
        result = Check(name=name, passed=False, reason=f"no result within {limit:g} s")
    except Skip as skip:
        result = Check(name=name, passed=False, skipped=True, reason=str(skip))
    except Failed as failure:
        result = Check(name=name, passed=False, reason=str(failure))
    except Exception as error:  # a crash in the exchange is a failure of the service, named as such
        result = Check(name=name, passed=False, reason=f"{type(error).__name__}: {error}")
    result.ms = round((time.monotonic() - started) * 1000, 1)
    mark = "SKIP" if result.skipped else ("ok  " if result.passed else "FAIL")
    options.echo(f"  [{mark}] {name}{' — ' + result.reason if result.reason else ''}")
    return level.add(result)


def expect_code(exchange: Exchange, code: str, what: str) -> None:
    """Fail unless the exchange completed with `code`."""
    if exchange.completion is None:
        raise Failed(f"{what}: no completion")
    if exchange.code != code:
        detail = exchange.completion.header.errorDescription
        raise Failed(
            f"{what}: completed {exchange.code}, expected {code}" + (f" ({detail})" if detail else "")
        )


async def simulate(session: ServiceSession, name: str, payload: dict[str, Any] | None = None) -> None:
    """Run a simulator-only command and insist it succeeds."""
    exchange = await session.command(name, payload or {}, wait=5)
    expect_code(exchange, "success", name)
