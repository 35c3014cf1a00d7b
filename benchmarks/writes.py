"""In-process write-side benchmarks on the benchmark database: the batch flush, and the batch against a
transaction per heartbeat."""

from __future__ import annotations

import time
from typing import Any

from benchmarks.common import median, progress
from govkiosk.platform.core.security import TokenSigner
from govkiosk.platform.core.settings import Settings
from govkiosk.platform.db.session import Database
from govkiosk.platform.fleet import service, tasks
from govkiosk.platform.fleet.runtime import BufferedHeartbeat, FleetRuntime


def _heartbeats(ids: list[int], body: dict[str, Any], interval_s: int = 60) -> list[BufferedHeartbeat]:
    """What the router buffers for these terminals (same fields, same shapes)."""
    now = time.time()
    return [
        BufferedHeartbeat(
            terminal_id=tid,
            seen=now,
            ip="10.0.0.1",
            status=body["status"],
            peripherals=[dict(p) for p in body["peripherals"]],
            versions=dict(body["installed"]),
            metrics=dict(body["metrics"]),
            interval_s=interval_s,
        )
        for tid in ids
    ]


def _flush_batch(
    db: Database, runtime: FleetRuntime, settings: Settings, batch: list[BufferedHeartbeat]
) -> float:
    for hb in batch:
        runtime.buffer_heartbeat(hb)
    started = time.perf_counter()
    written = tasks.flush_once(db, runtime, settings)
    elapsed = time.perf_counter() - started
    assert written == len(batch), (written, len(batch))
    return elapsed


def _per_transaction(db: Database, settings: Settings, batch: list[BufferedHeartbeat]) -> float:
    """The naive design: each heartbeat its own write transaction (same read, compare and update)."""
    started = time.perf_counter()
    for hb in batch:
        with db.session(write=True) as session:
            service.flush_heartbeats(session, [hb], settings)
    return time.perf_counter() - started


def run(db_url: str, ids: list[int], body: dict[str, Any], *, batch_size: int, rounds: int) -> dict[str, Any]:
    """Batch flush time for `batch_size` heartbeats (median of `rounds`), and the same heartbeats written one
    transaction each, alternating, each round on a fresh slice of terminals."""
    settings = Settings(db_url=db_url, background_jobs=False)
    db = Database(db_url)
    runtime = FleetRuntime(signer=TokenSigner(b"unused"))
    try:
        slices = [ids[-(k + 1) * batch_size : len(ids) - k * batch_size] for k in range(rounds)]
        # Steady state: every terminal was seen before with the same peripherals, so no transition is written.
        primed = _flush_batch(db, runtime, settings, _heartbeats([t for s in slices for t in s], body))
        progress(f"  primed {rounds * batch_size} terminals in one flush ({primed:.2f} s)")
        batch_s, naive_s = [], []
        for k, ids_k in enumerate(slices):
            batch_s.append(_flush_batch(db, runtime, settings, _heartbeats(ids_k, body)))
            naive_s.append(_per_transaction(db, settings, _heartbeats(ids_k, body)))
            progress(
                f"  round {k + 1}/{rounds}: batch flush {batch_s[-1] * 1000:.0f} ms, "
                f"one transaction per heartbeat {naive_s[-1] * 1000:.0f} ms"
            )
        ratios = [n / b for n, b in zip(naive_s, batch_s, strict=True)]
        flush_median = median(batch_s)
        return {
            "batch_size": batch_size,
            "rounds": rounds,
            "flush_s": [round(x, 4) for x in batch_s],
            "flush_median_s": round(flush_median, 4),
            "flush_per_heartbeat_us": round(flush_median / batch_size * 1e6, 1),
            "flush_core_fraction": round(flush_median / 1.0, 3),
            "per_transaction_s": [round(x, 4) for x in naive_s],
            "per_transaction_median_s": round(median(naive_s), 4),
            "per_transaction_per_heartbeat_us": round(median(naive_s) / batch_size * 1e6, 1),
            "ratios": [round(r, 2) for r in ratios],
            "ratio_median": round(median(ratios), 2),
            "config_resolve_all_s": _resolve_all(db, rounds),
            "config_terminals": len(ids),
        }
    finally:
        db.dispose()


def _resolve_all(db: Database, rounds: int) -> float:
    """Median time for a node to resolve every terminal's configuration (after a start or a config change)."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        with db.session(write=False) as session:
            service.resolve_all_configs(session)
        times.append(time.perf_counter() - started)
    progress(f"  resolving every terminal's configuration: {median(times):.2f} s (median of {rounds})")
    return round(median(times), 3)
