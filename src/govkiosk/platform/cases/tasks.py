"""The purge job: personal data of closed cases is erased once their item's retention period has passed."""

import asyncio
from datetime import datetime

import structlog
from starlette.concurrency import run_in_threadpool

from govkiosk.platform.audit import service as audit
from govkiosk.platform.cases import service
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.core.settings import Settings
from govkiosk.platform.db.session import Database
from govkiosk.platform.support.storage import ObjectStore

log = structlog.get_logger("govkiosk.cases")
BATCH = 200


def purge_once(
    db: Database, store: ObjectStore, settings: Settings, *, now: datetime | None = None, batch: int = BATCH
) -> int:
    """Erase one batch of cases past retention: materials first (no transaction open), then the rows."""
    now = now or utcnow()
    with db.session(write=False) as session:
        due = {
            case.id: service.material_keys(case)
            for case in service.purge_due(
                session, now=now, default_days=settings.case_retention_days, limit=batch
            )
        }
    if not due:
        return 0
    done = []
    for case_id, keys in due.items():
        try:
            for key in keys:
                store.delete(key)  # a missing object is no error, so a retried purge is harmless
        except Exception as exc:  # noqa: BLE001 - the case keeps its data and is tried again next run
            log.warning("purge could not delete materials", case_id=case_id, error=str(exc)[:200])
            continue
        done.append(case_id)
    with db.session(write=True) as session:
        session.info[audit.WRITE_KEY] = True  # the audit event commits with the erasure, like a request's
        erased = service.erase_personal_data(session, done, now=now)
    log.info("personal data purged", cases=len(erased))
    return len(erased)


def purge_all(db: Database, store: ObjectStore, settings: Settings, *, now: datetime | None = None) -> int:
    """Purge batch after batch until nothing is due; returns how many cases were erased."""
    total = 0
    while erased := purge_once(db, store, settings, now=now):
        total += erased
    return total


async def run_forever(db: Database, store: ObjectStore, settings: Settings) -> None:
    """The purge job every node runs (erasing twice is harmless: erased cases are skipped)."""
    while True:
        try:
            await run_in_threadpool(purge_all, db, store, settings)
        except Exception:  # noqa: BLE001 - keep the job alive; the error is logged
            log.exception("purge failed")
        await asyncio.sleep(settings.purge_interval_s)
