"""Background work of onboarding: the automatic checks of submitted onboardings."""

import asyncio

import structlog
from starlette.concurrency import run_in_threadpool

from govkiosk.platform.db.session import Database
from govkiosk.platform.onboarding import repository, service
from govkiosk.platform.onboarding.checks import probe, static_checks
from govkiosk.platform.onboarding.schemas import CheckResult, OnboardingState

log = structlog.get_logger("govkiosk.onboarding")


def check_pending(db: Database, *, probe_timeout_s: float = 5.0) -> int:
    """Check every submitted onboarding; returns how many were checked. URL probes run between the read
    and the write transaction, so no lock is held while a department's server is slow."""
    with db.session(write=False) as session:
        plans = [
            (o.id, *static_checks(session, o))
            for o in repository.list_in_state(session, OnboardingState.SUBMITTED)
        ]
    for onboarding_id, results, url in plans:
        final: list[CheckResult] = [*results, probe(url, timeout_s=probe_timeout_s)] if url else results
        with db.session(write=True) as session:
            service.record_checks(session, onboarding_id, final)
    return len(plans)


async def run_checks_forever(db: Database, period_s: float = 2.0) -> None:
    """The checks job every node runs; record_checks ignores an onboarding another node checked first."""
    while True:
        try:
            await run_in_threadpool(check_pending, db)
        except Exception:  # noqa: BLE001 - keep the job alive; the error is logged
            log.exception("onboarding checks failed")
        await asyncio.sleep(period_s)
