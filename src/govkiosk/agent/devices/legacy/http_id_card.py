"""An IdCardReader driver over a vendor's local HTTP card service (the common `GET
http://127.0.0.1:38088/card=idcard` shape): one JSON object per read, vendor field names mapped onto
`IdCardData` by a field table that a devices FILE can override. docs/devices.md documents the mapping."""

from typing import Any

import httpx

from govkiosk.agent.devices.base import DeviceError, EmitEvent
from govkiosk.agent.devices.id_card_reader import IdCardReaderDriver
from govkiosk.agent.devices.id_numbers import is_valid
from govkiosk.contracts.devices import IdCardData, MediaEventPayload, StatusPayload
from govkiosk.contracts.terminal_api import DeviceState

# Our field ← the vendor's field (the names most local card services of this shape use).
DEFAULT_FIELDS: dict[str, str] = {
    "name": "name",
    "sex": "sex",
    "ethnicity": "nation",
    "birthDate": "born",
    "address": "address",
    "idNumber": "cardno",
    "issuingAuthority": "police",
    "validFrom": "userlifebegin",
    "validTo": "userlifeend",
    "photo": "photobase64",
}
SUCCESS_CODES = {"0x90", "0", "144"}
NO_CARD_CODES = {"0x80", "0x9f", "-1"}
_SEX = {"男": "male", "1": "male", "M": "male", "女": "female", "2": "female", "F": "female"}


def _date(value: str) -> str:
    """`YYYYMMDD`, `YYYY.MM.DD` or `YYYY-MM-DD` → `YYYY-MM-DD`; 长期 → long-term."""
    if value.strip() in ("长期", "long-term"):
        return "long-term"
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) != 8:
        raise DeviceError("invalidData", "the vendor service sent a date that is not YYYYMMDD")
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"


def to_card(body: dict[str, Any], fields: dict[str, str]) -> IdCardData:
    """The vendor's answer as our `IdCardData` (resident cards; other card types need their own table)."""
    value = {ours: str(body.get(theirs, "") or "").strip() for ours, theirs in fields.items()}
    if not is_valid(value["idNumber"]):
        raise DeviceError("invalidData", "the vendor service sent an ID number with a wrong check digit")
    return IdCardData(
        cardType="resident",
        name=value["name"],
        sex=_SEX.get(value["sex"], "female" if value["sex"].startswith("女") else "male"),  # type: ignore[arg-type]
        ethnicity=value["ethnicity"].removesuffix("族") or None,
        birthDate=_date(value["birthDate"]),
        address=value["address"] or None,
        idNumber=value["idNumber"],
        issuingAuthority=value["issuingAuthority"],
        validFrom=_date(value["validFrom"]),
        validTo=_date(value["validTo"]),
        photo=value["photo"] or None,
    )


class LegacyHttpIdCardReader(IdCardReaderDriver):
    """Reads ID cards through a vendor's existing local HTTP service."""

    vendor = "legacy service"

    def __init__(self, *, url: str, fields: dict[str, str] | None = None, timeout_s: float = 10.0) -> None:
        super().__init__()
        self.url = url
        self.fields = {**DEFAULT_FIELDS, **(fields or {})}
        self.timeout_s = timeout_s
        self.model = f"legacy HTTP card service at {url}"
        self._state: DeviceState = "online"

    def status(self) -> StatusPayload:
        return StatusPayload(device=self._state, simulated=False, detail=self.url)

    def _set_state(self, state: DeviceState) -> None:
        if state != self._state:
            self._state = state
            self.changed()

    async def read(self, *, with_photo: bool, card_index: int | None, emit: EmitEvent) -> IdCardData:
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                response = await client.get(self.url)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            self._set_state("offline")
            reason = f"the vendor card service does not answer: {type(exc).__name__}"
            raise DeviceError("deviceNotReady", reason) from exc
        self._set_state("online")
        code = str(body.get("retcode", body.get("code", ""))).lower()
        if code in NO_CARD_CODES:
            raise DeviceError("commandErrorCode", "no card on the reader")
        if code not in SUCCESS_CODES:
            raise DeviceError("hardwareError", f"the vendor card service answered {code or 'no code'}")
        emit("IdCardReader.MediaInsertedEvent", MediaEventPayload(media="idCard"))
        card = to_card(body, self.fields)
        return card if with_photo else card.model_copy(update={"photo": None})


def factory(device_class: str, options: dict[str, Any]) -> LegacyHttpIdCardReader:
    """The driver of a devices FILE entry {"driver": "legacy-http-idcard", "url": …, "fields": {…}}."""
    if device_class != "IdCardReader":
        raise ValueError("the legacy HTTP card service drives IdCardReader only")
    if not options.get("url"):
        raise ValueError("legacy-http-idcard needs a url, e.g. http://127.0.0.1:38088/card=idcard")
    timeout_s = float(options.get("timeout_s", 10))
    return LegacyHttpIdCardReader(url=options["url"], fields=options.get("fields"), timeout_s=timeout_s)
