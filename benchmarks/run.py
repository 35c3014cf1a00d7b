"""`make bench`: the foundation's benchmarks, as ratios measured side by side in one run.

    .venv/bin/python -m benchmarks.run [--quick] [--out benchmarks/results/latest.json] [--what-if NAME]

1. heartbeat ÷ trivial throughput: the platform in its own process on SQLite with N registered terminals,
   wrk posting realistic heartbeats with rotating terminal tokens, alternating with wrk on GET /livez
   (and, for reference, on an `async def` route that does nothing);
2. capacity at a 60 s interval: heartbeat throughput × 60, and the batch flush time of the heartbeats
   100,000 kiosks produce per flush second (1,667), as a fraction of one core;
3. one batch against one transaction per heartbeat, for the same 1,667 heartbeats;
4. offline detection: the delay between a kiosk's last heartbeat and its being marked offline;
5. command round trips through the local device service (simulated), and messages/s on one connection;
6. catalog search latency over 20,000 items (benchmarks/catalog_search.py, which prints its own table);
7. the kiosk UI in headless Chromium against `govkiosk demo`: first screen, JS+CSS bytes, tap → next screen
   (benchmarks/kiosk_ui.py; run alone, it prints its own table).

Prints progress, then a table; writes the figures as JSON. Cleans up its processes and files, also on
Ctrl-C."""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import catalog_search, devices, kiosk_ui, load, offline, writes
from benchmarks.asgi import FLOOR_PATH, WHAT_IF_ENV, WHAT_IFS
from benchmarks.common import ROOT, Server, machine_facts, median, progress, prometheus_value, running
from benchmarks.seed import create_fleet, heartbeat_body, heartbeat_json

HEARTBEAT = "/api/terminal/v1/heartbeat"
INTERVAL_S = 60
TARGET_KIOSKS = 100_000
TARGET_RATIO = 0.7

