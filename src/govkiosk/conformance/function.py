"""Level 2: scripted scenarios per device class — does each device do its job and answer sensibly?"""

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from govkiosk.conformance.context import Failed, Options, Skip, Target, check, expect_code, operator
from govkiosk.conformance.report import Level
from govkiosk.conformance.session import ServiceSession
from govkiosk.contracts.devices import (
    BarcodeData,
    CardDataResult,
    DataEntryResult,
    FaceMatchResult,
    IdCardData,
    ImageResult,
    SignatureResult,
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")


def id_number_valid(number: str) -> bool:
    """GB 11643 citizen ID number: 18 characters, last one the ISO 7064 MOD 11-2 check character."""
    if not _ID_PATTERN.match(number):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17]


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every (key, string) in a nested payload."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, str(k))
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str):
        yield key, value


def verify_id_card(payload: dict[str, Any]) -> str:
    numbers = [s for k, s in _strings(payload) if _ID_PATTERN.match(s.upper())]
    if not numbers:
        raise Failed("no 18-character ID number in the completion")
    if not id_number_valid(numbers[0].upper()):
        raise Failed(f"ID number {numbers[0][:6]}…{numbers[0][-4:]} fails the GB 11643 check digit")
    names = [s for k, s in _strings(payload) if k.lower() in ("name", "fullname") and s.strip()]
    if not names:
        raise Failed("no name in the completion")
    return f"ID {numbers[0][:6]}********{numbers[0][-4:]}, check digit valid"


_MAGIC = {"png": b"\x89PNG", "jpeg": b"\xff\xd8", "pdf": b"%PDF"}


def _images(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if isinstance(value.get("data"), str) and value.get("format") in _MAGIC:
            yield value
        for item in value.values():
            yield from _images(item)


def verify_image(payload: dict[str, Any]) -> str:
    for image in _images(payload):
        try:
            data = base64.b64decode(image["data"], validate=True)
        except ValueError:
            raise Failed("image data is not base64") from None
        if not data.startswith(_MAGIC[image["format"]]):
            raise Failed(f"image data is not a {image['format']} file")
        return f"{image['format']} {image.get('width')}×{image.get('height')}, {len(data)} bytes"
    raise Failed("no image ({format, data}) in the completion")


def verify_data(payload: dict[str, Any]) -> str:
    if not payload:
        raise Failed("empty completion payload")
    return f"fields {sorted(payload)[:5]}"


def verify_success(payload: dict[str, Any]) -> str:
    return "completed success"


@dataclass(frozen=True)
class Scenario:
    """One device job: which command (first capability whose name matches), with what, checked how."""

    title: str
    names: tuple[str, ...]  # the command, by preference, without the class prefix
    verify: Callable[[dict[str, Any]], str]
    payload: dict[str, Any] = field(default_factory=dict)
    prompt: str | None = None  # what a person must do first; None: nothing
    result: type[BaseModel] | None = None  # the contract's completion payload, when it names one

    def pick(self, target: Target) -> str | None:
        offered = set(target.commands)
        return next(
            (f"{target.device_class}.{n}" for n in self.names if f"{target.device_class}.{n}" in offered),
            None,
        )


@dataclass(frozen=True)
class Bound:
    """A scenario resolved against one service's capabilities."""

    name: str
    payload: dict[str, Any]
    prompt: str | None
    scenario: Scenario


TINY_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
RECEIPT = {"text": "深圳市政务服务 自助终端\n一致性测试回执 Conformance test receipt", "cut": True}

SCENARIOS: dict[str, Scenario] = {
    "IdCardReader": Scenario(
        "read ID card → fields, valid check digit",
        ("Read",),
        verify_id_card,
        prompt="请放置二代身份证 Place a resident ID card on the reader",
        result=IdCardData,
    ),
    "CardReader": Scenario(
        "read card → data",
        ("ReadCard", "Read"),
        verify_data,
        prompt="请插入社保卡 Insert a social-security card",
        result=CardDataResult,
    ),
    "BarcodeReader": Scenario(
        "read barcode → data",
        ("Read",),
        verify_data,
        prompt="请出示二维码 Show a QR code to the reader",
        result=BarcodeData,
    ),
    "Camera": Scenario("take picture → image", ("TakePicture", "Capture"), verify_image, result=ImageResult),
    "Biometric": Scenario(
        "match face → result",
        ("Match",),
        verify_data,
        payload={"reference": TINY_PNG},
        prompt="请正对摄像头 Face the camera",
        result=FaceMatchResult,
    ),
    "DocumentScanner": Scenario(
        "scan document → image",
        ("Scan",),
        verify_image,
        prompt="请将材料放在高拍仪下 Place a document under the scanner",
        result=ImageResult,
    ),
    "Printer": Scenario("print receipt → success", ("PrintRaw",), verify_success, payload=RECEIPT),
    "SignaturePad": Scenario(
        "capture signature → image",
        ("Capture", "GetSignature", "Sign", "Read"),
        verify_image,
        prompt="请在签名板上签名 Sign the pad",
        result=SignatureResult,
    ),
    "Keyboard": Scenario(
        "data entry → data",
        ("DataEntry",),
        verify_data,
        payload={"maxLength": 4},
        prompt="请输入 1234 后按确认 Type 1234 and press OK",
        result=DataEntryResult,
    ),
    "Audio": Scenario(
        "speak guidance → success", ("Speak", "Play"), verify_success, payload={"text": "欢迎使用 Welcome"}
    ),
    "Lights": Scenario(
        "set guidance light → success",
        ("SetLight",),
        verify_success,
        payload={"light": "status", "flash": "on", "color": "green"},
    ),
}


def primary_command(target: Target) -> Bound | None:
    """The class's scenario command as this service names it, or None if it offers none."""
    scenario = SCENARIOS.get(target.device_class)
    name = scenario.pick(target) if scenario else None
    if scenario is None or name is None:
        return None
    return Bound(name=name, payload=scenario.payload, prompt=scenario.prompt, scenario=scenario)


async def run_primary(
    session: ServiceSession, target: Target, options: Options, *, wait: float = 30, ask: bool = True
) -> str:
    """Run the scenario once (asking the operator first when a person must act) and verify its answer."""
    bound = primary_command(target)
    if bound is None:
        raise Skip(f"no {target.device_class} command matches the scenario ({target.commands})")
    if ask and bound.prompt and not target.simulated:
        if options.unattended:
            raise Skip(f"a person must act ({bound.prompt}); unattended run against real hardware")
        await operator(options, bound.prompt)
    exchange = await session.command(bound.name, bound.payload, wait=wait)
    expect_code(exchange, "success", bound.name)
    assert exchange.completion is not None
    payload = exchange.completion.payload
    if bound.scenario.result is not None:
        try:
            bound.scenario.result.model_validate(payload)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(map(str, first["loc"]))
            raise Failed(f"{bound.name} completion payload invalid at {where}: {first['msg']}") from None
    return f"{bound.name}: {bound.scenario.verify(payload)}"


async def level2(target: Target, options: Options, level: Level) -> None:
    """Run the class's scenario."""
    scenario = SCENARIOS.get(target.device_class)
    title = scenario.title if scenario else f"{target.device_class} scenario"
    async with ServiceSession(target.url, token=options.token) as session:

        async def body() -> str | None:
            return await run_primary(session, target, options)

        await check(level, title, body, options)
