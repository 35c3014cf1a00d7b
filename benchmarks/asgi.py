"""The platform as the benchmark serves it: what `govkiosk serve` does (settings from `GOVKIOSK_*`, logging,
`create_app`), started by `python -m uvicorn benchmarks.asgi:create --factory` so it runs in its own process.

One addition, for reference only: `GET /bench/async-floor`, an `async def` route returning the same tiny JSON
as `/livez`. `/livez` is a plain `def` route, which Starlette runs in its thread pool; the floor shows what
the cheapest possible route costs, so the heartbeat can be compared with both.

What-if experiments (`python -m benchmarks.run --what-if NAME`, default none) change the app object only,
never the platform's files, to measure a proposed change before anyone makes it:
  * `async-runtime`: `deps.get_runtime` overridden by an `async def` (no thread-pool hop per heartbeat);
  * `routes-first`: the terminal API router moved in front of the other routers."""

import os
from typing import Any

from fastapi import FastAPI, Request

from govkiosk.platform import deps
from govkiosk.platform.app import create_app
from govkiosk.platform.core.logging import configure
from govkiosk.platform.core.settings import get_settings
from govkiosk.platform.db.session import Database

FLOOR_PATH = "/bench/async-floor"
WHAT_IF_ENV = "GOVKIOSK_BENCH_WHAT_IF"
WHAT_IFS = ("async-runtime", "routes-first")


async def _runtime_async(request: Request) -> Any:
    return request.app.state.runtime


def apply_what_if(app: FastAPI, names: list[str]) -> None:
    for name in names:
        if name == "async-runtime":
            app.dependency_overrides[deps.get_runtime] = _runtime_async
        elif name == "routes-first":
            routes = app.router.routes
            routes.insert(0, routes.pop())  # create_app includes the terminal API router last
        else:
            raise ValueError(f"unknown what-if {name!r}; known: {', '.join(WHAT_IFS)}")


def create() -> FastAPI:
    settings = get_settings()
    configure(json_logs=settings.log_json)
    app = create_app(settings, db=Database(settings.db_url))
    apply_what_if(app, [n for n in os.environ.get(WHAT_IF_ENV, "").split(",") if n])

    @app.get(FLOOR_PATH, include_in_schema=False)
    async def async_floor() -> dict:
        return {"status": "ok"}

    return app
