"""Kill -9 of the PLATFORM during 1,000 submissions: no case lost, none duplicated (DESIGN.md §7).

The real platform (`python -m govkiosk.cli serve`, i.e. uvicorn) runs as a separate process in its own
process group, on the test database (SQLite file, or the PostgreSQL of GOVKIOSK_TEST_DB). The test process
is the kiosk: a real `Outbox` sends through a real `TerminalCaseChannel` over a `TerminalClient` and httpx,
authenticating by signing the platform's challenge with the terminal's SM2 key. A killer task SIGKILLs the
platform's process group after 1-3 s of uptime (two times in three right after a case is committed, when
its answer may be lost), restarting it on the same port and database each time. When the outbox is empty
the database must hold exactly one case per submission. The agent-side half is tests/agent/test_outbox.py;
see docs/agent-outbox.md ("Kill -9 of the platform").
"""

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govkiosk.agent.sync.client import TerminalClient
from govkiosk.agent.sync.outbox import Outbox, OutboxEvent, TerminalCaseChannel
from govkiosk.contracts.terminal_api import API_PREFIX, CASES_PATH, Applicant, CaseSubmission
from govkiosk.crypto import SM2KeyPair
from govkiosk.platform.cases.models import Case
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.schemas import ItemCreate
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.db.session import Database
from govkiosk.sim.soak import (
    PlatformProcess,
    TerminalAuth,
    kill_after_next_commit,
    running_platform,
    state_on_tmpfs,
)
from tests.factories import build, create_terminal, create_tree

ROOT = Path(__file__).resolve().parents[2]
TOTAL = 1000
MIN_KILLS = 5
UPTIME_BEFORE_KILL_S = (1.0, 3.0)
DEADLINE_S = 240.0  # pytest's own timeout is 300 s
PROGRESS_EVERY_S = 5.0
CASES_URL = API_PREFIX + CASES_PATH
CITIZEN_ID = "44030419900101002X"


# --- seed data and the kiosk side --------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    terminal_id: int
    item_id: int
    key: SM2KeyPair


def _published_item(session: Session, org_node_id: int) -> int:
    department = catalog.ensure_department(session, name="社保局", code="D-CRASH", org_node_id=org_node_id)
    data = ItemCreate(name="社保参保证明打印", item_type="BM", department_id=department.id)
    return catalog.create_item(session, Actor("crash-test"), department, data, publish=True).id


def seed(db: Database) -> Seed:
    """An org tree, an approved terminal whose SM2 key the test holds, a department and a published item."""
    key = SM2KeyPair.generate()
    tree = build(db, create_tree)
    terminal = build(db, create_terminal, site=tree.site_a, vendor=tree.vendor_x, public_key=key.public_hex)
    return Seed(terminal_id=terminal.id, item_id=build(db, _published_item, tree.city.id), key=key)


