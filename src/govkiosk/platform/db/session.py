"""Engines and sessions. SQLite is tuned (WAL, synchronous=NORMAL, busy_timeout, foreign keys) and
written by one writer at a time; PostgreSQL goes through psycopg 3."""

import asyncio
import contextvars
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from typing import Any, TypeVar

import anyio
from sqlalchemy import CursorResult, Engine, Result, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from govkiosk.platform.core.errors import DomainError

RETRY_AFTER_S = "2"  # what a request refused with Busy is told to wait
HOLDS_WRITER_LOCK = "holds_sqlite_writer_lock"  # in Session.info of a request's SQLite writer
T = TypeVar("T")


def normalise_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` and route them to psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite tuned for a busy single node."""
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _tune(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _begin)
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000", "foreign_keys=ON"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # A writer takes the write lock at BEGIN, so it never fails upgrading a read snapshot.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class _Waiter:
    """One place in the writer lock's queue: a thread blocked on an event, or a task awaiting a future."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.granted = False
        self.loop = loop
        self.event = threading.Event()
        self.future: asyncio.Future[None] | None = loop.create_future() if loop else None

    def wake(self) -> bool:
        """Tell the waiter it holds the lock; False when it can no longer be told (its loop has closed)."""
        if self.loop is None:
            self.event.set()
            return True
        try:
            self.loop.call_soon_threadsafe(self._resolve)
        except RuntimeError:
            return False
        return True

    def _resolve(self) -> None:
        if self.future is not None and not self.future.done():
            self.future.set_result(None)


class WriterLock:
    """SQLite's one writer at a time, handed to waiters in arrival order, waitable from a thread or a task.

    A request waits on the event loop (`acquire_async`), so waiting costs no worker thread: with a
    thread-bound lock, 40 requests waiting in the thread pool left the holder no thread to finish on
    (D-029). Jobs and commands wait on their own thread (`acquire`). `release` hands the lock straight to
    the first waiter, so a newcomer cannot overtake a request that has waited."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._queue: deque[_Waiter] = deque()

    def _enqueue(self, loop: asyncio.AbstractEventLoop | None) -> _Waiter | None:
        """Take the lock if it is free (None), else a waiter in the queue."""
        with self._mutex:
            if not self._held:
                self._held = True
                return None
            waiter = _Waiter(loop)
            self._queue.append(waiter)
            return waiter

    def acquire(self, timeout: float | None = None) -> bool:
        """Wait on this thread, at most `timeout` seconds (None: as long as it takes)."""
        waiter = self._enqueue(None)
        return waiter is None or waiter.event.wait(timeout) or self._give_up(waiter)

    async def acquire_async(self, timeout: float | None = None) -> bool:
        """Wait on the event loop, at most `timeout` seconds (None: as long as it takes)."""
        waiter = self._enqueue(asyncio.get_running_loop())
        if waiter is None:
            return True
        assert waiter.future is not None
        try:
            await asyncio.wait_for(waiter.future, timeout)
        except TimeoutError:
            return self._give_up(waiter)
        except BaseException:
            if self._give_up(waiter):
                self.release()  # handed over just as the task was cancelled: pass it on
            raise
        return True

    def _give_up(self, waiter: _Waiter) -> bool:
        """Leave the queue; True when the lock was handed over meanwhile (the caller holds it after all)."""
        with self._mutex:
            if waiter.granted:
                return True
            self._queue.remove(waiter)
            return False

    def release(self) -> None:
        """Hand the lock to the first waiter that can still take it, or free it."""
        with self._mutex:
            while self._queue:
                waiter = self._queue.popleft()
                waiter.granted = True
                if waiter.wake():
                    return
                waiter.granted = False
            self._held = False

    @property
    def waiting(self) -> int:
        """How many wait for the lock now."""
        return len(self._queue)


SQLITE_WRITER = WriterLock()  # one per process: every Database on a SQLite file shares it
# The holder's own threads: queued behind other requests' work in anyio's pool (material uploads waiting on
# fsync), every write waited there while holding the lock. Two, so the next holder need not wait for the
# last one's thread to return after it released the lock.
_WRITER_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sqlite-writer")


class Database:
    """The process's engine and its session factories."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        writer_bind = (
            self.engine.execution_options(sqlite_immediate=True) if is_sqlite(self.engine) else self.engine
        )
        self._writer = sessionmaker(writer_bind, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    def _writer_lock(self, write: bool) -> WriterLock | None:
        return SQLITE_WRITER if (write and self.is_sqlite) else None

    @contextmanager
    def session(self, *, write: bool, wait_s: float | None = None) -> Iterator[Session]:
        """A unit of work on this thread (jobs, commands, tests): committed when the block ends, rolled back
        on error. On SQLite a writer holds the writer lock for its whole transaction, waiting at most
        `wait_s` for it (then Busy)."""
        lock = self._writer_lock(write)
        if lock is not None and not lock.acquire(wait_s):
            raise Busy()
        session, commit = (self._writer if write else self._reader)(), False
        try:
            yield session
            commit = write
        finally:
            _end(session, commit=commit, lock=lock)

    @asynccontextmanager
    async def request_session(self, *, write: bool, wait_s: float | None = None) -> AsyncIterator[Session]:
        """A request's unit of work, opened on the event loop: a writer waits for SQLite's writer lock there
        (at most `wait_s`, then Busy) without holding a worker thread; the endpoint runs its queries on a
        worker thread, and the commit or rollback runs on one too, shielded from cancellation, so the lock
        is never freed in the middle of a transaction."""
        lock = self._writer_lock(write)
        if lock is not None and not await lock.acquire_async(wait_s):
            raise Busy()
        session, commit = (self._writer if write else self._reader)(), False
        session.info[HOLDS_WRITER_LOCK] = lock is not None
        try:
            yield session
            commit = write
        finally:
            with anyio.CancelScope(shield=True):
                await in_thread(session, lambda: _end(session, commit=commit, lock=lock))

    def dispose(self) -> None:
        self.engine.dispose()


async def in_thread(session: Session, function: Callable[..., T], *args: Any) -> T:
    """Run blocking work of a request's unit of work off the event loop: SQLite's writer on the lock holder's
    own threads, anything else on anyio's pool."""
    if not session.info.get(HOLDS_WRITER_LOCK):
        return await anyio.to_thread.run_sync(partial(function, *args))
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(_WRITER_THREADS, context.run, function, *args)


def _end(session: Session, *, commit: bool, lock: WriterLock | None) -> None:
    """Commit (or roll back) and close, then free the writer lock: the connection goes back to the pool with
    no transaction open before the next writer begins."""
    try:
        if commit:
            session.commit()
    finally:
        try:
            session.close()  # rolls back whatever is still open
        finally:
            if lock is not None:
                lock.release()


class Busy(DomainError):
    """The writer lock could not be had in time: the client should retry."""

    status_code = 503
    code = "busy"

    def __init__(self) -> None:
        super().__init__(
            "the database is busy with other writes; retry shortly", headers={"Retry-After": RETRY_AFTER_S}
        )


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction has committed (never if it rolls back)."""
    session.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop("after_commit", []):
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop("after_commit", None)


def rowcount(result: Result[Any]) -> int:
    """Rows matched by an UPDATE or DELETE (typed access to the cursor result's count)."""
    return result.rowcount if isinstance(result, CursorResult) else 0
