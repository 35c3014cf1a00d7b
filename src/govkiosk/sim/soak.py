"""Soak test (issue 5 point 11, "No loss, no duplicates"): N simulated kiosks submit M cases each while the
platform is killed with SIGKILL again and again; then every submission is checked against the database.

The platform (`python -m govkiosk.cli serve`, uvicorn) runs as a separate process in its own process group and
is restarted on the same port, database and materials directory after every kill. Each kiosk is a real
`Outbox` in its own state directory with its own `TerminalCaseChannel` over its own httpx client, signing the
platform's challenge with its own SM2 key. A share of the cases carries a material (a small PNG or PDF,
different bytes each time) uploaded first through `POST /api/terminal/v1/materials` (retried across restarts)
and referenced from the submission by its SM3 digest. At the end:

* lost: a submitted idempotency key with no case; duplicated: a key with more than one case;
* unexpected: a case whose (terminal, key) no kiosk submitted;
* materials_bad: a material reference that differs from what the kiosk sent, or whose object is missing from
  the platform's object store (opened with the same settings) or does not hash to the reference's SM3.

`python -m govkiosk.sim.soak --kiosks 50 --cases 1000` (`make soak`); tests/sim/test_soak.py runs a small one.
See docs/agent-outbox.md ("Soak").
"""

import argparse
import asyncio
import contextlib
import logging
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govkiosk.agent.sync.client import PlatformRefused, PlatformUnavailable, TerminalClient
from govkiosk.agent.sync.outbox import Outbox, TerminalCaseChannel, new_idempotency_key
from govkiosk.contracts.terminal_api import (
    API_PREFIX,
    CASES_PATH,
    Applicant,
    CaseSubmission,
    MaterialRef,
    TokenRequest,
)
from govkiosk.crypto import SM2KeyPair, sm3
from govkiosk.platform.cases.models import Case
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.schemas import ItemCreate, ItemType, Material
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.core.sealing import Sealer
from govkiosk.platform.core.settings import Settings
from govkiosk.platform.db import migrate
from govkiosk.platform.db.base import import_all_models
from govkiosk.platform.db.session import Database
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind, OrgNode
from govkiosk.platform.support.runtime import build_support
from govkiosk.platform.support.storage import ObjectStore
from govkiosk.platform.terminals import service as terminals
from govkiosk.platform.terminals.models import EnrollmentState, Terminal

SECRET = "soak-test-secret-key-0123456789ab"  # fixed, so tokens stay valid across restarts
SLOT = "户口簿首页"
CITIZEN_ID = "44030419900101002X"
MATERIALS_URL = API_PREFIX + "/materials"
LAST_CASE = "SELECT max(id) FROM cases"
RETRY_STATUSES = frozenset({408, 425, 429})


class SoakError(RuntimeError):
    """The soak could not run as intended (the platform refused something it should accept, a deadline)."""


@dataclass(frozen=True)
class SoakConfig:
    kiosks: int = 3
    cases: int = 40  # per kiosk
    material_share: float = 0.25  # share of the cases that carry a material
    kill_every_s: float = 2.0  # mean uptime before a kill (uniform in 0.5×–1.5×)
    min_kills: int = 0  # spread each kiosk's cases over at least this many kills (the last ones wait)
    deadline_s: float | None = None  # give up (SoakError) after this long
    progress_every_s: float = 5.0
    stall_s: float = 120.0  # SoakError when no submission is enqueued or delivered for this long
    seed: int | None = None
    quiet: bool = False


@dataclass
class SoakResult:
    lost: int
    duplicated: int
    unexpected: int
    materials_bad: int
    cases: int
    kills: int
    seconds: float
    submissions: int = 0
    materials: int = 0
    kills_after_commit: int = 0
    platform_starts: int = 0
    upload_posts: int = 0
    duplicate_answers: int = 0  # retries the platform answered "already have it" (lost answers)
    dead_letters: int = 0
    quarantined: int = 0
    down_s: float = 0.0  # the platform was dead or starting (from each kill until it answered /livez)

    @property
    def cases_per_s(self) -> float:
        return round(self.cases / self.seconds, 1) if self.seconds else 0.0

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.unexpected or self.materials_bad)

    def line(self) -> str:
        """The one line `make soak` prints."""
        return (
            f"lost={self.lost} duplicated={self.duplicated} unexpected={self.unexpected} "
            f"materials_bad={self.materials_bad} cases={self.cases} kills={self.kills} "
            f"seconds={self.seconds} cases_per_s={self.cases_per_s}"
        )