PROFILES: dict[str, dict[str, Any]] = {
    "full": {
        "terminals": 100_000,
        "rotating": 20_000,
        "rounds": 5,
        "seconds": 8,
        "threads": 2,
        "connections": 64,
        "flush_rounds": 5,
        "offline_terminals": 200,
        "device_commands": 2_000,
        "device_reads": 300,
        "device_pipelined": 5_000,
    },
    "quick": {
        "terminals": 10_000,
        "rotating": 3_000,
        "rounds": 2,
        "seconds": 4,
        "threads": 2,
        "connections": 64,
        "flush_rounds": 3,
        "offline_terminals": 100,
        "device_commands": 500,
        "device_reads": 100,
        "device_pipelined": 1_000,
    },
}
FLUSH_BATCH = round(TARGET_KIOSKS / INTERVAL_S)  # 1,667 heartbeats per 1 s flush at 100,000 kiosks


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def throughput(workdir: Path, p: dict[str, Any], what_if: list[str]) -> dict[str, Any]:
    """Benchmark 1 (and the cold-cache figure): the server under wrk, endpoints alternating per round."""
    progress(f"seeding {p['terminals']:,} approved terminals into SQLite")
    started = time.monotonic()
    fleet = create_fleet(workdir / "bench.db", p["terminals"])
    progress(f"  seeded in {time.monotonic() - started:.1f} s; {len(fleet.tokens):,} tokens minted")
    # The load rotates through `rotating` terminals spread over the whole id range.
    step = max(1, len(fleet.tokens) // p["rotating"])
    tokens = fleet.tokens[::step][: p["rotating"]]
    files = load.write_load_files(workdir, tokens, heartbeat_json())
    use_wrk = load.WRK is not None
    endpoints = [
        ("heartbeat", "POST", HEARTBEAT, True),
        ("livez", "GET", "/livez", False),
        ("async_floor", "GET", FLOOR_PATH, False),
    ]
    result: dict[str, Any] = {
        "loadgen": load.loadgen_name(),
        "terminals": p["terminals"],
        "rotating_tokens": len(tokens),
        "seconds_per_run": p["seconds"],
        "threads": p["threads"],
        "connections": p["connections"],
        "rounds": [],
    }
    env = {WHAT_IF_ENV: ",".join(what_if)} if what_if else {}
    with running(Server(fleet.db_url, fleet.secret, workdir, env_extra=env)) as server:
        progress(
            f"server up on port {server.port}; warm-up: one heartbeat for each of {len(tokens):,} terminals "
            "(the first after a start; the node's refresh has resolved every configuration in bulk)"
        )
        if use_wrk:
            warm = load.warm_up(
                server, files, n=len(tokens), threads=p["threads"], connections=p["connections"], max_s=900
            )
        else:
            r = load.run_httpx(
                server,
                tokens,
                heartbeat_json(),
                method="POST",
                path=HEARTBEAT,
                seconds=len(tokens) / 150,
                concurrency=p["connections"],
            )
            warm = {
                "requests": r["requests"],
                "seconds": r["duration_s"],
                "rps": r["rps"],
                "errors": r["errors"],
                "complete": True,
            }
        result["cold_cache"] = {k: round(v, 1) if isinstance(v, float) else v for k, v in warm.items()}
        progress(
            f"  first heartbeats after a start: {warm['rps']:.0f}/s "
            f"({warm['requests']:,} in {warm['seconds']} s, {warm['errors']} errors)"
        )
        time.sleep(2)  # let the flush drain
        metrics_before = server.get("/metrics")
        for rnd in range(p["rounds"]):
            order = endpoints if rnd % 2 == 0 else endpoints[::-1]
            row: dict[str, Any] = {}
            for name, method, path, body in order:
                if use_wrk:
                    r = load.run_wrk(
                        server,
                        files,
                        method=method,
                        path=path,
                        body=body,
                        seconds=p["seconds"],
                        threads=p["threads"],
                        connections=p["connections"],
                    )
                else:
                    r = load.run_httpx(
                        server,
                        tokens,
                        heartbeat_json() if body else None,
                        method=method,
                        path=path,
                        seconds=p["seconds"],
                        concurrency=p["connections"],
                    )
                row[name] = {k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()}
                progress(
                    f"  round {rnd + 1}/{p['rounds']} {name:>11}: {r['rps']:7.0f} req/s  "
                    f"p50 {r['p50_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms  errors {r['errors']}  "
                    f"server {r['server_cpu_cores']:.2f} cores"
                    + (f"  wrk {r['wrk_cpu_cores']:.2f} cores" if r["wrk_cpu_cores"] is not None else "")
                )
                time.sleep(1)
            row["ratio"] = round(row["heartbeat"]["rps"] / row["livez"]["rps"], 3)
            row["ratio_vs_async_floor"] = round(row["heartbeat"]["rps"] / row["async_floor"]["rps"], 3)
            result["rounds"].append(row)
        metrics_after = server.get("/metrics")
        tail = server.log_tail()
    flush_sum = (prometheus_value(metrics_after, "govkiosk_heartbeat_flush_seconds_sum") or 0) - (
        prometheus_value(metrics_before, "govkiosk_heartbeat_flush_seconds_sum") or 0
    )
    flush_count = (prometheus_value(metrics_after, "govkiosk_heartbeat_flush_seconds_count") or 0) - (
        prometheus_value(metrics_before, "govkiosk_heartbeat_flush_seconds_count") or 0
    )
    rounds = result["rounds"]
    hb_rps = median([r["heartbeat"]["rps"] for r in rounds])
    result.update(
        {
            "ratio_median": round(median([r["ratio"] for r in rounds]), 3),
            "ratio_vs_async_floor_median": round(median([r["ratio_vs_async_floor"] for r in rounds]), 3),
            "heartbeat_rps_median": round(hb_rps, 1),
            "livez_rps_median": round(median([r["livez"]["rps"] for r in rounds]), 1),
            "async_floor_rps_median": round(median([r["async_floor"]["rps"] for r in rounds]), 1),
            "heartbeat_per_server_cpu_s_median": round(
                median([r["heartbeat"]["rps_per_server_cpu_s"] or 0 for r in rounds]), 1
            ),
            "livez_per_server_cpu_s_median": round(
                median([r["livez"]["rps_per_server_cpu_s"] or 0 for r in rounds]), 1
            ),
            "errors": sum(r[name]["errors"] for r in rounds for name, *_ in endpoints),
            "server_flushes_during_rounds": int(flush_count),
            "server_flush_mean_ms": round(flush_sum / flush_count * 1000, 1) if flush_count else None,
            "target": TARGET_RATIO,
        }
    )
    result["pass"] = result["ratio_median"] >= TARGET_RATIO
    if result["errors"]:
        result["server_log_tail"] = tail
    result["_fleet"] = fleet  # for the in-process benchmarks on the same database (removed before writing)
    return result


def table(results: dict[str, Any]) -> str:
    t, c, w, o = (results[k] for k in ("throughput", "capacity", "writes", "offline"))
    rows = [
        (
            "1 heartbeat ÷ /livez throughput (median of rounds)",
            f"{t['ratio_median']:.2f}",
            f"≥ {TARGET_RATIO}",
            t["pass"],
        ),
        (
            "  heartbeat / livez / async floor req/s (medians)",
            f"{t['heartbeat_rps_median']:.0f} / {t['livez_rps_median']:.0f} / "
            f"{t['async_floor_rps_median']:.0f}",
            "",
            None,
        ),
        (
            "  heartbeat ÷ async-floor throughput",
            f"{t['ratio_vs_async_floor_median']:.2f}",
            "(reference)",
            None,
        ),
        (
            "  first heartbeats after a start, req/s",
            f"{t['cold_cache']['rps']:.0f}",
            "",
            None,
        ),
        (
            f"  resolving all {w['config_terminals']:,} configurations (after a start or a change)",
            f"{w['config_resolve_all_s']:.2f} s",
            "in-process, median",
            None,
        ),
        (
            "2 kiosks per node at 60 s (heartbeat req/s × 60)",
            f"{c['kiosks_per_node']:,}",
            f"≥ {TARGET_KIOSKS:,}",
            c["pass"],
        ),
        (
            "  kiosks per node at 60 s counting the flush's CPU too",
            f"{c['kiosks_per_node_with_flush']:,}",
            f"≥ {TARGET_KIOSKS:,}",
            c["kiosks_per_node_with_flush"] >= TARGET_KIOSKS,
        ),
        (
            f"  flush of {w['batch_size']:,} heartbeats (median), share of one core",
            f"{w['flush_median_s'] * 1000:.0f} ms = {w['flush_core_fraction']:.0%}",
            "< 100 %",
            c["write_side_pass"],
        ),
        (
            "  server-side flushes during the load rounds: count, mean wall time",
            f"{t['server_flushes_during_rounds']}, {t['server_flush_mean_ms'] or 0:.0f} ms",
            "(shares the GIL with the event loop)",
            None,
        ),
        (
            "3 one transaction per heartbeat ÷ one batch (time)",
            f"{w['ratio_median']:.1f}×",
            "(> 1: batch wins)",
            w["ratio_median"] > 1,
        ),
        (
            "4 offline delay max / median (bound 2×interval+grace)",
            f"{o['delay_max_s']} / {o['delay_median_s']} s",
            f"≤ {o['bound_s']} s (+{offline.LATE_TOLERANCE_S} s), ≥ 2×interval",
            o["pass"],
        ),
        (
            "  silent kiosks stuck online / healthy marked offline",
            f"{o['stuck_online']} / {o['false_offline']}",
            "0 / 0",
            o["stuck_online"] == 0 and o["false_offline"] == 0,
        ),
    ]
    d = results.get("devices")
    if d:
        rows += [
            (
                "5 device service: Common.Status acknowledge / completion p50 (p99)",
                f"{d['status']['ack_p50_ms']:.2f} / {d['status']['completion_p50_ms']:.2f} "
                f"({d['status']['completion_p99_ms']:.2f}) ms",
                "query, one connection",
                None,
            ),
            (
                "  IdCardReader.Read acknowledge / completion p50 (p99)",
                f"{d['read']['ack_p50_ms']:.2f} / {d['read']['completion_p50_ms']:.1f} "
                f"({d['read']['completion_p99_ms']:.1f}) ms",
                "simulated reader",
                None,
            ),
            (
                "  pipelined Common.Status on one connection",
                f"{d['pipelined']['messages_per_s']:,} msg/s",
                "acknowledges + completions",
                None,
            ),
        ]
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    lines = [f"{'benchmark':<{width}}  {'measured':>{vwidth}}  target / note", "-" * (width + vwidth + 40)]
    for label, value, target, ok in rows:
        verdict = "" if ok is None else ("  PASS" if ok else "  BELOW TARGET")
        lines.append(f"{label:<{width}}  {value:>{vwidth}}  {target}{verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller fleet and shorter rounds (under ~2 min)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    parser.add_argument(
        "--what-if",
        action="append",
        default=[],
        choices=WHAT_IFS,
        help="measure a proposed platform change, applied to the app object only (see asgi.py)",
    )
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    p = PROFILES[mode]
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    workdir = Path(tempfile.mkdtemp(prefix="govkiosk-bench-"))
    started = time.monotonic()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(
            ["python -m benchmarks.run"]
            + (["--quick"] if args.quick else [])
            + [f"--what-if {w}" for w in args.what_if]
        ),
        "what_if": args.what_if,
        "mode": mode,
        "profile": p,
        "machine": machine_facts(),
    }
    if args.what_if:
        progress(f"WHAT-IF run: {', '.join(args.what_if)} applied to the app (not the platform as it is)")
    progress(f"govkiosk benchmarks ({mode}); load generator: {load.loadgen_name()}; work dir {workdir}")
    try:
        t = throughput(workdir, p, args.what_if)
        fleet = t.pop("_fleet")
        results["throughput"] = t
        progress(
            f"batch flush vs one transaction per heartbeat: {FLUSH_BATCH:,} heartbeats, "
            f"{p['flush_rounds']} rounds, in-process on the same database"
        )
        w = writes.run(
            fleet.db_url, fleet.ids, heartbeat_body(), batch_size=FLUSH_BATCH, rounds=p["flush_rounds"]
        )
        results["writes"] = w
        kiosks = int(t["heartbeat_rps_median"] * INTERVAL_S)
        results["capacity"] = {
            "interval_s": INTERVAL_S,
            "kiosks_per_node": kiosks,
            "target": TARGET_KIOSKS,
            "pass": kiosks >= TARGET_KIOSKS,
            "kiosks_per_server_cpu_core": int(t["heartbeat_per_server_cpu_s_median"] * INTERVAL_S),
            "flush_batch": FLUSH_BATCH,
            "flush_median_s": w["flush_median_s"],
            "flush_core_fraction": w["flush_core_fraction"],
            "write_side_pass": w["flush_core_fraction"] < 1.0,
            # One core serves the requests and runs the flush: per heartbeat, 1/throughput + flush time.
            "kiosks_per_node_with_flush": int(
                INTERVAL_S / (1 / t["heartbeat_rps_median"] + w["flush_per_heartbeat_us"] / 1e6)
            ),
        }
        progress(f"offline detection: {p['offline_terminals']} kiosks, interval 5 s, grace 2 s, sweep 0.5 s")
        o = offline.run(workdir, terminals=p["offline_terminals"])
        o["pass"] = (
            o["stuck_online"] == 0
            and o["false_offline"] == 0
            and o["early"] == 0
            and o["late"] == 0
            and o["delay_max_s"] is not None
        )
        results["offline"] = o
        progress("device service round trips: the simulated service in its own process, one WebSocket")
        results["devices"] = devices.run(
            sequential=p["device_commands"], reads=p["device_reads"], pipelined=p["device_pipelined"]
        )
        progress("catalog search: 20,000 items in memory, a mix of queries (benchmarks/catalog_search.py)")
        results["catalog_search"] = catalog_search.run(args.quick)
        progress("kiosk UI: `govkiosk demo` and headless Chromium at 1080×1920 (benchmarks/kiosk_ui.py)")
        results["kiosk_ui"] = kiosk_ui.run(args.quick)
        results["elapsed_s"] = round(time.monotonic() - started, 1)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
        print()
        print(table(results))
        print()
        m = results["machine"]
        print(
            f"{m['cores']} cores ({m['cpu_model']}), load at start {m['load_avg_at_start']}; "
            f"{results['elapsed_s']:.0f} s; figures in {args.out}"
        )
        return 0
    except KeyboardInterrupt:
        progress("interrupted; cleaning up")
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
