"""The citizen session's idle timeout comes from the platform's layered configuration (60–120 s)."""

from types import SimpleNamespace

import pytest

from govkiosk.agent.citizen.desk import CitizenDesk, idle_timeout_of
from govkiosk.agent.devices.simulated import SimulatedDevices
from govkiosk.agent.sync.options import KioskTimings


@pytest.mark.parametrize(
    ("config", "expected"),
    [({}, 90.0), ({"session_idle_timeout_s": 75}, 75.0), ({"session_idle_timeout_s": 30}, 60.0),
     ({"session_idle_timeout_s": 600}, 120.0), ({"session_idle_timeout_s": "75"}, 90.0),
     ({"session_idle_timeout_s": True}, 90.0)],
)  # fmt: skip
def test_the_idle_timeout_is_the_configured_one_within_60_to_120_seconds(
    config: dict[str, object], expected: float
) -> None:
    assert idle_timeout_of(config) == expected


def test_the_agents_own_idle_timeout_wins_when_set() -> None:
    agent = SimpleNamespace(config={"session_idle_timeout_s": 110}, devices=SimulatedDevices())
    assert CitizenDesk(agent, timings=KioskTimings()).idle_s == 110.0  # type: ignore[arg-type]
    assert CitizenDesk(agent, timings=KioskTimings(idle_s=0.4)).idle_s == 0.4  # type: ignore[arg-type]
