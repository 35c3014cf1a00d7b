"""The outbox (发件箱): citizens' submissions kept on disk, encrypted, until the platform acknowledges.

One file per submission in `state_dir/outbox/pending/`, sealed with SM4-GCM under a key in
`state_dir/outbox.key` (0600), written atomically (temp, fsync, rename, fsync of the directory). Delivery is
at least once with the same idempotency key on every retry; the platform deduplicates, so each submission
becomes exactly one case. See docs/agent-outbox.md.
"""

import asyncio
import contextlib
import logging
import os
import random
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pydantic import BaseModel, ValidationError

from govkiosk.agent.sync.backoff import Backoff
from govkiosk.agent.sync.client import PlatformUnavailable, TerminalClient, parse_retry_after
from govkiosk.contracts.masking import mask_id_number
from govkiosk.contracts.terminal_api import CASES_PATH, CaseReceipt, CaseSubmission

log = logging.getLogger(__name__)

MAGIC = b"GKOB\x01"  # format name and version; also authenticated as associated data
NONCE_BYTES, TAG_BYTES, KEY_BYTES = 12, 16, 16
SUFFIX = ".gko"
KEY_FILE = "outbox.key"
RETRY_STATUSES = frozenset({401, 408, 409, 425, 429})  # 4xx answers that are not a permanent refusal
MAX_RETRY_AFTER_S = 600.0

QUEUED_ZH = "已排队，网络恢复后自动提交"
QUEUED_EN = "Queued: it will be submitted automatically when the network is back."

EventKind = Literal["queued", "retrying", "submitted", "dead_letter", "quarantined"]
Outcome = Literal["ack", "retry", "dead"]


def new_idempotency_key() -> str:
    """A fresh idempotency key, made once when the citizen presses submit."""
    return uuid.uuid4().hex


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxCorrupted(Exception):
    """An entry file (or the key) failed authentication or cannot be read."""


class EntryStatus(BaseModel):
    """One queued submission as listings show it: nothing personal."""

    entry_id: str
    item_id: int
    queued_at: datetime
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = None


class _EntryFile(BaseModel):
    """The plaintext of an entry file."""

    status: EntryStatus
    submission: CaseSubmission


@dataclass(frozen=True)
class OutboxEvent:
    """What the UI may show about a submission (ops alerts on dead letters and quarantine)."""

    kind: EventKind
    entry_id: str
    message_zh: str
    message_en: str
    item_id: int | None = None
    case_number: str | None = None
    detail: str | None = None
    promised_deadline: datetime | None = None  # when the department promised to finish (submitted only)


