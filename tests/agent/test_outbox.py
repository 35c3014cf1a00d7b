"""The outbox: encrypted entries, restart recovery, retries, duplicates, dead letters, and kill -9 mid-flight.

Run as `python -m tests.agent.test_outbox child STATE_DIR URL TOTAL` it is the crash test's child process.
"""

import asyncio
import json
import logging
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from govkiosk.agent.devices.id_numbers import check_digit
from govkiosk.agent.sync.client import PlatformUnavailable, TerminalClient
from govkiosk.agent.sync.outbox import (
    KEY_FILE,
    QUEUED_ZH,
    Outbox,
    OutboxEvent,
    TerminalCaseChannel,
    classify,
    new_idempotency_key,
)
from govkiosk.contracts.masking import mask_id_number
from govkiosk.contracts.terminal_api import API_PREFIX, CASES_PATH, Applicant, CaseSubmission

ROOT = Path(__file__).resolve().parents[2]
ID_NUMBER = "44030419900101123" + check_digit("44030419900101123")
NAME = "测试张三"
CASES_URL = API_PREFIX + CASES_PATH
TOKEN = "terminal-token-1"


def make_submission(**overrides: Any) -> CaseSubmission:
    """A submission of a synthetic citizen (测试 prefix), with a fresh idempotency key."""
    fields: dict[str, Any] = {
        "idempotency_key": new_idempotency_key(),
        "item_id": 7,
        "item_version": 2,
        "data": {"reason": "测试"},
        "applicant": Applicant(name=NAME, id_number=ID_NUMBER, verified_by="idcard_face"),
        "submitted_at": datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
    }
    fields.update(overrides)
    return CaseSubmission(**fields)


class Clock:
    """A settable UTC clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeCases:
    """The platform's cases endpoint in memory: deduplicating by key; `script` answers first."""

    script: list[int | Exception | tuple[int, dict[str, Any]]] = field(default_factory=list)
    duplicate_status: int = 200
    cases: dict[str, str] = field(default_factory=dict)
    keys_seen: list[str] = field(default_factory=list)
    tokens_seen: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == CASES_URL
        body = json.loads(request.content)
        self.keys_seen.append(body["idempotency_key"])
        self.tokens_seen.append(request.headers["authorization"])
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, Exception):
                raise step
            status, payload = step if isinstance(step, tuple) else (step, {"error": {"code": f"e{step}"}})
            return httpx.Response(status, json=payload, headers={"Retry-After": "0"} if status == 429 else {})
        return self._record(body["idempotency_key"])

    def _record(self, key: str) -> httpx.Response:
        if key in self.cases:
            if self.duplicate_status == 409:
                return httpx.Response(
                    409, json={"error": {"code": "duplicate_submission", "message": "known"}}
                )
            receipt = {"case_number": self.cases[key], "state": "submitted", "duplicate": True}
            return httpx.Response(200, json=receipt)
        self.cases[key] = f"SZ2026{len(self.cases) + 1:06d}"
        return httpx.Response(
            201, json={"case_number": self.cases[key], "state": "submitted", "duplicate": False}
        )


@contextmanager
def channel_to(fake: FakeCases) -> Iterator[tuple[TerminalCaseChannel, list[str]]]:
    """A TerminalCaseChannel over a MockTransport to `fake`; the list records re-authentications."""
    tokens = iter(f"terminal-token-{n}" for n in range(1, 100))
    state = {"token": next(tokens)}
    reauths: list[str] = []

    async def token() -> str:
        return state["token"]

    async def reauthenticate() -> None:
        state["token"] = next(tokens)
        reauths.append(state["token"])

    http = httpx.AsyncClient(transport=httpx.MockTransport(fake.handle))
    yield (
        TerminalCaseChannel(
            TerminalClient(http, "http://platform.test"), token=token, reauthenticate=reauthenticate
        ),
        reauths,
    )


def outbox_at(state_dir: Path, events: list[OutboxEvent] | None = None, **kwargs: Any) -> Outbox:
    """An outbox with quick backoff recording its events."""
    settings: dict[str, Any] = {"backoff_base_s": 1.0, "backoff_cap_s": 60.0, "rng": random.Random(1)}
    settings.update(kwargs)
    return Outbox(state_dir, on_event=events.append if events is not None else None, **settings)


def entry_files(state_dir: Path, folder: str = "pending") -> list[Path]:
    return sorted((state_dir / "outbox" / folder).glob("*.gko"))


# --- encryption ------------------------------------------------------------------------------------


