"""Load generation: wrk with Lua scripts that rotate through terminal tokens; an asyncio/httpx fallback."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import Server, children_cpu_s, progress

WRK = shutil.which("wrk")

# Shared by both scripts: read the tokens (one per line) and the body; each thread starts in its own slice.
_PRELUDE = r"""
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local auth, n, i, first, last = {}, 0, 0, 1, 0
local method, path, body, hdrs

function init(args)
  -- args: tokens-file body-file method path nthreads
  for line in io.lines(args[1]) do n = n + 1; auth[n] = "Bearer " .. line end
  local f = assert(io.open(args[2], "rb")); body = f:read("*a"); f:close()
  if body == "" then body = nil end
  method, path = args[3], args[4]
  local nthreads = tonumber(args[5])
  first = math.floor((tid - 1) * n / nthreads) + 1
  last = math.floor(tid * n / nthreads)
  i = first - 1
  hdrs = {}
  if body then hdrs["Content-Type"] = "application/json" end
end
"""

# Measurement: every thread cycles through ALL tokens (from its own offset), so each request is another kiosk.
MEASURE_LUA = (
    _PRELUDE
    + r"""
function request()
  i = i + 1
  if i > n then i = 1 end
  hdrs["Authorization"] = auth[i]
  return wrk.format(method, path, hdrs, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"mean_ms":%.3f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000))
end
"""
)

# Warm-up: each thread sends one request per token of its own slice, then stops and leaves a marker file.
WARM_LUA = (
    _PRELUDE
    + r"""
local answered, marker = 0, nil
local orig_init = init
function init(args)
  orig_init(args)
  marker = args[6] .. "/done-" .. tid
end

function request()
  i = i + 1
  if i > last then i = first end
  hdrs["Authorization"] = auth[i]
  return wrk.format(method, path, hdrs, body)
end

function response(status, headers, body)
  answered = answered + 1
  if answered == last - first + 1 then
    local f = io.open(marker, "w"); f:write(tostring(answered)); f:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCHJSON {"requests":%d,"duration_us":%d,"status":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"timeout":%d}\n', summary.requests, summary.duration, e.status, e.connect, e.read, e.write,
    e.timeout))
