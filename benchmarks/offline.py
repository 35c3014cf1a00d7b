"""Offline detection: kiosks stop heartbeating; how long until the platform marks each one offline?

A real server process with a short interval (a root configuration layer sets `heartbeat_interval_s`), a short
grace and a fast sweep; a client heartbeats for every terminal, then half of them fall silent. The delay of
each silent terminal is read from the database: the `connectivity → offline` event's time minus the
`last_seen_at` of its last heartbeat (both written by the server), and, as a cross-check, as observed by a
reader polling the database."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from benchmarks.common import Server, median, progress, running
from benchmarks.seed import create_fleet, heartbeat_json
from govkiosk.platform.core.clock import as_utc
from govkiosk.platform.db.session import Database
from govkiosk.platform.terminals.models import Terminal, TerminalEvent

HEARTBEAT = "/api/terminal/v1/heartbeat"
# A sweep period is `sweep_interval_s` plus the sweep's own run time (milliseconds): the slack allowed past
# the bound before a detection counts as late.
LATE_TOLERANCE_S = 0.1


async def _scenario(
    server: Server,
    db: Database,
    ids: list[int],
    tokens: list[str],
    *,
    interval_s: int,
    bound_s: float,
    beats_before_stop: int,
) -> dict[str, Any]:
    body = heartbeat_json().encode()
    n = len(ids)
    silent = {ids[k] for k in range(0, n, 2)}
    last_sent: dict[int, float] = {}
    bad_answers: list[str] = []
    stop_all = asyncio.Event()
    t0 = time.time() + 0.5

    async def kiosk(k: int, client: httpx.AsyncClient) -> None:
        tid, headers = ids[k], {"Authorization": f"Bearer {tokens[k]}", "Content-Type": "application/json"}
        j = 0
        while not stop_all.is_set():
            if tid in silent and j >= beats_before_stop:
                return
            due = t0 + k * interval_s / n + j * interval_s
            await asyncio.sleep(max(0.0, due - time.time()))
            if stop_all.is_set():
                return
            sent = time.time()
            try:
                r = await client.post(server.base + HEARTBEAT, content=body, headers=headers)
                if r.status_code != 200 or r.json().get("interval_s") != interval_s:
                    bad_answers.append(f"{r.status_code} {r.text[:120]}")
            except httpx.HTTPError as exc:
                bad_answers.append(repr(exc))
            last_sent[tid] = sent
            j += 1

    observed: dict[int, float] = {}

    async def watch(deadline: float) -> None:
        """Poll the database for silent terminals turning offline."""
        while time.time() < deadline and len(observed) < len(silent):
            with db.session(write=False) as session:
                rows = session.execute(
                    select(Terminal.id, Terminal.connectivity).where(Terminal.id.in_(silent - set(observed)))
                ).all()
            now = time.time()
            for tid, connectivity in rows:
                if connectivity == "offline":
                    observed[tid] = now
            await asyncio.sleep(0.1)

    async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=64)) as client:
        kiosks = [asyncio.create_task(kiosk(k, client)) for k in range(n)]
        last_stop = t0 + beats_before_stop * interval_s
        progress(
            f"  {n} kiosks heartbeat every {interval_s} s; {len(silent)} fall silent after "
            f"{beats_before_stop} heartbeats (within {last_stop - time.time():.0f} s)"
        )
        await asyncio.sleep(max(0.0, t0 + (beats_before_stop - 1) * interval_s - time.time()))
        deadline = last_stop + bound_s + 8.0
        await watch(deadline)
        progress(f"  {len(observed)}/{len(silent)} silent kiosks seen offline; stopping the others")
        stop_all.set()
        await asyncio.gather(*kiosks)

    with db.session(write=False) as session:
        last_seen = dict(
            session.execute(select(Terminal.id, Terminal.last_seen_at).where(Terminal.id.in_(ids))).all()
        )
        connectivity = dict(
            session.execute(select(Terminal.id, Terminal.connectivity).where(Terminal.id.in_(ids))).all()
        )
        offline_events = session.execute(
            select(TerminalEvent.terminal_id, TerminalEvent.at).where(
                TerminalEvent.kind == "connectivity", TerminalEvent.to_state == "offline"
            )
        ).all()
    went_offline: dict[int, float] = {}
    for tid, at in offline_events:
        went_offline.setdefault(tid, as_utc(at).timestamp())
    delays = [went_offline[t] - as_utc(last_seen[t]).timestamp() for t in silent if t in went_offline]
    observed_delays = [observed[t] - last_sent[t] for t in silent if t in observed and t in last_sent]
    stuck = [t for t in silent if connectivity.get(t) != "offline"]
    false_offline = [t for t in set(ids) - silent if t in went_offline]
    return {
        "terminals": n,
        "silent": len(silent),
        "interval_s": interval_s,
        "bound_s": bound_s,
        "delay_max_s": round(max(delays), 2) if delays else None,
        "delay_median_s": round(median(delays), 2) if delays else None,
        "delay_min_s": round(min(delays), 2) if delays else None,
        "observed_delay_max_s": round(max(observed_delays), 2) if observed_delays else None,
        "observed_delay_median_s": round(median(observed_delays), 2) if observed_delays else None,
        "stuck_online": len(stuck),
        "false_offline": len(false_offline),
        # never flag a kiosk that missed only one heartbeat: nothing may go offline before 2 × interval
        "early": sum(d < 2 * interval_s for d in delays),
        "late": sum(d > bound_s + LATE_TOLERANCE_S for d in delays),
        "bad_answers": len(bad_answers),
        "bad_answer_example": bad_answers[0] if bad_answers else None,
    }


def run(
    workdir: Path,
    *,
    terminals: int,
    interval_s: int = 5,
    grace_s: int = 2,
    sweep_s: float = 0.5,
    beats_before_stop: int = 2,
) -> dict[str, Any]:
    fleet = create_fleet(workdir / "offline.db", terminals, interval_s=interval_s)
    server = Server(
        fleet.db_url,
        fleet.secret,
        workdir,
        env_extra={
            "GOVKIOSK_OFFLINE_GRACE_S": str(grace_s),
            "GOVKIOSK_SWEEP_INTERVAL_S": str(sweep_s),
            "GOVKIOSK_HEARTBEAT_FLUSH_S": "1.0",
        },
    )
    db = Database(fleet.db_url)
    try:
        with running(server):
            result = asyncio.run(
                _scenario(
                    server,
                    db,
                    fleet.ids,
                    fleet.tokens,
                    interval_s=interval_s,
                    bound_s=2 * interval_s + grace_s,
                    beats_before_stop=beats_before_stop,
                )
            )
    finally:
        db.dispose()
    result.update({"grace_s": grace_s, "sweep_interval_s": sweep_s, "flush_interval_s": 1.0})
    return result
