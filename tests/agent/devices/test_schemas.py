"""The committed JSON Schemas match the models."""

from govkiosk.contracts.schemas import DEVICES_DIR, device_schemas


def test_device_schemas_are_not_stale() -> None:
    wanted = device_schemas()
    committed = {p.name: p.read_text(encoding="utf-8") for p in DEVICES_DIR.glob("*.json")}
    stale = sorted(n for n in wanted.keys() | committed.keys() if wanted.get(n) != committed.get(n))
    assert not stale, f"run `python -m govkiosk.contracts.schemas`; stale: {stale}"
    assert {"Message.json", "StatusPayload.json", "IdCardData.json"} <= committed.keys()
