"""The database layer: one writer at a time on SQLite, aware UTC datetimes, commits before answers."""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from govkiosk.platform.audit.models import AuditEvent
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.db.session import Database


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
    from govkiosk.platform.db.session import Busy

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
