"""The database layer: one writer at a time on SQLite, handed over in arrival order and awaited without a
worker thread; aware UTC datetimes; commits before answers."""

import asyncio
import threading
import time
from datetime import UTC, datetime

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from govkiosk.contracts.terminal_api import API_PREFIX
from govkiosk.platform.audit.models import AuditEvent
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.db.session import SQLITE_WRITER, Busy, Database, WriterLock, in_thread
from tests.factories import build, create_terminal, create_tree


def _event(n: int) -> AuditEvent:
    return AuditEvent(at=utcnow(), actor="t", action=f"a{n}", object_type="x", outcome="success", detail={})


def test_concurrent_writers_never_fail(db: Database) -> None:
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for n in range(25):
                with db.session(write=True) as session:
                    # read first, then write: the pattern that fails a deferred SQLite transaction
                    session.scalar(select(func.count()).select_from(AuditEvent))
                    session.add(_event(k * 100 + n))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 200


def test_datetimes_come_back_aware_utc_and_naive_ones_are_refused(db: Database) -> None:
    with db.session(write=True) as session:
        session.add(_event(1))
    with db.session(write=False) as session:
        at = session.scalars(select(AuditEvent.at)).one()
    assert at.tzinfo is not None and at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    with pytest.raises(Exception, match="naive datetime"), db.session(write=True) as session:
        session.add(AuditEvent(at=datetime(2026, 1, 1), actor="t", action="a", object_type="x", outcome="ok"))
        session.flush()
    assert datetime(2026, 1, 1, tzinfo=UTC).tzinfo is UTC


def test_a_request_that_cannot_get_the_sqlite_writer_lock_in_time_is_told_to_retry(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("the writer lock is SQLite's")
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.session(write=True):
            holding.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(5)
        with pytest.raises(Busy) as refused, db.session(write=True, wait_s=0.2):
            pass
        assert refused.value.status_code == 503 and refused.value.headers["Retry-After"]
    finally:
        release.set()
        holder.join()
    with db.session(write=True, wait_s=0.2):
        pass  # free again


def _count(db: Database) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_the_writer_lock_is_handed_over_in_arrival_order() -> None:
    lock, order = WriterLock(), []
    assert lock.acquire()

    def waiter(n: int) -> None:
        assert lock.acquire(timeout=5)
        order.append(n)
        lock.release()

    threads = []
    for n in range(5):
        threads.append(threading.Thread(target=waiter, args=(n,)))
        threads[-1].start()
        while lock.waiting < n + 1:  # queued before the next one starts
            time.sleep(0.001)
    assert not lock.acquire(timeout=0.01) and lock.waiting == 5  # a newcomer that gives up leaves the queue
    lock.release()
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2, 3, 4]
    assert lock.acquire(timeout=0) and lock.waiting == 0  # free again
    lock.release()


async def test_writers_wait_for_the_lock_on_the_event_loop_without_a_worker_thread(db: Database) -> None:
    # With a lock taken on worker threads, 40 waiting requests filled anyio's pool and the holder could not
    # get a thread to finish on (the 50-kiosk soak stalled). 60 waiters here, more than the pool's 40.
    if not db.is_sqlite:
        pytest.skip("the writer lock is SQLite's")
    release, order = threading.Event(), []
    holder = threading.Thread(target=_hold, args=(db, release))
    holder.start()
    while SQLITE_WRITER.waiting == 0 and not _held():
        await asyncio.sleep(0.001)

    async def writer(n: int) -> None:
        async with db.request_session(write=True, wait_s=10) as session:
            order.append(n)
            await anyio.to_thread.run_sync(lambda: session.add(_event(n)))

    async with anyio.create_task_group() as tasks:
        for n in range(60):
            tasks.start_soon(writer, n)
            while SQLITE_WRITER.waiting < n + 1:
                await asyncio.sleep(0)
        assert anyio.to_thread.current_default_thread_limiter().borrowed_tokens == 0
        release.set()
    await anyio.to_thread.run_sync(holder.join)
    assert order == list(range(60)) and _count(db) == 61


def _hold(db: Database, release: threading.Event) -> None:
    with db.session(write=True) as session:
        session.add(_event(-1))
        release.wait(10)


def _held() -> bool:
    if SQLITE_WRITER.acquire(timeout=0):
        SQLITE_WRITER.release()
        return False
    return True


async def test_the_writer_does_not_queue_behind_other_work_in_the_thread_pool(db: Database) -> None:
    # Material uploads waiting on fsync filled anyio's pool, and each case waited there holding the lock.
    if not db.is_sqlite:
        pytest.skip("the writer lock is SQLite's")
    pool, busy = anyio.to_thread.current_default_thread_limiter(), threading.Event()
    async with anyio.create_task_group() as tasks:
        for _ in range(int(pool.total_tokens)):
            tasks.start_soon(anyio.to_thread.run_sync, lambda: busy.wait(10))
        while pool.borrowed_tokens < pool.total_tokens:
            await asyncio.sleep(0)
        with anyio.fail_after(5):
            async with db.request_session(write=True, wait_s=1) as session:
                await in_thread(session, session.add, _event(1))
        busy.set()
    assert _count(db) == 1


async def test_a_writer_that_times_out_or_is_cancelled_leaves_the_lock_usable(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("the writer lock is SQLite's")
    assert await SQLITE_WRITER.acquire_async()
    try:
        with pytest.raises(Busy):
            async with db.request_session(write=True, wait_s=0.05):
                pass
        waiting = asyncio.create_task(SQLITE_WRITER.acquire_async())
        while SQLITE_WRITER.waiting == 0:
            await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert SQLITE_WRITER.waiting == 0
    finally:
        SQLITE_WRITER.release()
    with pytest.raises(RuntimeError, match="boom"):
        async with db.request_session(write=True, wait_s=1) as session:
            session.add(_event(1))
            raise RuntimeError("boom")
    async with db.request_session(write=True, wait_s=1) as session:
        session.add(_event(2))
    assert _count(db) == 1  # the failed unit of work was rolled back, the next one committed


async def test_a_burst_of_write_requests_beyond_the_thread_pool_is_served_without_503(
    app: FastAPI, db: Database
) -> None:
    if not db.is_sqlite:
        # Not yet on PostgreSQL: 80 requests at once exhaust its connection pool (30) while the requests
        # holding connections wait for a worker thread; it was so before the writer lock changed (D-029).
        pytest.skip("the writer lock is SQLite's")
    tree = build(db, create_tree)
    terminal = build(db, create_terminal, site=tree.site_a, vendor=tree.vendor_x)
    release = threading.Event()
    holder = threading.Thread(target=_hold, args=(db, release))
    holder.start()  # every request below waits for the writer lock (on SQLite)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://platform.test") as client:
        body = {"terminal_id": terminal.id}
        requests = [
            asyncio.create_task(client.post(f"{API_PREFIX}/auth/challenge", json=body)) for _ in range(80)
        ]
        await asyncio.sleep(0.5)
        release.set()
        statuses = [response.status_code for response in await asyncio.gather(*requests)]
    await anyio.to_thread.run_sync(holder.join)
    assert statuses == [200] * 80
