"""Benchmark 5: command round trips through the local device service (`govkiosk devices serve
--simulated`, its own process), over a real WebSocket on 127.0.0.1.

- sequential `Common.Status` (a query) and `IdCardReader.Read` (a device command): time to the
  acknowledge and to the completion, p50/p99;
- pipelined `Common.Status` on one connection: messages per second (acknowledges + completions)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import websockets

from benchmarks.common import ROOT, free_port, progress

PATH = "/xfs4iot/v1.0"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _command(request_id: int, name: str, payload: dict[str, Any] | None = None) -> str:
    header = {"type": "command", "name": name, "requestId": request_id, "version": "1.0", "timeout": 30000}
    return json.dumps({"header": header, "payload": payload or {}})


async def _sequential(url: str, name: str, n: int) -> dict[str, float]:
    acks, completions = [], []
    async with websockets.connect(url, max_size=None) as connection:
        for request_id in range(1, n + 1):
            started = time.perf_counter()
            await connection.send(_command(request_id, name))
            while True:
                message = json.loads(await connection.recv())
                header = message["header"]
                if header.get("requestId") != request_id:
                    continue  # unsolicited
                if header["type"] == "acknowledge":
                    acks.append((time.perf_counter() - started) * 1000)
                elif header["type"] == "completion":
                    completions.append((time.perf_counter() - started) * 1000)
                    if header["completionCode"] != "success":
                        raise RuntimeError(f"{name} completed {header['completionCode']}")
                    break
    return {
        "commands": n,
        "ack_p50_ms": round(_percentile(acks, 0.5), 3),
        "ack_p99_ms": round(_percentile(acks, 0.99), 3),
        "completion_p50_ms": round(_percentile(completions, 0.5), 3),
        "completion_p99_ms": round(_percentile(completions, 0.99), 3),
    }


async def _pipelined(url: str, n: int) -> dict[str, float]:
    async with websockets.connect(url, max_size=None) as connection:
        started = time.perf_counter()

        async def send() -> None:
            for request_id in range(1, n + 1):
                await connection.send(_command(request_id, "Common.Status"))

        sender = asyncio.create_task(send())
        received = completions = 0
        while completions < n:
            header = json.loads(await connection.recv())["header"]
            received += 1
            completions += header["type"] == "completion"
        await sender
        elapsed = time.perf_counter() - started
    return {
        "commands": n,
        "messages": received,
        "seconds": round(elapsed, 3),
        "messages_per_s": round(received / elapsed),
    }


def run(*, sequential: int, reads: int, pipelined: int) -> dict[str, Any]:
    """Start the simulated device service, measure, stop it."""
    port, token = free_port(), secrets.token_urlsafe(16)
    command = [
        sys.executable,
        "-m",
        "govkiosk.cli",
        "devices",
        "serve",
        "--simulated",
        "--port",
        str(port),
        "--token",
        token,
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        _wait_for(port)
        base = f"ws://127.0.0.1:{port}{PATH}"
        status = asyncio.run(_sequential(f"{base}/IdCardReader?token={token}", "Common.Status", sequential))
        progress(f"  Common.Status × {sequential}: completion p50 {status['completion_p50_ms']} ms")
        read = asyncio.run(_sequential(f"{base}/IdCardReader?token={token}", "IdCardReader.Read", reads))
        progress(f"  IdCardReader.Read × {reads}: completion p50 {read['completion_p50_ms']} ms")
        flood = asyncio.run(_pipelined(f"{base}/IdCardReader?token={token}", pipelined))
        progress(f"  pipelined Common.Status × {pipelined}: {flood['messages_per_s']:,} messages/s")
        return {"status": status, "read": read, "pipelined": flood, "simulated": True}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _wait_for(port: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("the device service did not start")
