"""Shared helpers: progress lines, the platform server as a child process, CPU accounting, machine facts."""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

ROOT = Path(__file__).resolve().parents[1]
_T0 = time.monotonic()
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def progress(message: str) -> None:
    """One progress line, with the seconds since the benchmark started."""
    print(f"[{time.monotonic() - _T0:6.1f}s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds a live process (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime, stime (fields 14 and 15 of stat)


def children_cpu_s() -> float:
    """CPU seconds of the children this process has waited for (wrk runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Server:
    """The platform as a separate uvicorn process (see benchmarks/asgi.py), in its own process group."""

    db_url: str
    secret: str
    workdir: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> None:
        self.port = free_port()
        self.log_path = self.workdir / f"server-{self.port}.log"
        env = dict(os.environ)
        env.update(
            {
                "GOVKIOSK_DB_URL": self.db_url,
                "GOVKIOSK_SECRET_KEY": self.secret,
                "GOVKIOSK_LOG_JSON": "false",
                "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
            }
        )
        env.update(self.env_extra)
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.asgi:create",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError), urllib.request.urlopen(self.base + "/livez", timeout=2) as r:
                if r.status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"server did not answer /livez within {timeout_s:.0f} s:\n{self.log_tail()}")

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.base + path, timeout=10) as r:
            return r.read().decode()

    def cpu_s(self) -> float:
        assert self.proc is not None
        return process_cpu_s(self.proc.pid)

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server's process group (it flushes its buffer on shutdown)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            stop_process_group(proc)


def stop_process_group(proc: subprocess.Popen, timeout_s: float = 15) -> None:
    """SIGTERM a child started with `start_new_session` and its process group, SIGKILL them if they linger."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


class Startable(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


S = TypeVar("S", bound=Startable)


@contextlib.contextmanager
def running(server: S) -> Iterator[S]:
    """Start a child-process stack (Server, kiosk_ui.DemoStack), stop it however the block ends."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


def prometheus_value(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def machine_facts() -> dict[str, object]:
    """What the reader needs to interpret the figures."""
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    mem_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_gb = round(int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024, 1)
    wrk = shutil.which("wrk")
    wrk_version = None
    if wrk:
        out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
        wrk_version = (out.stdout + out.stderr).splitlines()[0].strip() if (out.stdout + out.stderr) else None
    versions = {}
    for dist in (
        "fastapi",
        "starlette",
        "uvicorn",
        "uvloop",
        "httptools",
        "pydantic",
        "sqlalchemy",
        "gmssl_pyx",
    ):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[dist] = version(dist)
    return {
        "cores": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gb": mem_gb,
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": wrk_version,
        "packages": versions,
    }


def median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return float("nan")
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of the values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
