"""The demo departments' simulated business systems (`sim/department.py`) in front of a live platform, as the
demo runs them: each department's webhook endpoint points at the simulator, which drives the cases over real
HTTP both ways (and issues the certificates of print-type items)."""

from collections.abc import Iterator
from contextlib import contextmanager

from govkiosk.sim.demo_catalog_seed import connect_simulators
from govkiosk.sim.department import DepartmentSimulator, simulators_app
from tests.conftest import LivePlatform, free_port


@contextmanager
def departments(
    live: LivePlatform, *, step_s: tuple[float, float] = (0.05, 0.1)
) -> Iterator[list[DepartmentSimulator]]:
    """The simulators of every demo department, serving on a free port, for the duration of the block (after
    the org tree exists: the endpoints are configured by its root's reviewer)."""
    port = free_port()
    with live.db.session(write=True) as session:
        played = connect_simulators(session, f"http://127.0.0.1:{port}")
    simulators = [
        DepartmentSimulator(
            platform=live.url,
            token=d["token"],
            hmac_secret=d["secret"],
            path=d["path"],
            step_s=step_s,
            seed=i,
        )
        for i, d in enumerate(played)
    ]
    server = LivePlatform(simulators_app(simulators), port).start()  # type: ignore[arg-type]
    try:
        yield simulators
    finally:
        server.stop()