def test_sm4_gcm_of_the_installed_cryptography_matches_rfc_8998() -> None:
    key, iv = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210"), bytes.fromhex("00001234567800000000ABCD")
    plain = bytes.fromhex("".join(c * 16 for c in "ABCDEFEA"))
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(iv)).encryptor()
    encryptor.authenticate_additional_data(bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2"))
    cipher = encryptor.update(plain) + encryptor.finalize()
    assert cipher.hex().upper().startswith("17F399F08C67D5EE19D0DC9969C4BB7D")
    assert encryptor.tag.hex().upper() == "83DE3541E4C2B58177E065A9BF7B62EC"


def test_entries_on_disk_are_encrypted_and_the_key_is_private(tmp_path: Path) -> None:
    outbox = outbox_at(tmp_path)
    entry_id = outbox.enqueue(make_submission())
    [path] = entry_files(tmp_path)
    blob = path.read_bytes()
    assert path.name == f"{entry_id}.gko" and blob.startswith(b"GKOB\x01")
    for secret in (NAME.encode(), ID_NUMBER.encode(), ID_NUMBER[:10].encode(), "测试".encode()):
        assert secret not in blob
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    listing = json.dumps([s.model_dump(mode="json") for s in outbox.pending()], ensure_ascii=False)
    assert NAME not in listing and ID_NUMBER not in listing and entry_id in listing


def _flip_a_byte(path: Path, offset: int = 40) -> None:
    blob = bytearray(path.read_bytes())
    blob[offset] ^= 0x01
    path.write_bytes(bytes(blob))


async def test_a_flipped_byte_is_quarantined_at_restart_and_never_sent(tmp_path: Path) -> None:
    outbox_at(tmp_path).enqueue(make_submission())
    _flip_a_byte(entry_files(tmp_path)[0])
    events: list[OutboxEvent] = []
    restarted = outbox_at(tmp_path, events)
    fake = FakeCases()
    with channel_to(fake) as (channel, _):
        report = await restarted.drain_once(channel)
    assert report.delivered == 0 and fake.keys_seen == [] and restarted.pending() == []
    assert len(entry_files(tmp_path, "quarantine")) == 1 and [e.kind for e in events] == ["quarantined"]


async def test_a_flipped_byte_after_loading_is_caught_before_sending(tmp_path: Path) -> None:
    events: list[OutboxEvent] = []
    outbox = outbox_at(tmp_path, events)
    outbox.enqueue(make_submission())
    _flip_a_byte(entry_files(tmp_path)[0], offset=-3)
    fake = FakeCases()
    with channel_to(fake) as (channel, _):
        report = await outbox.drain_once(channel)
    assert report.quarantined == 1 and fake.keys_seen == []
    assert events[-1].kind == "quarantined" and events[-1].message_en


# --- delivery --------------------------------------------------------------------------------------


async def test_pending_entries_survive_a_restart_and_are_delivered_in_order(tmp_path: Path) -> None:
    submissions = [make_submission(item_id=n) for n in (1, 2, 3)]
    first = outbox_at(tmp_path)
    ids = [first.enqueue(s) for s in submissions]
    restarted = outbox_at(tmp_path)
    assert [s.entry_id for s in restarted.pending()] == ids
    fake = FakeCases()
    with channel_to(fake) as (channel, _):
        report = await restarted.drain_once(channel)
    assert report.delivered == 3 and fake.keys_seen == [s.idempotency_key for s in submissions]
    assert restarted.pending() == [] and entry_files(tmp_path) == []


async def test_retries_with_backoff_carry_the_same_key_until_the_platform_answers(tmp_path: Path) -> None:
    clock, events = Clock(), []
    outbox = outbox_at(tmp_path, events, clock=clock)
    submission = make_submission()
    outbox.enqueue(submission)
    fake = FakeCases(script=[503, httpx.ConnectError("network down"), 500, 502])
    delays = []
    with channel_to(fake) as (channel, _):
        for _ in range(4):
            assert (await outbox.drain_once(channel)).retried == 1
            [status] = outbox.pending()
            delays.append((status.next_attempt_at - clock.now).total_seconds())
            assert (await outbox.drain_once(channel)).retried == 0  # not due yet: nothing is sent
            clock.advance(delays[-1])
        assert (await outbox.drain_once(channel)).delivered == 1
    for attempt, delay in enumerate(delays):
        assert 2**attempt / 2 <= delay <= 2**attempt  # base 1 s, doubled, "equal jitter"
    assert fake.keys_seen == [submission.idempotency_key] * 5
    assert [e.kind for e in events] == ["queued", "retrying", "retrying", "retrying", "retrying", "submitted"]
    assert (
        events[1].message_zh == QUEUED_ZH and events[-1].case_number == fake.cases[submission.idempotency_key]
    )
    assert "办件编号" in events[-1].message_zh


async def test_retry_after_and_the_other_transient_statuses(tmp_path: Path) -> None:
    clock = Clock()
    outbox = outbox_at(tmp_path, clock=clock)
    outbox.enqueue(make_submission())
    fake = FakeCases(script=[429, 408, 425])
    with channel_to(fake) as (channel, _):
        for _ in range(3):
            assert (await outbox.drain_once(channel)).retried == 1
            clock.advance(120)
        assert (await outbox.drain_once(channel)).delivered == 1
    assert outbox.pending() == []


async def test_a_busy_platform_is_retried_after_the_time_it_asked_for(tmp_path: Path) -> None:
    # The platform answers 503 Busy with Retry-After 2 when SQLite's writer lock is not free in time: to the
    # token request that precedes a submission (first pass) and to the submission itself (second pass).
    clock = Clock()
    outbox = outbox_at(tmp_path, clock=clock, backoff_cap_s=0.5)
    outbox.enqueue(make_submission())
    fake = FakeCases()
    refusals = [PlatformUnavailable("503 from /auth/challenge", retry_after=2.0)]
    answers = [httpx.Response(503, json={"error": {"code": "busy"}}, headers={"Retry-After": "2"})]

    async def token() -> str:
        if refusals:
            raise refusals.pop()
        return "terminal-token"

    async def reauthenticate() -> None:
        raise AssertionError("a 503 is not an authentication failure")

    def handle(request: httpx.Request) -> httpx.Response:
        return answers.pop() if answers else fake.handle(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as http:
        client = TerminalClient(http, "http://platform.test")
        channel = TerminalCaseChannel(client, token=token, reauthenticate=reauthenticate)
        for _ in range(2):
            assert (await outbox.drain_once(channel)).retried == 1
            [status] = outbox.pending()
            assert 2.0 <= (status.next_attempt_at - clock.now).total_seconds() <= 2.4  # not the 0.5 s cap
            clock.advance(2.4)
        assert (await outbox.drain_once(channel)).delivered == 1
    assert len(fake.cases) == 1


async def test_network_loss_pauses_the_whole_queue_until_the_backoff_or_a_wake(tmp_path: Path) -> None:
    clock = Clock()
    outbox = outbox_at(tmp_path, clock=clock)
    for _ in range(3):
        outbox.enqueue(make_submission())
    fake = FakeCases(script=[httpx.ConnectError("down")])
    with channel_to(fake) as (channel, _):
        assert (await outbox.drain_once(channel)).retried == 1
        assert (await outbox.drain_once(channel)).retried == 0 and len(fake.keys_seen) == 1  # one probe only
        outbox.wake()
        assert (await outbox.drain_once(channel)).delivered == 2  # the third waits for its own backoff
        clock.advance(5)
        assert (await outbox.drain_once(channel)).delivered == 1


async def test_a_401_reauthenticates_and_retries_at_once(tmp_path: Path) -> None:
    outbox = outbox_at(tmp_path)
    outbox.enqueue(make_submission())
    fake = FakeCases(script=[401])
    with channel_to(fake) as (channel, reauths):
        assert (await outbox.drain_once(channel)).delivered == 1
    assert reauths == ["terminal-token-2"]
    assert fake.tokens_seen == ["Bearer terminal-token-1", "Bearer terminal-token-2"]


@pytest.mark.parametrize("duplicate_status", [200, 409])
async def test_a_known_submission_counts_as_acknowledged(tmp_path: Path, duplicate_status: int) -> None:
    submission = make_submission()
    fake = FakeCases(duplicate_status=duplicate_status)
    fake.cases[submission.idempotency_key] = "SZ2026000042"  # delivered before; the answer was lost
    events: list[OutboxEvent] = []
    outbox = outbox_at(tmp_path, events)
    outbox.enqueue(submission)
    with channel_to(fake) as (channel, _):
        assert (await outbox.drain_once(channel)).delivered == 1
    assert outbox.pending() == [] and entry_files(tmp_path) == [] and len(fake.cases) == 1
    assert events[-1].kind == "submitted"
    assert events[-1].case_number == ("SZ2026000042" if duplicate_status == 200 else None)


async def test_a_permanent_refusal_goes_to_the_dead_letter_folder(tmp_path: Path) -> None:
    events: list[OutboxEvent] = []
    outbox = outbox_at(tmp_path, events)
    entry_id = outbox.enqueue(make_submission())
    refusal = {"error": {"code": "item_not_offered", "message": "item 7 is not offered here"}}
    fake = FakeCases(script=[(422, refusal)])
    with channel_to(fake) as (channel, _):
        assert (await outbox.drain_once(channel)).dead == 1
        assert (await outbox.drain_once(channel)).dead == 0
    assert len(fake.keys_seen) == 1 and outbox.pending() == []
    [dead] = outbox.dead_letters()
    assert dead.entry_id == entry_id and dead.last_error == "422 item_not_offered: item 7 is not offered here"
    assert events[-1].kind == "dead_letter" and "item 7 is not offered" in (events[-1].detail or "")
    assert NAME.encode() not in entry_files(tmp_path, "dead")[0].read_bytes()


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (400, {"error": {"code": "invalid"}}, "dead"),
        (403, {}, "dead"),
        (404, {}, "dead"),
        (409, {"error": {"code": "idempotency_key_conflict"}}, "dead"),
        (409, {"error": {"code": "duplicate_submission"}}, "ack"),
        (401, {}, "retry"),
        (408, {}, "retry"),
        (425, {}, "retry"),
        (429, {}, "retry"),
        (503, {}, "retry"),
        (201, {"case_number": "SZ1", "state": "submitted", "duplicate": False}, "ack"),
        (200, {"unexpected": True}, "retry"),
    ],
)
def test_how_answers_are_classified(status: int, body: dict[str, Any], outcome: str) -> None:
    assert classify(httpx.Response(status, json=body)).outcome == outcome


