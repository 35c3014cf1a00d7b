"""The state directory: a private key readable by the owner only, and atomically written state."""

import stat
from pathlib import Path

from govkiosk.agent.sync.state import MAX_ACTION_RECORDS, ActionRecord, AgentState, StateStore


def test_key_is_private_and_stable(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "kiosk")
    store.prepare()
    first = store.load_or_create_key()
    assert stat.S_IMODE(store.key_path.stat().st_mode) == 0o600
    assert store.load_or_create_key() == first


def test_state_round_trips_and_leaves_no_temp_files(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    state = AgentState(serial="S-1", platform="http://p", terminal_id=7, enrollment="approved", locked=True)
    state.actions[3] = ActionRecord(kind="reboot")
    store.save(state)
    again = store.load(serial="ignored", platform="http://p")
    assert again == state
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_old_finished_actions_are_pruned_but_started_ones_kept(tmp_path: Path) -> None:
    state = AgentState(serial="S-1", platform="http://p")
    state.actions[1] = ActionRecord(kind="reboot", status="started")
    for action_id in range(2, MAX_ACTION_RECORDS + 10):
        state.actions[action_id] = ActionRecord(kind="restart_app", status="finished")
    StateStore(tmp_path).save(state)
    assert 1 in state.actions
    assert 2 not in state.actions
    assert len(state.actions) <= MAX_ACTION_RECORDS + 1


def test_config_is_stored(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    assert store.load_config() == (None, {})
    store.save_config("e1", {"screen_lock_message": "暂停服务"})
    assert store.load_config() == ("e1", {"screen_lock_message": "暂停服务"})