@dataclass
class DrainReport:
    """What one pass over the due entries did."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0
    quarantined: int = 0


@dataclass(frozen=True)
class _Answer:
    outcome: Outcome
    receipt: CaseReceipt | None = None
    error: str | None = None
    retry_after: float | None = None


class CaseChannel(Protocol):
    """How the outbox reaches `POST {API_PREFIX}{CASES_PATH}`; httpx errors mean the network failed."""

    async def post_case(self, submission: CaseSubmission) -> httpx.Response: ...

    async def reauthenticate(self) -> None: ...


class TerminalCaseChannel:
    """The cases endpoint over the agent's TerminalClient, with the terminal's bearer token."""

    def __init__(
        self,
        terminal: TerminalClient,
        *,
        token: Callable[[], Awaitable[str]],
        reauthenticate: Callable[[], Awaitable[None]],
    ) -> None:
        self.terminal = terminal
        self._token = token
        self._reauthenticate = reauthenticate

    async def post_case(self, submission: CaseSubmission) -> httpx.Response:
        """Send one submission; the answer is classified by the outbox."""
        headers = {
            "Authorization": f"Bearer {await self._token()}",
            "Idempotency-Key": submission.idempotency_key,
        }
        body = submission.model_dump(mode="json")
        return await self.terminal.http.post(self.terminal.base + CASES_PATH, json=body, headers=headers)

    async def reauthenticate(self) -> None:
        """Drop the rejected token and get a new one."""
        await self._reauthenticate()


class EntryCipher:
    """SM4-GCM sealing of entry files; the entry id is bound in as associated data."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise OutboxCorrupted("an SM4 key has 16 bytes")
        self._key = key

    def seal(self, entry_id: str, plaintext: bytes) -> bytes:
        """MAGIC || nonce || ciphertext || tag."""
        nonce = os.urandom(NONCE_BYTES)
        encryptor = Cipher(algorithms.SM4(self._key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(MAGIC + entry_id.encode())
        body = encryptor.update(plaintext) + encryptor.finalize()
        return MAGIC + nonce + body + encryptor.tag

    def open(self, entry_id: str, blob: bytes) -> bytes:
        """The plaintext of a sealed entry, or OutboxCorrupted when anything was altered."""
        if len(blob) < len(MAGIC) + NONCE_BYTES + TAG_BYTES or not blob.startswith(MAGIC):
            raise OutboxCorrupted("not an outbox entry")
        nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
        body, tag = blob[len(MAGIC) + NONCE_BYTES : -TAG_BYTES], blob[-TAG_BYTES:]
        decryptor = Cipher(algorithms.SM4(self._key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(MAGIC + entry_id.encode())
        try:
            return decryptor.update(body) + decryptor.finalize()
        except InvalidTag as exc:
            raise OutboxCorrupted("authentication failed") from exc


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_file(directory: Path, data: bytes) -> str:
    """A fully written, fsynced temporary file (mode 0600) in `directory`."""
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_durably(path: Path, data: bytes) -> None:
    """Replace `path` atomically and durably: a crash leaves the old file or the new one, never half."""
    tmp = _temp_file(path.parent, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def load_or_create_key(path: Path) -> bytes:
    """The outbox key (16 bytes, hex, mode 0600), created on first use; never overwritten once there."""
    if not path.exists():
        tmp = _temp_file(path.parent, os.urandom(KEY_BYTES).hex().encode())
        with contextlib.suppress(FileExistsError):  # another process made one first: use that one
            os.link(tmp, path)
        Path(tmp).unlink()
        _fsync_dir(path.parent)
    try:
        key = bytes.fromhex(path.read_text().strip())
    except ValueError as exc:
        raise OutboxCorrupted(f"{path.name} is not a hex key") from exc
    if len(key) != KEY_BYTES:
        raise OutboxCorrupted(f"{path.name} does not hold a 16-byte key")
    return key


class Outbox:
    """Submissions waiting for the platform: `enqueue`, then `run_forever(channel)` delivers them."""

    def __init__(
        self,
        state_dir: Path,
        *,
        on_event: Callable[[OutboxEvent], None] | None = None,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 300.0,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.pending_dir = state_dir / "outbox" / "pending"
        self.dead_dir = state_dir / "outbox" / "dead"
        self.quarantine_dir = state_dir / "outbox" / "quarantine"
        for directory in (self.pending_dir, self.dead_dir, self.quarantine_dir):
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._cipher = EntryCipher(load_or_create_key(state_dir / KEY_FILE))
        self.on_event = on_event
        self.backoff_base_s, self.backoff_cap_s = backoff_base_s, backoff_cap_s
        self.rng = rng or random.Random()
        self.clock = clock
        self._entries: dict[str, EntryStatus] = {}
        self._by_key: dict[str, str] = {}  # idempotency key → entry id: a second press is not a second case
        self._key_of: dict[str, str] = {}
        self._paused_until: datetime | None = None
        self._drain_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._load()

    # --- queueing --------------------------------------------------------------------------------

    def enqueue(self, submission: CaseSubmission) -> str:
        """Persist a submission durably (before the citizen is told anything); return its entry id."""
        known = self._by_key.get(submission.idempotency_key)
        if known is not None:
            return known
        now = self.clock()
        status = EntryStatus(
            entry_id=uuid.uuid4().hex, item_id=submission.item_id, queued_at=now, next_attempt_at=now
        )
        self._write(self.pending_dir, status, submission)
        self._remember(status, submission)
        log.info(
            "outbox_queued entry=%s item=%s applicant=%s",
            status.entry_id,
            status.item_id,
            mask_id_number(submission.applicant.id_number),
        )
        self._emit("queued", status.entry_id, status.item_id, QUEUED_ZH, QUEUED_EN)
        self._wake.set()
        return status.entry_id

    def pending(self) -> list[EntryStatus]:
        """The entries not yet acknowledged, oldest first."""
        return sorted((s.model_copy() for s in self._entries.values()), key=lambda s: s.queued_at)

    @property
    def pending_count(self) -> int:
        """How many entries wait for the platform."""
        return len(self._entries)

    def dead_letters(self) -> list[EntryStatus]:
        """The entries the platform refused for good (for the operator; still encrypted on disk)."""
        found = []
        for path in sorted(self.dead_dir.glob("*" + SUFFIX)):
            with contextlib.suppress(OutboxCorrupted, OSError):
                found.append(self._read(path).status)
        return found

    def wake(self) -> None:
        """Try now (e.g. the network came back), ignoring the current pause."""
        self._paused_until = None
        self._wake.set()

    # --- delivery --------------------------------------------------------------------------------

    async def run_forever(self, channel: CaseChannel, *, idle_s: float = 30.0) -> None:
        """Deliver until cancelled, sleeping until the next entry is due or something is enqueued."""
        while True:
            self._wake.clear()
            await self.drain_once(channel)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._next_delay(idle_s))

    async def drain_once(self, channel: CaseChannel) -> DrainReport:
        """One pass over the due entries, oldest first; stops at the first transient failure."""
        report = DrainReport()
        async with self._drain_lock:
            for status in self._due():
                outcome = await self._deliver(channel, status)
                if outcome == "ack":
                    report.delivered += 1
                elif outcome == "dead":
                    report.dead += 1
                elif outcome == "retry":
                    report.retried += 1
                    break  # the link is down or the platform is busy: the backoff decides when to retry
                else:
                    report.quarantined += 1
        return report

    def _due(self) -> list[EntryStatus]:
        now = self.clock()
        if self._paused_until is not None and now < self._paused_until:
            return []
        due = [s for s in self._entries.values() if s.next_attempt_at <= now]
        return sorted(due, key=lambda s: s.queued_at)

    def _next_delay(self, idle_s: float) -> float:
        moments = [s.next_attempt_at for s in self._entries.values()]
        if self._paused_until is not None:
            moments = [max(m, self._paused_until) for m in moments]
        if not moments:
            return idle_s
        return min(max((min(moments) - self.clock()).total_seconds(), 0.0), idle_s)

    async def _deliver(self, channel: CaseChannel, status: EntryStatus) -> Outcome | Literal["quarantined"]:
        path = self._path(status.entry_id)
        try:
            entry = self._read(path)
        except OutboxCorrupted as exc:
            self._quarantine(path, str(exc))
            return "quarantined"
        answer = await _post(channel, entry.submission)
        if answer.outcome == "ack":
            self._acknowledge(entry.status, answer.receipt)
        elif answer.outcome == "retry":
            self._reschedule(entry, answer)
        else:
            self._bury(entry, answer.error or "refused")
        return answer.outcome

    def _acknowledge(self, status: EntryStatus, receipt: CaseReceipt | None) -> None:
        self._path(status.entry_id).unlink(missing_ok=True)
        _fsync_dir(self.pending_dir)
        self._forget(status.entry_id)
        self._paused_until = None
        log.info(
            "outbox_delivered entry=%s case=%s", status.entry_id, receipt.case_number if receipt else "-"
        )
        number = receipt.case_number if receipt else None
        zh, en = (
            (f"已提交，办件编号 {number}", f"Submitted: case number {number}")
            if number
            else ("已提交", "Submitted")
        )
        deadline = receipt.promised_deadline if receipt else None
        self._emit(
            "submitted",
            status.entry_id,
            status.item_id,
            zh,
            en,
            case_number=number,
            promised_deadline=deadline,
        )

    def _reschedule(self, entry: _EntryFile, answer: _Answer) -> None:
        status = entry.status
        if answer.retry_after is not None:
            delay = min(answer.retry_after, MAX_RETRY_AFTER_S) * self.rng.uniform(1.0, 1.2)
        else:
            backoff = Backoff(base=self.backoff_base_s, cap=self.backoff_cap_s, rng=self.rng)
            backoff.attempt = status.attempts
            delay = backoff.next()
        status.attempts += 1
        status.last_error = answer.error
        status.next_attempt_at = self.clock() + timedelta(seconds=delay)
        self._paused_until = status.next_attempt_at
        self._write(self.pending_dir, status, entry.submission)
        self._entries[status.entry_id] = status
        log.warning("outbox_retry entry=%s attempts=%s error=%s retry_in_s=%.2f", status.entry_id,
                    status.attempts, answer.error, delay)  # fmt: skip
        self._emit("retrying", status.entry_id, status.item_id, QUEUED_ZH, QUEUED_EN, detail=answer.error)

    def _bury(self, entry: _EntryFile, error: str) -> None:
        """Move a refused entry to the dead-letter folder, with the platform's message."""
        entry.status.last_error = error
        self._write(self.pending_dir, entry.status, entry.submission)
        os.replace(self._path(entry.status.entry_id), self.dead_dir / (entry.status.entry_id + SUFFIX))
        _fsync_dir(self.dead_dir)
        _fsync_dir(self.pending_dir)
        self._forget(entry.status.entry_id)
        log.error("outbox_dead_letter entry=%s item=%s error=%s", entry.status.entry_id, entry.status.item_id,
                  error)  # fmt: skip
        zh = "提交被平台拒绝，请联系工作人员"
        en = "The platform refused this submission; please ask staff for help."
        self._emit("dead_letter", entry.status.entry_id, entry.status.item_id, zh, en, detail=error)

    def _quarantine(self, path: Path, reason: str) -> None:
        """Set aside a file that failed authentication: never sent, kept for investigation."""
        entry_id = path.name.removesuffix(SUFFIX)
        os.replace(path, self.quarantine_dir / path.name)
        _fsync_dir(self.quarantine_dir)
        _fsync_dir(self.pending_dir)
        status = self._entries.get(entry_id)
        self._forget(entry_id)
        log.error("outbox_quarantined entry=%s reason=%s", entry_id, reason)
        zh = "提交记录已损坏，请联系工作人员"
        en = "A queued submission is damaged; please ask staff for help."
        self._emit("quarantined", entry_id, status.item_id if status else None, zh, en, detail=reason)

    # --- files and bookkeeping -------------------------------------------------------------------

    def _load(self) -> None:
        """Reload the pending entries after a restart; drop unfinished temporary files."""
        for leftover in self.pending_dir.glob(".tmp-*"):
            leftover.unlink(missing_ok=True)
        for path in sorted(self.pending_dir.glob("*" + SUFFIX)):
            try:
                entry = self._read(path)
            except OutboxCorrupted as exc:
                self._quarantine(path, str(exc))
                continue
            self._remember(entry.status, entry.submission)

    def _path(self, entry_id: str) -> Path:
        return self.pending_dir / (entry_id + SUFFIX)

    def _write(self, directory: Path, status: EntryStatus, submission: CaseSubmission) -> None:
        plaintext = _EntryFile(status=status, submission=submission).model_dump_json().encode()
        write_durably(directory / (status.entry_id + SUFFIX), self._cipher.seal(status.entry_id, plaintext))

    def _read(self, path: Path) -> _EntryFile:
        entry_id = path.name.removesuffix(SUFFIX)
        plaintext = self._cipher.open(entry_id, path.read_bytes())
        try:
            entry = _EntryFile.model_validate_json(plaintext)
        except ValidationError as exc:
            raise OutboxCorrupted("unreadable entry") from exc
        if entry.status.entry_id != entry_id:
            raise OutboxCorrupted("entry id does not match its file")
        return entry

    def _remember(self, status: EntryStatus, submission: CaseSubmission) -> None:
        self._entries[status.entry_id] = status
        self._by_key[submission.idempotency_key] = status.entry_id
        self._key_of[status.entry_id] = submission.idempotency_key

    def _forget(self, entry_id: str) -> None:
        self._entries.pop(entry_id, None)
        self._by_key.pop(self._key_of.pop(entry_id, ""), None)

    def _emit(
        self, kind: EventKind, entry_id: str, item_id: int | None, zh: str, en: str, **extra: Any
    ) -> None:
        if self.on_event is not None:
            self.on_event(OutboxEvent(kind, entry_id, zh, en, item_id, **extra))


async def _post(channel: CaseChannel, submission: CaseSubmission) -> _Answer:
    """Send once (twice after a 401, re-authenticating in between) and classify the answer."""
    for first in (True, False):
        try:
            response = await channel.post_case(submission)
            if response.status_code == 401 and first:
                await channel.reauthenticate()
                continue
        except PlatformUnavailable as exc:  # e.g. the token request answered 503 Busy: wait as it said
            return _Answer("retry", error=f"{type(exc).__name__}", retry_after=exc.retry_after)
        except Exception as exc:  # network, authentication outage, anything: the entry stays and is retried
            return _Answer("retry", error=f"{type(exc).__name__}")
        return classify(response)
    raise AssertionError("unreachable")


def classify(response: httpx.Response) -> _Answer:
    """What an answer of the cases endpoint means for the entry."""
    status = response.status_code
    receipt = _receipt(response)
    if 200 <= status < 300:
        return _Answer("ack", receipt) if receipt else _Answer("retry", error=f"{status} unreadable answer")
    code, message = _error_of(response)
    if status == 409 and (receipt is not None or "duplicate" in code):
        # The platform already has this case: acknowledged (the number comes only with a receipt body).
        return _Answer("ack", receipt)
    if status >= 500 or status in RETRY_STATUSES - {409} or status < 400:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return _Answer("retry", error=f"{status} {code}", retry_after=retry_after)
    return _Answer("dead", error=f"{status} {code}: {message}"[:500])


def _receipt(response: httpx.Response) -> CaseReceipt | None:
    try:
        return CaseReceipt.model_validate_json(response.content)
    except ValidationError:
        return None


def _error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        error = response.json()["error"]
        return str(error["code"]), str(error.get("message", ""))
    except (ValueError, KeyError, TypeError):
        return f"http_{response.status_code}", response.reason_phrase
