"""The fleet simulator against the fake platform over real HTTP."""

import asyncio
import random
from pathlib import Path
from typing import Any

from govkiosk.sim.fleet import PROFILES, ChaosPlan, Fleet
from tests.agent.fake_platform import ENROLL_TOKEN, FakePlatform, served, wait_for

FAST_AGENTS = {"backoff_base_s": 0.01, "backoff_cap_s": 0.1, "push": False}


def _fleet(url: str, state_dir: Path, terminals: int = 5, **overrides: Any) -> Fleet:
    settings: dict[str, Any] = {
        "interval_override": 0.1, "chaos_period_s": None, "stagger_s": 0.01, "progress_every_s": None,
        "echo": None, "agent_options": FAST_AGENTS,
    }  # fmt: skip
    settings.update(overrides)
    return Fleet(url, terminals, ENROLL_TOKEN, state_dir, seed=7, **settings)


def _all_beating(fake: FakePlatform, terminals: int, beats: int) -> bool:
    ids = list(fake.terminals)
    return len(ids) == terminals and all(len(fake.heartbeats_of(i)) >= beats for i in ids)


async def test_fleet_enrolls_every_kiosk_and_heartbeats(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with served(fake.app()) as url:
        fleet = _fleet(url, tmp_path)
        await fleet.start()
        try:
            await wait_for(lambda: _all_beating(fake, 5, 2), timeout=10)
            assert fleet.counts()["online"] == 5 and fleet.counts()["approved"] == 5
            fleet.agents[0].devices.inject("Printer", "paper_out")
            first = fleet.agents[0].terminal_id
            await wait_for(lambda: _paper(fake, first) == "out")
            assert "online 5" in fleet.progress_line()
        finally:
            await fleet.stop()
    assert sorted(t.serial for t in fake.terminals.values()) == [f"SIM-7-{i:05d}" for i in range(5)]
    assert {t.vendor for t in fake.terminals.values()} == {"SIM-A", "SIM-B", "SIM-C"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"term-{i:04d}" for i in range(1, 6)]


def _paper(fake: FakePlatform, terminal_id: int | None) -> str | None:
    beats = fake.heartbeats_of(terminal_id or 0)
    printer = next(p for p in beats[-1].peripherals if p.device_class == "Printer") if beats else None
    return next((s.level for s in printer.supplies if s.name == "paper"), None) if printer else None


async def test_a_restarted_fleet_keeps_its_identities(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with served(fake.app()) as url:
        for _ in range(2):
            fleet = _fleet(url, tmp_path, terminals=3)
            await fleet.start()
            try:
                beats = len(fake.heartbeats)
                await wait_for(lambda: len(fake.heartbeats) >= beats + 6, timeout=10)  # noqa: B023
            finally:
                await fleet.stop()
    assert fake.count("enroll") == 3


def test_chaos_plan_is_a_function_of_the_seed() -> None:
    profiles = [PROFILES[v] for v in ("SIM-A", "SIM-B", "SIM-C")] * 4

    def story(seed: int) -> list[Any]:
        plan = ChaosPlan(random.Random(seed), profiles)
        return [plan.draw() for _ in range(30)]

    assert story(1) == story(1)
    assert story(1) != story(2)
    events = story(1)
    assert {e.kind for e in events} == {"offline", "paper", "fault"}
    assert all(e.device_class in profiles[e.index] for e in events if e.kind == "fault")


async def test_mishaps_happen_and_kiosks_come_back(tmp_path: Path) -> None:
    fake = FakePlatform()
    async with served(fake.app()) as url:
        fleet = _fleet(url, tmp_path, terminals=6, chaos_period_s=0.05, offline_grace_s=0.0)
        await fleet.start()
        seen_off, seen_fault = set(), False
        try:
            for _ in range(150):
                seen_off |= fleet.offline
                seen_fault = seen_fault or fleet.counts()["degraded"] > 0
                if seen_off and seen_fault:
                    break
                await asyncio.sleep(0.02)
            assert seen_off and seen_fault
            index = next(iter(seen_off))
            await wait_for(lambda: fleet.agents[index].online, timeout=10)
        finally:
            await fleet.stop()
    assert fake.count("enroll") == 6