async def test_a_second_press_with_the_same_key_is_one_entry(tmp_path: Path) -> None:
    outbox = outbox_at(tmp_path)
    submission = make_submission()
    assert outbox.enqueue(submission) == outbox.enqueue(submission)
    assert len(outbox.pending()) == 1 and len(entry_files(tmp_path)) == 1


async def test_run_forever_delivers_what_is_enqueued_and_logs_no_id_number(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="govkiosk.agent.sync.outbox")
    events: list[OutboxEvent] = []
    outbox = outbox_at(tmp_path, events, backoff_base_s=0.01, backoff_cap_s=0.02)
    fake = FakeCases(script=[503])
    with channel_to(fake) as (channel, _):
        runner = asyncio.create_task(outbox.run_forever(channel, idle_s=0.05))
        outbox.enqueue(make_submission())
        for _ in range(200):
            if events and events[-1].kind == "submitted":
                break
            await asyncio.sleep(0.01)
        runner.cancel()
    assert [e.kind for e in events] == ["queued", "retrying", "submitted"]
    assert (
        ID_NUMBER not in caplog.text and NAME not in caplog.text and mask_id_number(ID_NUMBER) in caplog.text
    )


# --- kill -9 ---------------------------------------------------------------------------------------

CRASH_TOTAL = 1000
MAX_KILLS = 20


