"""Background jobs of a platform node: flush heartbeats, refresh caches, detect offline kiosks."""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

import structlog
from starlette.concurrency import run_in_threadpool

from govkiosk.platform.core import metrics
from govkiosk.platform.core.settings import Settings
from govkiosk.platform.db.session import Database
from govkiosk.platform.fleet import service
from govkiosk.platform.fleet.runtime import FleetRuntime

log = structlog.get_logger("govkiosk.fleet")


def flush_once(db: Database, runtime: FleetRuntime, settings: Settings) -> int:
    """Write the buffered heartbeats in one transaction; on failure they go back in the buffer."""
    batch = runtime.take_buffer()
    if not batch:
        return 0
    started = time.perf_counter()
    try:
        with db.session(write=True) as session:
            written = service.flush_heartbeats(session, batch, settings)
    except Exception:
        for hb in batch:  # keep the newest of each terminal: a later heartbeat may have arrived meanwhile
            runtime.buffer.setdefault(hb.terminal_id, hb)
        raise
    runtime.heartbeats_flushed += written
    runtime.last_flush_s = time.perf_counter() - started
    metrics.HEARTBEAT_FLUSH_SECONDS.observe(runtime.last_flush_s)
    return written


def refresh_once(db: Database, runtime: FleetRuntime) -> None:
    """Rebuild the node's caches; resolve every terminal's configuration when the generation moved."""
    taken_at = time.monotonic()
    with db.session(write=False) as session:
        not_approved, unstarted, generation = service.snapshot(session)
        configs = service.resolve_all_configs(session) if generation != runtime.config_generation else None
    runtime.refresh(
        not_approved=not_approved,
        unstarted=unstarted,
        generation=generation,
        configs=configs,
        taken_at=taken_at,
    )


def sweep_once(db: Database) -> list[int]:
    with db.session(write=True) as session:
        went_offline = service.sweep(session)
    if went_offline:
        log.info("terminals went offline", count=len(went_offline))
    return went_offline


async def _every(seconds: float, job: Callable[[], Awaitable[object]], name: str) -> None:
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a job must outlive a database outage
            log.warning("background job failed", job=name, error=str(exc)[:200])
        await asyncio.sleep(seconds)


def start(db: Database, runtime: FleetRuntime, settings: Settings) -> list[asyncio.Task]:
    """Start the node's background jobs on the running loop."""
    jobs = [
        (settings.heartbeat_flush_s, lambda: run_in_threadpool(flush_once, db, runtime, settings), "flush"),
        (settings.fleet_cache_refresh_s, lambda: run_in_threadpool(refresh_once, db, runtime), "refresh"),
        (settings.sweep_interval_s, lambda: run_in_threadpool(sweep_once, db), "sweep"),
    ]
    return [asyncio.create_task(_every(s, job, name), name=f"govkiosk-{name}") for s, job, name in jobs]


async def stop(tasks: list[asyncio.Task], db: Database, runtime: FleetRuntime, settings: Settings) -> None:
    """Cancel the jobs and write what is still buffered."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    with contextlib.suppress(Exception):
        await run_in_threadpool(flush_once, db, runtime, settings)
