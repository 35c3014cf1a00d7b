"""The agent's log is JSON lines and never carries a secret."""

import json
from pathlib import Path

from govkiosk.agent.sync.logs import REDACTED, AgentLog


def test_lines_are_json_and_secrets_are_redacted(tmp_path: Path) -> None:
    log = AgentLog(tmp_path / "agent.log", context={"serial": "S-1"})
    log.info("authenticated", access_token="abc.def", expires_in_s=600)
    log.error("enroll", enrollment_token="enroll-secret", private_key="00ff")
    lines = [json.loads(line) for line in log.tail(10)]
    log.close()
    assert lines[0]["event"] == "authenticated" and lines[0]["serial"] == "S-1"
    assert lines[0]["access_token"] == REDACTED and lines[0]["expires_in_s"] == 600
    assert lines[1]["level"] == "error"
    text = (tmp_path / "agent.log").read_text()
    assert "abc.def" not in text and "enroll-secret" not in text and "00ff" not in text


def test_tail_returns_the_last_lines(tmp_path: Path) -> None:
    log = AgentLog(tmp_path / "agent.log")
    for number in range(300):
        log.debug("line", number=number)
    tail = log.tail(200)
    log.close()
    assert len(tail) == 200
    assert json.loads(tail[-1])["number"] == 299