@dataclass
class Tally:
    """What went over the wire to the cases endpoint, counted by httpx event hooks."""

    posts: int = 0
    answers: Counter[str] = field(default_factory=Counter)

    async def on_request(self, request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path == CASES_URL:
            self.posts += 1

    async def on_response(self, response: httpx.Response) -> None:
        if response.request.method != "POST" or response.request.url.path != CASES_URL:
            return
        await response.aread()
        if response.status_code == 200 and response.json().get("duplicate") is True:
            self.answers["duplicate"] += 1
        elif response.status_code == 409:
            self.answers["duplicate_409"] += 1
        else:
            self.answers[str(response.status_code)] += 1

    @property
    def duplicates(self) -> int:
        return self.answers["duplicate"] + self.answers["duplicate_409"]

    @property
    def no_answer(self) -> int:
        """POSTs cut short: connection refused or reset while the platform was dead."""
        return self.posts - sum(self.answers.values())


def submission(item_id: int) -> CaseSubmission:
    applicant = Applicant(name="测试张三", id_number=CITIZEN_ID, verified_by="idcard_face")
    return CaseSubmission(
        idempotency_key=uuid.uuid4().hex, item_id=item_id, item_version=1, data={"purpose": "测试"},
        applicant=applicant, submitted_at=utcnow(),
    )  # fmt: skip


# --- the run -------------------------------------------------------------------------------------


async def _stopped(done: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` or until `done`; True when done."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), timeout=seconds)
    return done.is_set()


@dataclass
class Kills:
    anywhere: int = 0
    after_commit: int = 0

    @property
    def total(self) -> int:
        return self.anywhere + self.after_commit


async def kill_repeatedly(
    platform: PlatformProcess, db: Database, done: asyncio.Event, rng: random.Random
) -> Kills:
    """After 1-3 s of uptime, SIGKILL the platform (two times in three just after a commit), restart it;
    until `done`."""
    kills = Kills()
    while not await _stopped(done, rng.uniform(*UPTIME_BEFORE_KILL_S)):
        if kills.total % 3:
            await asyncio.to_thread(kill_after_next_commit, platform, db, 10.0)
            kills.after_commit += 1
        else:
            platform.kill()
            kills.anywhere += 1
        await asyncio.to_thread(platform.start)
    return kills


async def drain_while_killing(
    outbox: Outbox, channel: TerminalCaseChannel, platform: PlatformProcess, db: Database, tally: "Tally"
) -> Kills:
    """Deliver everything pending while the killer works; the number of kills."""
    done = asyncio.Event()
    sender = asyncio.create_task(outbox.run_forever(channel, idle_s=0.05))
    killer = asyncio.create_task(kill_repeatedly(platform, db, done, random.Random()))
    started = last = time.monotonic()
    try:
        async with asyncio.timeout(DEADLINE_S):
            while outbox.pending_count and not killer.done():
                await asyncio.sleep(0.02)
                if time.monotonic() - last >= PROGRESS_EVERY_S:
                    last = time.monotonic()
                    print(f"[{last - started:5.1f}s] pending={outbox.pending_count} starts={platform.starts}"
                          f" posts={tally.posts} answers={dict(tally.answers)}", flush=True)  # fmt: skip
        done.set()
        return await killer  # re-raises a failed restart
    finally:
        done.set()
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        with contextlib.suppress(Exception):
            await killer  # a restart under way finishes, so the caller's cleanup kills the last process


@pytest.fixture
def outbox_dir(tmp_path: Path) -> Iterator[Path]:
    """The kiosk's state on tmpfs when there is one (see `state_on_tmpfs`)."""
    with state_on_tmpfs(tmp_path / "kiosk", prefix="govkiosk-platform-crash-") as directory:
        yield directory


def cases_by_key(db: Database, terminal_id: int) -> tuple[int, dict[str, int]]:
    """(all cases, cases per idempotency key of this terminal), read straight from the database."""
    with db.session(write=False) as session:
        total = session.scalar(select(func.count()).select_from(Case)) or 0
        rows = session.execute(
            select(Case.idempotency_key, func.count())
            .where(Case.terminal_id == terminal_id)
            .group_by(Case.idempotency_key)
        ).all()
    return total, {str(key): count for key, count in rows}


async def test_kill_9_of_the_platform_during_1000_submissions_loses_none_and_duplicates_none(
    db: Database, db_url: str, tmp_path: Path, outbox_dir: Path
) -> None:
    started, world, tally = time.monotonic(), seed(db), Tally()
    events: list[OutboxEvent] = []
    outbox = Outbox(outbox_dir, on_event=events.append, backoff_base_s=0.05, backoff_cap_s=0.5)
    keys = [_enqueue(outbox, world.item_id) for _ in range(TOTAL)]
    hooks = {"request": [tally.on_request], "response": [tally.on_response]}
    with running_platform(db_url, tmp_path) as platform:
        async with httpx.AsyncClient(timeout=10, event_hooks=hooks) as http:  # type: ignore[arg-type]
            auth = TerminalAuth(TerminalClient(http, platform.url), world.terminal_id, world.key)
            channel = TerminalCaseChannel(auth.terminal, token=auth.token, reauthenticate=auth.forget)
            kills = await drain_while_killing(outbox, channel, platform, db, tally)
        starts = platform.starts
    total, per_key = cases_by_key(db, world.terminal_id)
    figures = {
        "submissions": TOTAL, "kills": kills.total, "kills_after_commit": kills.after_commit,
        "platform_starts": starts, "cases": total,
        "distinct_keys": len(per_key), "lost": len(set(keys) - set(per_key)),
        "duplicated": sum(count - 1 for count in per_key.values()), "posts": tally.posts,
        "answered_created": tally.answers["201"], "answered_duplicate": tally.duplicates,
        "no_answer": tally.no_answer, "other_answers": {k: v for k, v in tally.answers.items()
                                                        if k not in ("201", "duplicate", "duplicate_409")},
        "logins": auth.logins, "seconds": round(time.monotonic() - started, 1),
    }  # fmt: skip
    print("platform crash test:", json.dumps(figures))
    assert kills.total >= MIN_KILLS, figures
    assert figures["lost"] == 0 and figures["duplicated"] == 0, figures
    assert total == TOTAL and sorted(per_key) == sorted(keys), figures
    assert all(count == 1 for count in per_key.values())
    assert outbox.pending_count == 0 and outbox.dead_letters() == []
    assert list(outbox.quarantine_dir.iterdir()) == []
    assert Counter(e.kind for e in events)["submitted"] == TOTAL


def _enqueue(outbox: Outbox, item_id: int) -> str:
    """A citizen presses submit: the entry is on disk before anything is shown; its idempotency key."""
    made = submission(item_id)
    outbox.enqueue(made)
    return made.idempotency_key
