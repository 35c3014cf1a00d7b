"""The citizen session: timeouts on an injected clock, wipe on end, card removal, what the platform gets."""

from typing import Any

import pytest

from govkiosk.agent.citizen.identity import IdentityResult
from govkiosk.agent.citizen.session import CitizenSession, SessionEnded, SessionEndedError
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.id_numbers import check_digit

ID_NUMBER = "44030419900101123" + check_digit("44030419900101123")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_identity(**overrides: Any) -> IdentityResult:
    fields: dict[str, Any] = {
        "name": "测试张三", "id_number": ID_NUMBER, "method": "idcard_face", "assurance": "high",
        "simulated": True, "card_photo": bytearray(b"card-photo-bytes"),
        "live_image": bytearray(b"live-face"),
    }  # fmt: skip
    fields.update(overrides)
    return IdentityResult(**fields)


def make_session(clock: Clock, ended: list[SessionEnded], **overrides: Any) -> CitizenSession:
    return CitizenSession(make_identity(), clock=clock, on_end=ended.append, **overrides)


def test_idle_timeout_defaults_to_90_s_and_touch_restarts_it() -> None:
    clock, ended = Clock(), []
    session = make_session(clock, ended)
    clock.now += 80
    session.touch()
    clock.now += 80
    assert session.check() is None and session.seconds_left() == pytest.approx(10)
    clock.now += 10
    assert session.check() == "idle_timeout" and ended == [SessionEnded(session.id, "idle_timeout")]


def test_absolute_lifetime_ends_even_a_busy_session() -> None:
    clock, ended = Clock(), []
    session = make_session(clock, ended, idle_timeout_s=60, max_lifetime_s=300)
    for _ in range(5):
        clock.now += 59
        session.touch()
    assert not session.ended
    clock.now += 5
    session.touch()
    assert session.end_reason == "lifetime_exceeded" and [e.reason for e in ended] == ["lifetime_exceeded"]


def test_ending_wipes_identity_images_materials_and_drafts() -> None:
    clock, ended = Clock(), []
    session = make_session(clock, ended)
    identity = session.identity
    assert identity is not None
    card_photo, live_image = identity.card_photo, identity.live_image
    session.add_material("户口簿", b"scanned-page")
    scan = session.materials["户口簿"]
    draft_signature = bytearray(b"signature-strokes")
    session.save_draft("form", {"address": "测试路1号", "signature": draft_signature})
    session.end()
    assert session.identity is None and session.materials == {} and session.drafts == {}
    assert card_photo == bytearray() and live_image == bytearray()  # zeroed, then emptied
    assert scan == bytearray(len(b"scanned-page")) and draft_signature == bytearray(len(draft_signature))
    assert identity.name == "" and identity.id_number == ""
    assert ended == [SessionEnded(session.id, "finished")]
    session.end("cancelled")
    assert len(ended) == 1  # ends once
    with pytest.raises(SessionEndedError):
        session.applicant()


def test_discarding_a_submitted_material_zeroes_it() -> None:
    session = make_session(Clock(), [])
    session.add_material("photo", b"abc")
    buffer = session.materials["photo"]
    session.discard_material("photo")
    assert buffer == bytearray(3) and "photo" not in session.materials


def test_card_removal_ends_the_session() -> None:
    devices, ended = DeviceSet.simulated(["IdCardReader"]), []
    session = make_session(Clock(), ended)
    reader = devices.get("IdCardReader")
    session.follow_card(reader)
    reader.publish("IdCardReader.MediaInsertedEvent", {"media": "idCard"})
    assert not session.ended
    reader.publish("IdCardReader.MediaRemovedEvent", {"media": "idCard"})
    assert session.end_reason == "card_removed" and ended[0].reason == "card_removed"
    assert reader._listeners == set()


def test_the_platform_gets_only_applicant_fields() -> None:
    session = make_session(Clock(), [])
    submission = session.submission(item_id=3, item_version=1, data={"k": "v"}, phone="13800000000")
    body = submission.model_dump_json()
    assert submission.applicant.model_dump() == {
        "name": "测试张三", "id_number": ID_NUMBER, "phone": "13800000000", "verified_by": "idcard_face",
    }  # fmt: skip
    assert "card-photo" not in body and "live-face" not in body and "photo" not in body
    assert len(submission.idempotency_key) == 32
    assert (
        session.submission(item_id=3, item_version=1, data={}).idempotency_key != submission.idempotency_key
    )


def test_nothing_personal_in_repr_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="govkiosk.agent.citizen.session")
    session = make_session(Clock(), [])
    assert ID_NUMBER not in repr(session.identity) and "测试张三" not in repr(session.identity)
    session.end()
    assert ID_NUMBER not in caplog.text and "测试张三" not in caplog.text and "4403**" in caplog.text
