"""Where a heartbeat's CPU goes: the app driven in-process through ASGI (no sockets, no uvicorn, no flush
thread), timed per route, with two what-if variants, then profiled with cProfile.

    .venv/bin/python -m benchmarks.profile_heartbeat [--requests 3000] [--top 30] [--no-cprofile]

The variants change nothing in the platform's files; they are built on the app object:
  * "async get_runtime": `deps.get_runtime` overridden by an `async def` (FastAPI runs a plain `def`
    dependency in the thread pool, so every heartbeat pays a thread hop just to read `app.state.runtime`);
  * "+ terminal API routes first": the router holding `/api/terminal/v1` moved to the front, so matching a
    heartbeat does not walk every other router first.

Not part of `make bench`: a tool for whoever works on the heartbeat path."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from benchmarks.asgi import FLOOR_PATH, apply_what_if
from benchmarks.seed import Fleet, create_fleet, heartbeat_json
from govkiosk.platform.app import create_app
from govkiosk.platform.core.settings import Settings
from govkiosk.platform.db.session import Database

HEARTBEAT = "/api/terminal/v1/heartbeat"
VARIANTS = ("as is", "async get_runtime", "+ terminal API routes first")


def _scope(method: str, path: str, token: str, body: bytes) -> dict[str, Any]:
    headers = [(b"host", b"bench"), (b"authorization", b"Bearer " + token.encode())]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
        "client": ("10.0.0.1", 40000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip


async def drive(app: Any, method: str, path: str, tokens: list[str], body: bytes, n: int) -> float:
    """CPU seconds (all threads of this process) per request, for `n` requests sent one after the other;
    CPU time rather than wall time, because the machine is shared."""
    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.process_time()
    for i in range(n):
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await app(_scope(method, path, tokens[i % len(tokens)], body), receive, send)
    elapsed = time.process_time() - started
    bad = [s for s in statuses if s != 200]
    if bad:
        raise RuntimeError(f"{len(bad)} non-200 answers on {path}, e.g. {bad[0]}")
    return elapsed / n


def build(fleet: Fleet, db: Database, variant: str) -> FastAPI:
    settings = Settings(db_url=fleet.db_url, secret_key=fleet.secret, background_jobs=False, log_json=False)
    app = create_app(settings, db=db)
    apply_what_if(
        app,
        []
        if variant == VARIANTS[0]
        else ["async-runtime"] + (["routes-first"] if variant == VARIANTS[2] else []),
    )

    @app.get(FLOOR_PATH)
    async def floor() -> dict:
        return {"status": "ok"}

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-cprofile", action="store_true")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="govkiosk-profile-"))
    try:
        fleet = create_fleet(workdir / "profile.db", 2000)
        db = Database(fleet.db_url)
        body = heartbeat_json().encode()
        routes = [("heartbeat", "POST", HEARTBEAT, body), ("/livez", "GET", "/livez", b""),
                  ("async floor", "GET", FLOOR_PATH, b"")]  # fmt: skip

        async def scenario() -> None:
            apps = {v: build(fleet, db, v) for v in VARIANTS}
            for app in apps.values():  # first heartbeat of each terminal resolves its configuration
                await drive(app, "POST", HEARTBEAT, fleet.tokens, body, len(fleet.tokens))
            best: dict[tuple[str, str], float] = {}
            for _ in range(args.repeats):  # alternate, keep the best of each (the machine is noisy)
                for variant, app in apps.items():
                    for name, method, path, payload in routes:
                        per = await drive(app, method, path, fleet.tokens, payload, args.requests)
                        app.state.runtime.take_buffer()
                        best[variant, name] = min(per, best.get((variant, name), per))
            print(f"CPU µs per request, in-process, best of {args.repeats} × {args.requests}:")
            print(f"{'variant':<30}" + "".join(f"{name:>14}" for name, *_ in routes) + f"{'hb ÷ livez':>12}")
            for variant in VARIANTS:
                cells = "".join(f"{best[variant, name] * 1e6:14.0f}" for name, *_ in routes)
                ratio = best[variant, "/livez"] / best[variant, "heartbeat"]
                print(f"{variant:<30}{cells}{ratio:12.2f}")
            if args.no_cprofile:
                return
            app = apps[VARIANTS[0]]
            profiler = cProfile.Profile()
            profiler.enable()
            await drive(app, "POST", HEARTBEAT, fleet.tokens, body, args.requests)
            profiler.disable()
            for key in ("tottime", "cumulative"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(args.top)
                print(out.getvalue())

        asyncio.run(scenario())
        db.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