# --- the platform as a child process -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def platform_env(workdir: Path) -> dict[str, str]:
    """What the platform process is told on top of this process's environment (the store reads the same)."""
    return {
        "GOVKIOSK_SECRET_KEY": SECRET,
        "GOVKIOSK_LOG_JSON": "false",
        "GOVKIOSK_MATERIALS_DIR": str(workdir / "materials"),
    }


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
        env = {**os.environ, **platform_env(self.workdir)}
        cmd = [sys.executable, "-m", "govkiosk.cli", "serve", "--db", self.db_url, "--host", "127.0.0.1",
               "--port", str(self.port), "--no-upgrade"]  # fmt: skip
        with open(self.workdir / "platform.log", "ab") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.starts += 1
        self._wait_live(timeout_s)

    def _wait_live(self, timeout_s: float) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SoakError(f"platform exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError), urllib.request.urlopen(self.url + "/livez", timeout=2) as r:
                if r.status == 200:
                    return
            time.sleep(0.05)
        raise SoakError(f"platform did not answer /livez within {timeout_s:.0f} s:\n{self.log_tail()}")

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
    """A started platform, killed whatever happens (a failure leaves no server behind)."""
    platform = PlatformProcess(db_url, workdir)
    try:
        platform.start()
        yield platform
    finally:
        platform.kill()


# --- seed data -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    item_id: int
    terminals: list[tuple[int, SM2KeyPair]]


def _site(session: Session) -> OrgNode:
    city = orgs.insert(session, parent=None, kind=OrgKind.CITY, name="浸泡市", code="440300")
    district = orgs.insert(session, parent=city, kind=OrgKind.DISTRICT, name="浸泡区", code="440304")
    street = orgs.insert(session, parent=district, kind=OrgKind.STREET, name="浸泡街道")
    community = orgs.insert(session, parent=street, kind=OrgKind.COMMUNITY, name="浸泡社区")
    return orgs.insert(
        session, parent=community, kind=OrgKind.SITE, name="浸泡服务中心", site_type="community"
    )


def _item(session: Session, org_node_id: int) -> int:
    department = catalog.ensure_department(session, name="社保局", code="D-SOAK", org_node_id=org_node_id)
    data = ItemCreate(
        name="社保参保证明打印", item_type=ItemType.CONVENIENCE, department_id=department.id,
        materials=[Material(name=SLOT, originals=1, copies=0)],
    )  # fmt: skip
    return catalog.create_item(session, Actor("soak"), department, data, publish=True).id


def _terminal(session: Session, site: OrgNode, vendor_id: int, index: int, key: SM2KeyPair) -> int:
    terminal = Terminal(
        serial=f"SOAK-{index:04d}", vendor_id=vendor_id, model="SOAK-1", org_node_id=site.id,
        public_key=key.public_hex, enrollment_state=EnrollmentState.APPROVED, enrolled_at=utcnow(),
    )  # fmt: skip
    session.add(terminal)
    session.flush()
    return terminal.id


def seed(db: Database, kiosks: int) -> World:
    """An org tree down to one site, `kiosks` approved terminals with known SM2 keys, a department and a
    published item with one material slot."""
    with db.session(write=True) as session:
        site = _site(session)
        vendor = terminals.ensure_vendor(session, code="SOAK", name="Soak Vendor")
        keys = [SM2KeyPair.generate() for _ in range(kiosks)]
        ids = [_terminal(session, site, vendor.id, i, key) for i, key in enumerate(keys)]
        return World(item_id=_item(session, site.id), terminals=list(zip(ids, keys, strict=True)))


def fresh_sqlite(workdir: Path) -> str:
    """A new SQLite database in `workdir`, migrated to head."""
    url = f"sqlite:///{workdir / 'soak.db'}"
    database = Database(url)
    migrate.upgrade(database.engine)
    database.dispose()
    return url


# --- materials ---------------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png(tag: str) -> bytes:
    """A valid 1×1 white PNG whose tEXt chunk makes its bytes (and digest) unique."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"".join([
        b"\x89PNG\r\n\x1a\n", _png_chunk(b"IHDR", header), _png_chunk(b"tEXt", b"Comment\x00" + tag.encode()),
        _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")), _png_chunk(b"IEND", b""),
    ])  # fmt: skip


def tiny_pdf(tag: str) -> bytes:
    """A small one-page PDF mentioning `tag`."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"% soak " + tag.encode() + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def material_store(workdir: Path) -> ObjectStore:
    """The platform's object store as the platform process builds it (same settings, same sealing key)."""
    settings = Settings(secret_key=SECRET, materials_dir=workdir / "materials", log_json=False)
    return build_support(settings, Sealer.from_settings(settings)).store


# --- one kiosk ---------------------------------------------------------------------------------------------


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


class Kiosk:
    """One simulated kiosk: its own outbox, state directory, HTTP client, channel and terminal key."""

    def __init__(
        self, index: int, terminal_id: int, key: SM2KeyPair, item_id: int, state_dir: Path, url: str
    ) -> None:
        self.index, self.terminal_id, self.item_id = index, terminal_id, item_id
        self.outbox = Outbox(state_dir, backoff_base_s=0.05, backoff_cap_s=0.5)
        self.http = httpx.AsyncClient(timeout=10, event_hooks={"response": [self._count_duplicate]})
        self.auth = TerminalAuth(TerminalClient(self.http, url), terminal_id, key)
        self.channel = TerminalCaseChannel(
            self.auth.terminal, token=self.auth.token, reauthenticate=self.auth.forget
        )
        self.sent: dict[str, dict[str, Any] | None] = {}  # idempotency key → the material ref it carries
        self.upload_posts = self.bad_uploads = self.duplicate_answers = 0

    async def _count_duplicate(self, response: httpx.Response) -> None:
        """Count the platform's "already have it" answers: a retry after a lost answer."""
        if response.request.method != "POST" or not response.request.url.path.endswith(CASES_PATH):
            return
        await response.aread()
        if response.status_code == 409 or (response.status_code == 200 and _says_duplicate(response)):
            self.duplicate_answers += 1

    async def produce(
        self, count: int, share: float, rng: random.Random, gate: Callable[[int], Awaitable[None]]
    ) -> None:
        """`count` citizens press submit, one after another (each once `gate(number)` lets it); some first
        scan a material."""
        for number in range(count):
            await gate(number)
            key = new_idempotency_key()
            ref = await self._material(key, rng) if rng.random() < share else None
            self.outbox.enqueue(_submission(key, self.item_id, ref))
            self.sent[key] = ref.model_dump() if ref else None
            if number % 10 == 9:
                await asyncio.sleep(0)

    async def _material(self, key: str, rng: random.Random) -> MaterialRef:
        tag = f"kiosk {self.index} case {key}"
        data, content_type = (
            (tiny_png(tag), "image/png") if rng.random() < 0.5 else (tiny_pdf(tag), "application/pdf")
        )
        ref = await self.upload(data, content_type)
        if ref.sm3 != sm3(data).hex() or ref.size != len(data):
            self.bad_uploads += 1
        return ref

    async def upload(self, data: bytes, content_type: str) -> MaterialRef:
        """Upload a scan, retrying (with backoff) while the platform is down or restarting."""
        delay = 0.05
        while True:
            ref = await self._upload_once(data, content_type)
            if ref is not None:
                return ref
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 0.5)

    async def _upload_once(self, data: bytes, content_type: str) -> MaterialRef | None:
        params: dict[str, str | int] = {"item_id": self.item_id, "item_version": 1, "slot": SLOT}
        try:
            headers = {"Authorization": f"Bearer {await self.auth.token()}", "Content-Type": content_type}
            self.upload_posts += 1
            url = self.auth.terminal.base.removesuffix(API_PREFIX) + MATERIALS_URL
            response = await self.http.post(url, params=params, content=data, headers=headers)
        except PlatformRefused:
            await self.auth.forget()  # e.g. a challenge issued before a kill, unknown after it
            return None
        except (httpx.HTTPError, PlatformUnavailable):
            return None
        if response.status_code == 201:
            return MaterialRef.model_validate_json(response.content)
        if response.status_code == 401:
            await self.auth.forget()
        elif response.status_code < 500 and response.status_code not in RETRY_STATUSES:
            raise SoakError(f"upload refused: {response.status_code} {response.text[:300]}")
        return None

    async def close(self) -> None:
        await self.http.aclose()


