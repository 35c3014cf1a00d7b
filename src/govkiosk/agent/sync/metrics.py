"""Cheap host metrics for the heartbeat, read from os and /proc (no extra dependency)."""

import contextlib
import os
from pathlib import Path

MEMINFO = Path("/proc/meminfo")


def memory_used_pct(meminfo: Path = MEMINFO) -> float | None:
    """Used memory in percent (MemTotal − MemAvailable), or None where /proc is absent."""
    try:
        values = dict(line.split(":", 1) for line in meminfo.read_text().splitlines() if ":" in line)
        total = float(values["MemTotal"].split()[0])
        available = float(values["MemAvailable"].split()[0])
    except (OSError, KeyError, ValueError, IndexError):
        return None
    return round(100.0 * (total - available) / total, 1) if total else None


def host_metrics() -> dict[str, float]:
    """Load average and memory use, whichever this host can tell."""
    metrics: dict[str, float] = {}
    with contextlib.suppress(OSError):
        metrics["load_1m"] = round(os.getloadavg()[0], 2)
    memory = memory_used_pct()
    if memory is not None:
        metrics["mem_used_pct"] = memory
    return metrics
