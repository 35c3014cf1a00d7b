"""Simulated devices: every report is labelled simulated, and injected faults show in it."""

import pytest

from govkiosk.agent.devices.simulated import ALL_DEVICE_CLASSES, SimulatedDevices


def _by_class(devices: SimulatedDevices) -> dict[str, object]:
    return {p.device_class: p for p in devices.report()}


def test_default_profile_is_healthy_and_simulated() -> None:
    report = SimulatedDevices().report()
    assert [p.device_class for p in report] == list(ALL_DEVICE_CLASSES)
    assert all(p.simulated and p.state == "online" for p in report)
    printer = _by_class(SimulatedDevices())["Printer"]
    assert {(s.name, s.level) for s in printer.supplies} == {("paper", "ok"), ("toner", "ok")}


@pytest.mark.parametrize(
    ("fault", "state", "detail"),
    [
        ("not_present", "noDevice", "not present"),
        ("jam", "hardwareError", "media jam"),
        ("hardware_error", "hardwareError", "hardware error"),
        ("cover_open", "userError", "cover open"),
        ("offline", "offline", "offline"),
    ],
)
def test_state_faults_change_the_report(fault: str, state: str, detail: str) -> None:
    devices = SimulatedDevices()
    devices.inject("Printer", fault)  # type: ignore[arg-type]
    printer = _by_class(devices)["Printer"]
    assert (printer.state, printer.detail) == (state, detail)
    assert devices.degraded() == ["Printer"]


def test_paper_runs_low_then_out_then_is_refilled() -> None:
    devices = SimulatedDevices()
    devices.inject("Printer", "paper_low")
    assert _paper(devices) == "low"
    devices.inject("Printer", "paper_out")
    assert _paper(devices) == "out"
    devices.recover("Printer")
    assert _paper(devices) == "ok"
    assert devices.degraded() == []


def _paper(devices: SimulatedDevices) -> str:
    printer = _by_class(devices)["Printer"]
    return next(s.level for s in printer.supplies if s.name == "paper")


def test_subset_profile_and_bad_injections_are_refused() -> None:
    devices = SimulatedDevices(["IdCardReader", "Printer"])
    assert devices.classes == ["IdCardReader", "Printer"]
    with pytest.raises(ValueError):
        devices.inject("Camera", "offline")
    with pytest.raises(ValueError):
        devices.inject("IdCardReader", "paper_out")
    with pytest.raises(ValueError):
        devices.inject("Printer", "on_fire")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SimulatedDevices(["Toaster"])  # type: ignore[list-item]


def test_devices_file_selects_the_simulated_profile(tmp_path) -> None:
    spec = tmp_path / "devices.json"
    spec.write_text('{"devices": ["Camera", "Audio"]}')
    assert SimulatedDevices.from_spec(str(spec)).classes == ["Camera", "Audio"]
    assert SimulatedDevices.from_spec("simulated").classes == list(ALL_DEVICE_CLASSES)