def _says_duplicate(response: httpx.Response) -> bool:
    with contextlib.suppress(ValueError):
        return bool(response.json().get("duplicate") is True)
    return False


def _submission(key: str, item_id: int, ref: MaterialRef | None) -> CaseSubmission:
    applicant = Applicant(name="测试张三", id_number=CITIZEN_ID, verified_by="idcard_face")
    return CaseSubmission(
        idempotency_key=key, item_id=item_id, item_version=1, data={"purpose": "浸泡测试"},
        applicant=applicant, submitted_at=utcnow(), materials=[ref] if ref else [],
    )  # fmt: skip


# --- the killer --------------------------------------------------------------------------------------------


@dataclass
class Kills:
    anywhere: int = 0
    after_commit: int = 0
    down_s: float = 0.0  # from each kill until the restarted platform answered /livez

    @property
    def total(self) -> int:
        return self.anywhere + self.after_commit


async def _stopped(done: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` or until `done`; True when done."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), timeout=seconds)
    return done.is_set()


def _last_case(raw: Any) -> int | None:
    cursor = raw.cursor()
    cursor.execute(LAST_CASE)
    (last,) = cursor.fetchone()
    cursor.close()
    raw.rollback()  # the next poll must see later commits (PostgreSQL: a new snapshot)
    return last


def kill_after_next_commit(platform: PlatformProcess, db: Database, timeout_s: float = 3.0) -> None:
    """SIGKILL the platform as soon as a new case is committed, when its answer may still be on its way: the
    window where a retry without idempotency would make a second case. Polls without sleeping."""
    raw = db.engine.raw_connection()
    try:
        seen, deadline = _last_case(raw), time.monotonic() + timeout_s
        while _last_case(raw) == seen and time.monotonic() < deadline:
            pass
        platform.kill()
    finally:
        raw.close()


async def kill_repeatedly(
    platform: PlatformProcess,
    db: Database,
    done: asyncio.Event,
    rng: random.Random,
    every_s: float,
    kills: Kills,
) -> None:
    """After 0.5–1.5 × `every_s` of uptime, SIGKILL the platform (two times in three right after a commit)
    and restart it; until `done`. Counts into `kills`."""
    while not await _stopped(done, rng.uniform(0.5 * every_s, 1.5 * every_s)):
        if kills.total % 3:
            await asyncio.to_thread(kill_after_next_commit, platform, db)
            kills.after_commit += 1
        else:
            platform.kill()
            kills.anywhere += 1
        killed = time.monotonic()
        await asyncio.to_thread(platform.start)
        kills.down_s += time.monotonic() - killed


# --- the run -----------------------------------------------------------------------------------------------


@dataclass
class Run:
    config: SoakConfig
    platform: PlatformProcess
    db: Database
    kiosks: list[Kiosk]
    kills: Kills = field(default_factory=Kills)
    started: float = field(default_factory=time.monotonic)

    @property
    def enqueued(self) -> int:
        return sum(len(k.sent) for k in self.kiosks)

    @property
    def pending(self) -> int:
        return sum(k.outbox.pending_count for k in self.kiosks)

    async def gate(self, number: int) -> None:
        """Case `number` of a kiosk waits for its share of the `min_kills` kills: case n (from 0) of M goes
        out after ⌊(n + 1) × min_kills / M⌋ kills, so submissions happen before, between and after them."""
        needed = (number + 1) * self.config.min_kills // max(self.config.cases, 1)
        while self.kills.total < needed:
            await asyncio.sleep(0.05)

    def progress(self) -> str:
        elapsed = time.monotonic() - self.started
        total = self.config.kiosks * self.config.cases
        return (f"[{elapsed:6.1f}s] enqueued={self.enqueued}/{total} pending={self.pending} "
                f"cases={_count_cases(self.db)} kills={self.kills.total} starts={self.platform.starts} "
                f"uploads={sum(k.upload_posts for k in self.kiosks)}")  # fmt: skip


def _count_cases(db: Database) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(Case)) or 0


async def _wait_drained(run: Run, producers: list[asyncio.Task[None]], killer: asyncio.Task[None]) -> None:
    """Until every producer finished and every outbox is empty; progress lines on the way; SoakError when
    nothing moves for `stall_s` (a hung platform: kills alone do not show it)."""
    last_line = last_move = time.monotonic()
    mark = (run.enqueued, run.pending)
    while not (all(p.done() for p in producers) and run.pending == 0):
        for task in [*producers, killer]:
            if task.done():
                task.result()  # re-raises a failed upload or restart; the killer only ends when told
        await asyncio.sleep(0.05)
        now = time.monotonic()
        if (run.enqueued, run.pending) != mark:
            mark, last_move = (run.enqueued, run.pending), now
        elif now - last_move > run.config.stall_s:
            raise SoakError(f"no submission moved for {run.config.stall_s:.0f} s: {run.progress()}\n"
                            f"{run.platform.log_tail()}")  # fmt: skip
        if not run.config.quiet and now - last_line >= run.config.progress_every_s:
            last_line = now
            print(await asyncio.to_thread(run.progress), flush=True)


async def drive(run: Run, rng: random.Random) -> None:
    """Produce and deliver everything while the killer works."""
    done = asyncio.Event()
    senders = [asyncio.create_task(k.outbox.run_forever(k.channel, idle_s=0.05)) for k in run.kiosks]
    producers = [
        asyncio.create_task(
            k.produce(run.config.cases, run.config.material_share, random.Random(rng.random()), run.gate)
        )
        for k in run.kiosks
    ]
    killer = asyncio.create_task(
        kill_repeatedly(
            run.platform, run.db, done, random.Random(rng.random()), run.config.kill_every_s, run.kills
        )
    )
    try:
        async with asyncio.timeout(run.config.deadline_s):
            await _wait_drained(run, producers, killer)
        done.set()
        await killer
    finally:
        done.set()
        for task in [*senders, *producers]:
            task.cancel()
        await asyncio.gather(*senders, *producers, return_exceptions=True)
        with contextlib.suppress(Exception):
            await killer  # a restart under way finishes, so the caller's cleanup kills the last process


# --- the check ---------------------------------------------------------------------------------------------


@dataclass
class Check:
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    materials_bad: int = 0
    cases: int = 0
    materials: int = 0


def _case_rows(db: Database) -> list[tuple[int | None, str | None, list[dict[str, Any]]]]:
    """(terminal, idempotency key, material references) of every case: no sealed column is read."""
    with db.session(write=False) as session:
        rows = session.execute(select(Case.terminal_id, Case.idempotency_key, Case.materials)).all()
    return [(terminal_id, key, list(materials or [])) for terminal_id, key, materials in rows]


def _material_intact(store: ObjectStore, ref: dict[str, Any]) -> bool:
    """The object exists, opens, and hashes to the reference's SM3 digest and size."""
    try:
        data = store.get(str(ref["object_key"]))
    except Exception:
        return False
    return sm3(data).hex() == ref.get("sm3") and len(data) == ref.get("size")


def check(db: Database, store: ObjectStore, kiosks: list[Kiosk]) -> Check:
    """Every submission against the database, every material reference against the object store."""
    sent: dict[tuple[int | None, str | None], dict[str, Any] | None] = {
        (k.terminal_id, key): ref for k in kiosks for key, ref in k.sent.items()
    }
    rows = _case_rows(db)
    per_key = Counter((terminal_id, key) for terminal_id, key, _ in rows)
    result = Check(cases=len(rows), materials_bad=sum(k.bad_uploads for k in kiosks))
    result.lost = len(sent.keys() - per_key.keys())
    result.duplicated = sum(1 for count in per_key.values() if count > 1)
    result.unexpected = sum(count for found, count in per_key.items() if found not in sent)
    for terminal_id, key, refs in rows:
        expected = sent.get((terminal_id, key))
        if (terminal_id, key) in sent and refs != ([expected] if expected else []):
            result.materials_bad += 1  # the case does not reference what the kiosk sent
        result.materials += len(refs)
        result.materials_bad += sum(1 for ref in refs if not _material_intact(store, ref))
    return result


# --- putting it together -----------------------------------------------------------------------------------


@contextlib.contextmanager
def state_on_tmpfs(fallback: Path, prefix: str = "govkiosk-soak-") -> Iterator[Path]:
    """A directory for the kiosks' state on tmpfs when there is one, removed afterwards, else `fallback`: it
    is the platform that is killed here, and the outbox's fsyncs on a slow disk (~3.5 ms each, 3 per
    submission on this VM) would only add time."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield fallback
        return
    directory = Path(tempfile.mkdtemp(prefix=prefix, dir=shm))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _kiosks(world: World, state_root: Path, url: str) -> list[Kiosk]:
    return [
        Kiosk(i, terminal_id, key, world.item_id, state_root / f"kiosk-{i:03d}", url)
        for i, (terminal_id, key) in enumerate(world.terminals)
    ]


async def soak(config: SoakConfig, *, db_url: str, workdir: Path) -> SoakResult:
    """Seed the (migrated, empty) database at `db_url`, run the kiosks against a platform killed again and
    again, check every submission; the figures (also printed as one line)."""
    started, rng = time.monotonic(), random.Random(config.seed)
    import_all_models()
    db = Database(db_url)
    try:
        world = seed(db, config.kiosks)
        with state_on_tmpfs(workdir / "kiosks") as state_root, running_platform(db_url, workdir) as platform:
            kiosks = _kiosks(world, state_root, platform.url)
            run = Run(config, platform, db, kiosks)
            try:
                await drive(run, rng)
            finally:
                await asyncio.gather(*(k.close() for k in kiosks))
            result = _result(run, check(db, material_store(workdir), kiosks), started)
    finally:
        db.dispose()
    if not config.quiet:
        print(result.line(), flush=True)
    return result


def _result(run: Run, found: Check, started: float) -> SoakResult:
    return SoakResult(
        lost=found.lost, duplicated=found.duplicated, unexpected=found.unexpected,
        materials_bad=found.materials_bad, cases=found.cases, kills=run.kills.total,
        seconds=round(time.monotonic() - started, 1), submissions=run.enqueued, materials=found.materials,
        kills_after_commit=run.kills.after_commit, platform_starts=run.platform.starts,
        upload_posts=sum(k.upload_posts for k in run.kiosks),
        duplicate_answers=sum(k.duplicate_answers for k in run.kiosks),
        dead_letters=sum(len(k.outbox.dead_letters()) for k in run.kiosks),
        quarantined=sum(len(list(k.outbox.quarantine_dir.iterdir())) for k in run.kiosks),
        down_s=round(run.kills.down_s, 1),
    )  # fmt: skip


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m govkiosk.sim.soak", description=__doc__.split("\n")[0])
    parser.add_argument("--kiosks", type=int, default=50, help="simulated kiosks (default 50)")
    parser.add_argument("--cases", type=int, default=1000, help="cases per kiosk (default 1000)")
    parser.add_argument("--kill-every", type=float, default=5.0, help="mean platform uptime in s (default 5)")
    parser.add_argument("--min-kills", type=int, default=0, help="spread the cases over ≥ this many kills")
    parser.add_argument("--materials", type=float, default=0.2, help="share of cases with a material (0.2)")
    parser.add_argument("--db", help="a migrated, EMPTY database URL (default: a new SQLite file)")
    parser.add_argument("--workdir", type=Path, help="for the database, materials and platform log")
    parser.add_argument("--seed", type=int, help="seed of the run's random choices")
    parser.add_argument("--deadline", type=float, help="give up after this many seconds")
    parser.add_argument("--progress-every", type=float, default=5.0, help="seconds between progress lines")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """`make soak`: exit status 0 when nothing was lost, duplicated, unexpected or damaged."""
    args = _parse(argv)
    logging.getLogger("govkiosk.agent").setLevel(logging.ERROR)  # thousands of expected retries otherwise
    config = SoakConfig(
        kiosks=args.kiosks, cases=args.cases, material_share=args.materials, kill_every_s=args.kill_every,
        min_kills=args.min_kills, deadline_s=args.deadline, progress_every_s=args.progress_every,
        seed=args.seed,
    )  # fmt: skip
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="govkiosk-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"soak: {config.kiosks} kiosks × {config.cases} cases, workdir {workdir}", flush=True)
    try:
        result = asyncio.run(soak(config, db_url=args.db or fresh_sqlite(workdir), workdir=workdir))
    except KeyboardInterrupt:  # Ctrl-C: the platform and the kiosks have been stopped on the way out
        print(f"soak: interrupted; nothing checked (workdir {workdir})", file=sys.stderr, flush=True)
        return 130
    print("details:", asdict(result), flush=True)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