@dataclass
class CrashPlatform:
    """A deduplicating cases endpoint over real HTTP that also misbehaves: 503s, 401s and lost answers."""

    rng: random.Random = field(default_factory=lambda: random.Random(503))
    cases: dict[str, int] = field(default_factory=dict)  # idempotency key → seq
    requests: int = 0
    deduplicated: int = 0
    faults: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """(status, body), or None to drop the connection after recording (a lost answer)."""
        key, roll = body["idempotency_key"], self.rng.random()
        with self.lock:
            self.requests += 1
            if roll < 0.03:
                self.faults += 1
                return 503, {"error": {"code": "unavailable"}}
            if key in self.cases:
                self.deduplicated += 1
                if roll < 0.5:
                    return 409, {"error": {"code": "duplicate_submission", "message": "known"}}
                return 200, {"case_number": f"SZ{self.cases[key]}", "state": "submitted", "duplicate": True}
            self.cases[key] = body["data"]["seq"]
            if roll > 0.98:
                self.faults += 1
                return None
            return 201, {"case_number": f"SZ{body['data']['seq']}", "state": "submitted", "duplicate": False}


def _handler(platform: CrashPlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else every answer waits for a delayed ACK (~40 ms)

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            answer = platform.answer(body) if self.path == CASES_URL else (404, {})
            if answer is None:
                self.close_connection = True
                return
            payload = json.dumps(answer[1]).encode()
            self.send_response(answer[0])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A request cut short by SIGKILL is expected here: no traceback."""


@contextmanager
def crash_platform() -> Iterator[tuple[CrashPlatform, str]]:
    platform = CrashPlatform()
    server = _QuietServer(("127.0.0.1", 0), _handler(platform))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield platform, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _run_child(state_dir: Path, url: str, life_s: float | None) -> bool:
    """Run the child once; kill it with SIGKILL after `life_s` seconds of work. True when it finished."""
    command = [
        sys.executable,
        "-m",
        "tests.agent.test_outbox",
        "child",
        str(state_dir),
        url,
        str(CRASH_TOTAL),
    ]
    with open(state_dir / "child.err", "ab") as errors:
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors)
        assert child.stdout is not None
        ready = child.stdout.readline()
        try:
            code = child.wait(timeout=life_s if life_s is not None else 120)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            child.wait()
            return False
    assert ready == b"ready\n" and code == 0, (state_dir / "child.err").read_text()[-3000:]
    return True


@pytest.fixture
def crash_dir(tmp_path: Path) -> Iterator[Path]:
    """The child's state directory: on tmpfs when there is one. kill -9 keeps the page cache, so fsync
    latency adds time without changing what the test shows (fsync matters for power loss, not for kill)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    directory = Path(tempfile.mkdtemp(prefix="govkiosk-outbox-", dir=shm))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_kill_9_during_1000_submissions_loses_none_and_duplicates_none(crash_dir: Path) -> None:
    tmp_path, rng, kills, started = crash_dir, random.Random(), 0, time.monotonic()
    with crash_platform() as (platform, url):
        while not _run_child(tmp_path, url, rng.uniform(0.0, 0.3) if kills < MAX_KILLS else None):
            kills += 1
    told = _read_told(tmp_path / "told.log")
    seqs = sorted(platform.cases.values())
    lost, duplicated = len(set(range(CRASH_TOTAL)) - set(seqs)), len(seqs) - len(set(seqs))
    summary = {
        "submissions": CRASH_TOTAL, "kills": kills, "lost": lost, "duplicated": duplicated,
        "requests": platform.requests, "deduplicated_by_platform": platform.deduplicated,
        "injected_faults": platform.faults, "seconds": round(time.monotonic() - started, 1),
    }  # fmt: skip
    print("crash test:", json.dumps(summary))
    assert kills >= 10  # the child may finish before MAX_KILLS on a fast machine
    assert lost == 0 and duplicated == 0 and len(platform.cases) == CRASH_TOTAL
    assert set(told) <= set(seqs) and len(told) == CRASH_TOTAL
    assert entry_files(tmp_path) == [] and entry_files(tmp_path, "dead") == []
    assert entry_files(tmp_path, "quarantine") == []


def _read_told(path: Path) -> list[int]:
    """The seqs whose citizens were told "queued" (a torn last line is ignored)."""
    if not path.exists():
        return []
    return [int(line) for line in path.read_text().split("\n") if line.strip().isdigit()]


def _crash_submission(seq: int) -> CaseSubmission:
    # The key is made once per form ("press"): a press re-sent after a crash carries the same key.
    key = uuid.uuid5(uuid.NAMESPACE_URL, f"govkiosk-crash-test/{seq}").hex
    return make_submission(idempotency_key=key, data={"seq": seq})


async def _child(state_dir: Path, url: str, total: int) -> None:
    """Enqueue the submissions not yet told, deliver everything, exit when the outbox is empty."""
    told = _read_told(state_dir / "told.log")
    outbox = Outbox(state_dir, backoff_base_s=0.005, backoff_cap_s=0.05)

    async def token() -> str:
        return TOKEN

    async def reauthenticate() -> None:
        return None

    async with httpx.AsyncClient(timeout=5) as http:
        channel = TerminalCaseChannel(TerminalClient(http, url), token=token, reauthenticate=reauthenticate)
        sender = asyncio.create_task(outbox.run_forever(channel, idle_s=0.05))
        print("ready", flush=True)
        told_fd = os.open(state_dir / "told.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        for seq in range(max(told, default=-1) + 1, total):
            outbox.enqueue(_crash_submission(seq))
            os.write(told_fd, f"{seq}\n".encode())  # the citizen is told only after the entry is on disk
            os.fsync(told_fd)
            await asyncio.sleep(0)
        while outbox.pending_count:
            await asyncio.sleep(0.01)
        sender.cancel()


def _main(argv: list[str]) -> None:
    if argv[:1] != ["child"]:
        raise SystemExit("usage: python -m tests.agent.test_outbox child STATE_DIR URL TOTAL")
    asyncio.run(_child(Path(argv[1]), argv[2], int(argv[3])))


if __name__ == "__main__":
    _main(sys.argv[1:])
