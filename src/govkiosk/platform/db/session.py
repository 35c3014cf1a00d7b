"""Engines and sessions. SQLite is tuned (WAL, synchronous=NORMAL, busy_timeout, foreign keys) and
written by one writer at a time; PostgreSQL goes through psycopg 3."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import CursorResult, Engine, Result, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from govkiosk.platform.core.errors import DomainError

_SQLITE_WRITER = threading.Lock()


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

    @contextmanager
    def session(self, *, write: bool, wait_s: float | None = None) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on error.

        On SQLite, writers hold the process's writer lock for their whole transaction. A request waits at
        most `wait_s` for it and then answers 503: a request's dependency, endpoint and teardown run on
        different pool threads, so under a burst of writers all the threads could otherwise wait for the
        lock while the holder waits for a thread to finish on (seen with 50 kiosks in the soak)."""
        lock = _SQLITE_WRITER if (write and self.is_sqlite) else None
        if lock is not None and not lock.acquire(timeout=-1 if wait_s is None else wait_s):
            raise Busy("the database is busy with other writes; retry shortly", headers={"Retry-After": "2"})
        try:
            with (self._writer if write else self._reader)() as session:
                try:
                    yield session
                    if write:
                        session.commit()
                    else:
                        session.rollback()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            if lock is not None:
                lock.release()

    def dispose(self) -> None:
        self.engine.dispose()


class Busy(DomainError):
    """The writer lock could not be had in time: the client should retry."""

    status_code = 503
    code = "busy"


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
