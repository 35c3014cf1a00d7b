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
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govkiosk.agent.sync.client import TerminalClient
from govkiosk.agent.sync.outbox import Outbox, OutboxEvent, TerminalCaseChannel
from govkiosk.contracts.terminal_api import API_PREFIX, CASES_PATH, Applicant, CaseSubmission, TokenRequest
from govkiosk.crypto import SM2KeyPair
from govkiosk.platform.cases.models import Case
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.schemas import ItemCreate
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.db.session import Database
from tests.conftest import free_port
from tests.factories import build, create_terminal, create_tree

ROOT = Path(__file__).resolve().parents[2]
TOTAL = 1000
MIN_KILLS = 5
UPTIME_BEFORE_KILL_S = (1.0, 3.0)
DEADLINE_S = 240.0  # pytest's own timeout is 300 s
PROGRESS_EVERY_S = 5.0
SECRET = "crash-test-secret-key-0123456789"  # fixed, so tokens stay valid across restarts
CASES_URL = API_PREFIX + CASES_PATH
CITIZEN_ID = "44030419900101002X"
LAST_CASE = "SELECT max(id) FROM cases"


# --- the platform as a child process -----------------------------------------------------------
# Start-up and shutdown copied (and trimmed) from benchmarks/common.Server, which picks a new port on every
# start; here a restart must come back on the same port, like a supervised service.


@dataclass
class PlatformProcess:
    """`govkiosk serve` in its own process group, restartable on the same port and database."""

    db_url: str
    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> None:
        env = {
            **os.environ,
            "GOVKIOSK_SECRET_KEY": SECRET,
            "GOVKIOSK_LOG_JSON": "false",
            "GOVKIOSK_MATERIALS_DIR": str(self.workdir / "materials"),
        }
        cmd = [sys.executable, "-m", "govkiosk.cli", "serve", "--db", self.db_url, "--host", "127.0.0.1",
               "--port", str(self.port), "--no-upgrade"]  # fmt: skip
        with open(self.workdir / "platform.log", "ab") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.starts += 1
        self._wait_live(timeout_s)

    def _wait_live(self, timeout_s: float) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"platform exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError), urllib.request.urlopen(self.url + "/livez", timeout=2) as r:
                if r.status == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"platform did not answer /livez within {timeout_s:.0f} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler, no flush, no rollback."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        path = self.workdir / "platform.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def running_platform(db_url: str, workdir: Path) -> Iterator[PlatformProcess]:
    """A started platform, killed whatever happens (a failed test leaves no server behind)."""
    platform = PlatformProcess(db_url, workdir)
    try:
        platform.start()
        yield platform
    finally:
        platform.kill()


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


class TerminalAuth:
    """The agent's token handling: sign the platform's challenge with the terminal key; forget on 401."""

    def __init__(self, terminal: TerminalClient, terminal_id: int, key: SM2KeyPair) -> None:
        self.terminal, self.terminal_id, self.key = terminal, terminal_id, key
        self._token: str | None = None
        self.logins = 0

    async def token(self) -> str:
        if self._token is None:
            challenge = (await self.terminal.challenge(self.terminal_id)).challenge
            signature = self.key.sign(challenge.encode()).hex()
            request = TokenRequest(terminal_id=self.terminal_id, challenge=challenge, signature=signature)
            self._token = (await self.terminal.token(request)).access_token
            self.logins += 1
        return self._token

    async def forget(self) -> None:
        self._token = None


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


def kill_after_next_commit(platform: PlatformProcess, db: Database, timeout_s: float = 10.0) -> None:
    """SIGKILL the platform as soon as a new case is committed: the case is in the database and its answer
    may still be on its way to the kiosk, the window where a platform without idempotency would make a second
    case from the retry. Polls as fast as it can (a raw DB-API connection, no sleep)."""
    raw = db.engine.raw_connection()
    try:
        seen, deadline = _last_case(raw), time.monotonic() + timeout_s
        while _last_case(raw) == seen and time.monotonic() < deadline:
            pass
        platform.kill()
    finally:
        raw.close()


def _last_case(raw: Any) -> int | None:
    cursor = raw.cursor()
    cursor.execute(LAST_CASE)
    (last,) = cursor.fetchone()
    cursor.close()
    raw.rollback()  # the next poll must see later commits (PostgreSQL: a new snapshot)
    return last


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
            await asyncio.to_thread(kill_after_next_commit, platform, db)
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
    """The kiosk's state on tmpfs when there is one: the outbox is not what is killed here, and its fsyncs
    on this VM's disk (~3.5 ms each, 3 per submission) would only add time."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path / "kiosk"
        return
    directory = Path(tempfile.mkdtemp(prefix="govkiosk-platform-crash-", dir=shm))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


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
