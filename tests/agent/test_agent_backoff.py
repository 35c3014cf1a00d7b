"""Backoff grows, is jittered, is capped and resets; Retry-After is read in both of its forms."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from govkiosk.agent.sync.backoff import Backoff
from govkiosk.agent.sync.client import parse_retry_after


def test_backoff_grows_with_jitter_up_to_the_cap() -> None:
    backoff = Backoff(base=1.0, cap=60.0, rng=random.Random(3))
    delays = [backoff.next() for _ in range(12)]
    for attempt, delay in enumerate(delays):
        ceiling = min(60.0, 2.0**attempt)
        assert ceiling / 2 <= delay <= ceiling
    assert max(delays) <= 60.0
    backoff.reset()
    assert backoff.next() <= 1.0


def test_two_agents_do_not_retry_in_lockstep() -> None:
    first = Backoff(base=1.0, cap=60.0, rng=random.Random(1))
    second = Backoff(base=1.0, cap=60.0, rng=random.Random(2))
    assert [first.next() for _ in range(5)] != [second.next() for _ in range(5)]


def test_retry_after_seconds_and_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= parse_retry_after(later) <= 30
