"""How an agent is configured: options, the serial it reports, and what stops it from starting."""

import contextlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class KioskTimings:
    """The citizen session's clocks and the waits of the kiosk UI's local API (seconds)."""

    idle_s: float | None = None  # None: the platform's session_idle_timeout_s (60–120 s), else 90 s
    warn_s: float = 20.0  # the UI's countdown before the idle end
    session_cap_s: float = 900.0
    card_wait_s: float = 15.0  # waiting for an ID card (or a QR code) and the face
    submit_wait_s: float = 5.0  # how long POST /submit waits for the platform before answering "queued"
    payment_after_s: float = 4.0  # the simulated payment provider pays after this long
    document_wait_s: float = 20.0  # how long POST /document/print waits for the department's certificate


@dataclass
class AgentOptions:
    """How one agent runs; the timing knobs exist so tests and the simulator can run fast."""

    platform: str
    state_dir: Path
    enroll_token: str | None = None
    serial: str | None = None
    vendor: str = "SIM"
    model: str = "SIM-KIOSK-1"
    mac: str | None = None
    interval_override: float | None = None
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    pending_poll_s: tuple[float, float] = (5.0, 30.0)
    denied_poll_s: float = 300.0
    http_timeout_s: float = 10.0
    push: bool = True
    real_os_actions: bool = False
    echo_log: bool = False
    device_port: int | None = (
        None  # serve the local device service on 127.0.0.1 at this port (0: any free one)
    )
    ui_port: int | None = None  # serve the kiosk UI and its local API on 127.0.0.1 here (0: any free one)
    ui_bundle: Path | None = None  # the kiosk UI bundle directory (None: the one packaged with govkiosk)
    kiosk: KioskTimings = field(default_factory=KioskTimings)


class AgentSetupError(Exception):
    """The agent cannot run as configured (e.g. not enrolled and no enrollment token)."""


def default_serial() -> str:
    """A serial derived from the machine id (or the MAC when there is none)."""
    with contextlib.suppress(OSError):
        machine_id = Path("/etc/machine-id").read_text().strip()
        if machine_id:
            return f"GK-{machine_id[:16].upper()}"
    return f"GK-{uuid.getnode():012X}"


def mac_address() -> str:
    """This machine's MAC address (as Python sees it)."""
    node = uuid.getnode()
    return ":".join(f"{(node >> shift) & 0xFF:02x}" for shift in range(40, -8, -8))