end
"""
)


@dataclass
class LoadFiles:
    dir: Path
    tokens: Path
    body: Path
    empty: Path
    measure: Path
    warm: Path


def write_load_files(workdir: Path, tokens: list[str], body_json: str) -> LoadFiles:
    d = workdir / "load"
    d.mkdir(parents=True, exist_ok=True)
    files = LoadFiles(
        dir=d,
        tokens=d / "tokens.txt",
        body=d / "heartbeat.json",
        empty=d / "empty.txt",
        measure=d / "measure.lua",
        warm=d / "warm.lua",
    )
    files.tokens.write_text("\n".join(tokens) + "\n")
    files.body.write_text(body_json)
    files.empty.write_text("")
    files.measure.write_text(MEASURE_LUA)
    files.warm.write_text(WARM_LUA)
    return files


def _parse(stdout: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith("BENCHJSON "):
            return json.loads(line[len("BENCHJSON ") :])
    raise RuntimeError(f"wrk printed no result:\n{stdout[-2000:]}")


def run_wrk(
    server: Server,
    files: LoadFiles,
    *,
    method: str,
    path: str,
    body: bool,
    seconds: float,
    threads: int,
    connections: int,
) -> dict:
    """One wrk run; throughput, latency, errors, and the CPU the server and wrk used meanwhile."""
    assert WRK is not None
    cmd = [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{int(round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(files.measure),
        server.base + path,
        "--",
        str(files.tokens),
        str(files.body if body else files.empty),
        method,
        path,
        str(threads),
    ]
    server_cpu, wrk_cpu, started = server.cpu_s(), children_cpu_s(), time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    wall = time.monotonic() - started
    server_cpu, wrk_cpu = server.cpu_s() - server_cpu, children_cpu_s() - wrk_cpu
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr[-2000:]}")
    r = _parse(out.stdout)
    duration = r["duration_us"] / 1e6
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return {
        "rps": r["requests"] / duration,
        "requests": r["requests"],
        "duration_s": round(duration, 2),
        "errors": errors,
        "non_2xx": r["status"],
        "p50_ms": r["p50_ms"],
        "p99_ms": r["p99_ms"],
        "server_cpu_cores": server_cpu / wall,
        "wrk_cpu_cores": wrk_cpu / wall,
        "rps_per_server_cpu_s": r["requests"] / server_cpu if server_cpu > 0 else None,
    }


def warm_up(
    server: Server, files: LoadFiles, *, n: int, threads: int, connections: int, max_s: float
) -> dict:
    """Send one heartbeat per terminal (the server resolves and caches each terminal's configuration)."""
    assert WRK is not None
    for old in files.dir.glob("done-*"):
        old.unlink()
    cmd = [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{int(max_s)}s",
        "--timeout",
        "10s",
        "-s",
        str(files.warm),
        server.base + "/api/terminal/v1/heartbeat",
        "--",
        str(files.tokens),
        str(files.body),
        "POST",
        "/api/terminal/v1/heartbeat",
        str(threads),
        str(files.dir),
    ]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        last_report = started
        while proc.poll() is None and len(list(files.dir.glob("done-*"))) < threads:
            time.sleep(0.2)
            if time.monotonic() - last_report > 15:
                last_report = time.monotonic()
                progress(f"  warm-up still running ({last_report - started:.0f} s)")
        elapsed = time.monotonic() - started
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # wrk prints its summary on SIGINT
        stdout, stderr = proc.communicate(timeout=30)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    r = _parse(stdout)
    return {
        "requests": r["requests"],
        "seconds": round(elapsed, 1),
        "rps": r["requests"] / elapsed,
        "errors": r["status"] + r["connect"] + r["read"] + r["write"] + r["timeout"],
        "complete": len(list(files.dir.glob("done-*"))) >= threads,
    }


async def _httpx_load(
    base: str, method: str, path: str, tokens: list[str], body: bytes | None, seconds: float, concurrency: int
) -> dict:
    import httpx

    count, errors, latencies = 0, 0, []
    stop_at = time.monotonic() + seconds
    n = len(tokens)

    async def worker(k: int, client: httpx.AsyncClient) -> None:
        nonlocal count, errors
        i = k * n // concurrency
        headers = {"Content-Type": "application/json"} if body else {}
        while time.monotonic() < stop_at:
            i = (i + 1) % n
            headers["Authorization"] = "Bearer " + tokens[i]
            t = time.perf_counter()
            try:
                resp = await client.request(method, base + path, content=body, headers=headers)
                ok = resp.status_code < 400
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - t)
            count += 1
            errors += 0 if ok else 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.monotonic()
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        await asyncio.gather(*(worker(k, client) for k in range(concurrency)))
    duration = time.monotonic() - started
    latencies.sort()
    return {
        "requests": count,
        "duration": duration,
        "errors": errors,
        "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else None,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else None,
    }


def run_httpx(
    server: Server,
    tokens: list[str],
    body_json: str | None,
    *,
    method: str,
    path: str,
    seconds: float,
    concurrency: int,
) -> dict:
    """Fallback when wrk is missing: this generator shares one interpreter (one core at most), so it is
    usually the bottleneck, and its figures are lower bounds."""
    server_cpu, started = server.cpu_s(), time.monotonic()
    r = asyncio.run(
        _httpx_load(
            server.base, method, path, tokens, body_json.encode() if body_json else None, seconds, concurrency
        )
    )
    wall = time.monotonic() - started
    server_cpu = server.cpu_s() - server_cpu
    return {
        "rps": r["requests"] / r["duration"],
        "requests": r["requests"],
        "duration_s": round(r["duration"], 2),
        "errors": r["errors"],
        "non_2xx": r["errors"],
        "p50_ms": r["p50_ms"],
        "p99_ms": r["p99_ms"],
        "server_cpu_cores": server_cpu / wall,
        "wrk_cpu_cores": None,
        "rps_per_server_cpu_s": r["requests"] / server_cpu if server_cpu > 0 else None,
    }


def loadgen_name() -> str:
    return "wrk" if WRK and os.access(WRK, os.X_OK) else "httpx (fallback: wrk not found)"
