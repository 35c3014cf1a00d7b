"""`govkiosk demo`: the platform on SQLite with seeded demo data and a simulated fleet, in one process."""

import asyncio
import json
import shutil
import signal
from pathlib import Path
from typing import Any

import uvicorn

from govkiosk.agent.local.ui_server import LoopbackServer  # stopped by the demo: the fleet first
from govkiosk.crypto import write_private
from govkiosk.platform.app import create_app
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.core.logging import configure
from govkiosk.platform.core.security import new_token
from govkiosk.platform.core.settings import Settings
from govkiosk.platform.db import migrate
from govkiosk.platform.db.session import Database
from govkiosk.platform.terminals import service as terminal_service
from govkiosk.platform.terminals.models import PreauthorizedSerial
from govkiosk.platform.terminals.schemas import EnrollmentTokenCreate
from govkiosk.sim import demo_catalog_seed, demo_data
from govkiosk.sim.department import DepartmentSimulator, simulators_app
from govkiosk.sim.fleet import Fleet

SEED = 1
PENDING_KIOSKS = 3  # left for an operator to approve in the console
DEMO_PROFILE = "STANDARD"  # the fleet's SIM-C kiosks lack two of its required devices: the console shows it


def _prepare(db: Database, state_dir: Path, terminals: int) -> dict[str, Any]:
    """Migrate and seed a new demo database; return the fleet's enrollment token and a department's
    open-API token (kept in state_dir)."""
    secret_file = state_dir / "demo.json"
    migrate.upgrade(db.engine)
    if secret_file.exists():
        return json.loads(secret_file.read_text())
    with db.session(write=True) as session:
        city = demo_data.seed(session)
        sites = demo_data.site_ids(session, city)
        now = utcnow()
        batch = EnrollmentTokenCreate(
            label="演示模拟终端批次 / demo fleet",
            org_node_id=city.id,
            profile_id=terminal_service.get_profile_by_code(session, DEMO_PROFILE).id,
            max_uses=terminals + 20,
            ttl_hours=30 * 24,
        )
        secret = terminal_service.create_token(session, batch, created_by="demo").token
        for index in range(max(terminals - PENDING_KIOSKS, 0)):
            session.add(
                PreauthorizedSerial(
                    serial=f"SIM-{SEED}-{index:05d}",
                    org_node_id=sites[index % len(sites)],
                    created_by="demo",
                    created_at=now,
                )
            )
        dept_token, dept_name = demo_catalog_seed.department_token(session, city)
    secrets = {
        "enroll_token": secret,
        "terminals": terminals,
        "dept_token": dept_token,
        "department": dept_name,
    }
    write_private(secret_file, json.dumps(secrets, ensure_ascii=False))
    return secrets


def _start_departments(
    db: Database, host: str, port: int
) -> tuple[LoopbackServer, list[DepartmentSimulator]]:
    """The simulated department business systems, one HTTP server on `port`, each at its own path."""
    base = f"http://{host}:{port}"
    with db.session(write=True) as session:
        played = demo_catalog_seed.connect_simulators(session, base)
    simulators = [
        DepartmentSimulator(
            platform=f"http://{host}:{port - 1}",
            token=d["token"],
            hmac_secret=d["secret"],
            path=d["path"],
            step_s=(5.0, 20.0),
            seed=i,
        )
        for i, d in enumerate(played)
    ]
    config = uvicorn.Config(simulators_app(simulators), host=host, port=port, log_level="warning")
    return LoopbackServer(config), simulators


def _banner(host: str, port: int, secrets: dict[str, Any], kiosk_port: int | None) -> None:
    base = f"http://{host}:{port}"
    print(f"console: {base}/console/", flush=True)
    if kiosk_port is not None:
        print(f"kiosk: http://127.0.0.1:{kiosk_port}/ (the citizen UI of kiosk SIM-{SEED}-00000)", flush=True)
    print(f"api: {base}/api/v1 (OpenAPI: {base}/docs)", flush=True)
    if secrets.get("dept_token"):
        print(
            f"department api: {base}/api/dept/v1 token {secrets['dept_token']} ({secrets['department']})",
            flush=True,
        )
    for login in demo_data.DEMO_LOGINS:
        print(f"login: {login.username} {login.password}   ({login.role})", flush=True)
    print("Ctrl-C stops everything.", flush=True)


async def _serve(
    settings: Settings, db: Database, host: str, port: int, terminals: int, state_dir: Path, secrets: dict,
    kiosk_port: int | None,
) -> None:  # fmt: skip
    server = LoopbackServer(
        uvicorn.Config(create_app(settings, db=db), host=host, port=port, log_level="warning")
    )
    server_task = asyncio.create_task(server.serve())
    while not server.started:
        if server_task.done():  # uvicorn has already logged why (e.g. the port is taken)
            raise SystemExit(f"the platform could not start on {host}:{port}; is the port in use? try --port")
        await asyncio.sleep(0.05)
    departments, simulators = _start_departments(db, host, port + 1)
    departments_task = asyncio.create_task(departments.serve())
    kiosk_port = kiosk_port if terminals else None
    _banner(host, port, secrets, kiosk_port)
    print(
        f"department simulator: http://{host}:{port + 1}/ ({len(simulators)} departments, simulated)",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    fleet = (
        Fleet(
            f"http://{host}:{port}",
            terminals,
            secrets["enroll_token"],
            state_dir / "kiosks",
            SEED,
            citizens_period_s=20.0,
            ui_port=kiosk_port,
        )
        if terminals
        else None
    )
    if fleet:
        await fleet.start()
    await stop.wait()
    print("stopping: simulated kiosks, then the platform…", flush=True)
    if fleet:
        await fleet.stop()
    for simulator in simulators:
        await simulator.stop()
    departments.should_exit = server.should_exit = True
    await departments_task
    await server_task
    print("stopped.", flush=True)


def run_demo(
    *, terminals: int, host: str, port: int, state_dir: Path, fresh: bool, kiosk_port: int | None = None
) -> None:
    """Seed (first time or with --fresh), serve, simulate, print the URLs and logins, stop on Ctrl-C; the
    first simulated kiosk serves the citizen UI at `kiosk_port` (default: the platform's port + 2)."""
    kiosk_port = port + 2 if kiosk_port is None else kiosk_port
    if fresh and state_dir.exists():
        shutil.rmtree(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    configure(json_logs=False)
    settings = Settings(
        db_url=f"sqlite:///{state_dir.resolve() / 'govkiosk-demo.db'}",
        secret_key=new_token(32),
        log_json=False,
        offline_grace_s=30,
        materials_dir=state_dir.resolve() / "materials",
        public_base_url=f"http://{host}:{port}",
    )
    db = Database(settings.db_url)
    secrets = _prepare(db, state_dir, terminals)
    try:
        asyncio.run(_serve(settings, db, host, port, terminals, state_dir, secrets, kiosk_port))
    finally:
        db.dispose()
