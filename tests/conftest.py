"""Test harness: a database built by the migrations (SQLite, or PostgreSQL when GOVKIOSK_TEST_DB names one),
emptied before every test; the app over it; a live platform served over real HTTP."""

import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from govkiosk.platform.app import create_app
from govkiosk.platform.core.settings import Settings
from govkiosk.platform.db import migrate
from govkiosk.platform.db.base import Base, import_all_models
from govkiosk.platform.db.session import Database

if TYPE_CHECKING:
    from playwright.sync_api import Browser

import_all_models()


def pytest_report_header() -> str:
    return f"govkiosk database under test: {_backend()}"


def _backend() -> str:
    return "postgresql" if os.environ.get("GOVKIOSK_TEST_DB", "").startswith("postgres") else "sqlite"


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database under test, migrated once to head."""
    url = os.environ.get("GOVKIOSK_TEST_DB") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    database = Database(url)
    with database.engine.begin() as conn:  # start from nothing, whatever an earlier run left
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    migrate.upgrade(database.engine)
    database.dispose()
    return url


def truncate_all(database: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if database.is_sqlite:
        raw = database.engine.raw_connection()
        try:
            raw.execute("PRAGMA foreign_keys=OFF")
            for name in tables:
                raw.execute(f'DELETE FROM "{name}"')
            raw.execute("DELETE FROM sqlite_sequence") if _has_sequence(raw) else None
            raw.execute("PRAGMA foreign_keys=ON")
        finally:
            raw.close()
        return
    with database.engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in tables) + " RESTART IDENTITY CASCADE"))


def _has_sequence(raw: object) -> bool:
    return bool(raw.execute("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").fetchone())  # type: ignore[attr-defined]


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A clean database (schema from the migrations, no rows)."""
    database = Database(db_url)
    truncate_all(database)
    yield database
    database.dispose()


def make_settings(db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "db_url": db_url,
        "secret_key": "test-secret-key-0123456789",
        "background_jobs": False,
        "log_json": False,
        "materials_dir": Path(tempfile.gettempdir()) / "govkiosk-test-materials",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def app(db: Database, db_url: str) -> FastAPI:
    return create_app(make_settings(db_url), db=db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LivePlatform:
    """A platform served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app: FastAPI, port: int):
        self.app = app
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def db(self) -> Database:
        return self.app.state.db

    def start(self) -> "LivePlatform":
        self.thread.start()
        deadline = time.time() + 15
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("live platform did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def live_platform(db: Database, db_url: str) -> Iterator[LivePlatform]:
    """The platform over real HTTP with its background jobs on, at fast test intervals."""
    settings = make_settings(
        db_url,
        background_jobs=True,
        heartbeat_flush_s=0.1,
        fleet_cache_refresh_s=0.2,
        sweep_interval_s=0.5,
        offline_grace_s=1,
    )
    live = LivePlatform(create_app(settings, db=db), free_port()).start()
    yield live
    live.stop()


@pytest.fixture
def artifacts_dir() -> Path:
    """Where tests leave screenshots for people to look at."""
    path = Path(__file__).resolve().parents[1] / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    """Debian's headless Chromium for one test module (tests/browser.py says how it is launched)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
