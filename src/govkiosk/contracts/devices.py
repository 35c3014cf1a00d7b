"""The device protocol (agent-local, XFS4IoT-style JSON over WebSocket): message envelope, completion codes,
discovery, and the Common.* payloads every service speaks. DESIGN.md §5.3.

Endpoints of a device service at `ws://127.0.0.1:<port>`:
- `/xfs4iot/v1.0` — the service publisher: command `ServicePublisher.GetServices` completes with
  `ServicesPayload` (also served as JSON at `GET http://127.0.0.1:<port>/xfs4iot/v1.0/services`);
- `/xfs4iot/v1.0/<DeviceClass>` — one service per device class (`IdCardReader`, `Printer`, …).
A client authenticates each connection with the per-session token as the query parameter `token`.

Exchange rules (checked by the conformance kit):
- a `command` gets exactly one `acknowledge` (same name and requestId) before anything else for it, then
  zero or more `event`s carrying its requestId, then exactly one `completion`;
- `unsolicited` messages (`Common.StatusChangedEvent`, `Common.ErrorEvent`, class events such as
  `Printer.PaperThresholdEvent`) carry no requestId;
- a requestId already in use on the connection → a `completion` with `invalidRequestID` and no
  acknowledge; an unparseable message or a missing requestId → a `completion` with `invalidData`
  (requestId null when unknown);
- an unknown command → acknowledge, then completion `unsupportedCommand`;
- `Common.Cancel` (payload `requestIds`, empty = all of this connection's) completes `success`, and each
  cancelled command completes `canceled`; a closed connection cancels its pending commands;
- a command past its `timeout` (ms; 0 or absent = the service default) completes `timeOut`;
- commands that act on the device run one at a time per service; queries (`Common.Status`,
  `Common.Capabilities`, `Common.Cancel`) run concurrently.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from govkiosk.contracts.terminal_api import DeviceClass, DeviceState, SupplyLevel

PROTOCOL_VERSION = "1.0"
BASE_PATH = "/xfs4iot/v1.0"

MessageType = Literal["command", "acknowledge", "event", "completion", "unsolicited"]
CompletionCode = Literal[
    "success",
    "commandErrorCode",
    "canceled",
    "deviceNotReady",
    "hardwareError",
    "internalError",
    "invalidCommand",
    "invalidRequestID",
    "timeOut",
    "unsupportedCommand",
    "invalidData",
    "userError",
    "unsupportedData",
    "sequenceError",
    "authorisationRequired",
]
QUERY_COMMANDS = ("Common.Status", "Common.Capabilities", "Common.Cancel")


class Header(BaseModel):
    """The envelope's header; `completionCode` and `errorDescription` only on completions."""

    model_config = ConfigDict(extra="forbid")

    type: MessageType
    name: str = Field(min_length=3, max_length=100, pattern=r"^[A-Za-z]+\.[A-Za-z]+$")
    requestId: int | None = Field(default=None, ge=1)
    version: str = PROTOCOL_VERSION
    timeout: int | None = Field(default=None, ge=0, description="ms; commands only")
    completionCode: CompletionCode | None = None
    errorDescription: str | None = Field(default=None, max_length=500)


class Message(BaseModel):
    """One message on a device service connection."""

    model_config = ConfigDict(extra="forbid")

    header: Header
    payload: dict[str, Any] = Field(default_factory=dict)


class Supply(BaseModel):
    name: str  # paper, toner, media, ribbon, ink…
    level: SupplyLevel


class StatusPayload(BaseModel):
    """`Common.Status` completion and `Common.StatusChangedEvent` payload."""

    device: DeviceState
    supplies: list[Supply] = Field(default_factory=list)
    simulated: bool
    detail: str | None = None


class CapabilitiesPayload(BaseModel):
    """`Common.Capabilities` completion payload."""

    deviceClass: DeviceClass
    commands: list[str]
    events: list[str]
    simulated: bool
    vendor: str | None = None
    model: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class CancelPayload(BaseModel):
    requestIds: list[int] = Field(default_factory=list, description="empty: every pending command")


class ErrorEventPayload(BaseModel):
    """`Common.ErrorEvent`: something went wrong that no command is waiting for."""

    errorCode: str
    description: str


class ServiceEntry(BaseModel):
    deviceClass: DeviceClass
    serviceURI: str


class ServicesPayload(BaseModel):
    """`ServicePublisher.GetServices` completion payload and the discovery document."""

    vendor: str
    simulated: bool
    services: list[ServiceEntry]


# --- simulator-only commands (present only on simulated services, listed in their capabilities) ---
# `Simulator.InjectFault` {fault} puts a fault on the simulated device (a state fault raises
# `Common.StatusChangedEvent`; `timeout` makes the next device command hang until its timeout);
# `Simulator.Recover` clears every fault. Both complete with `FaultsPayload` and, like queries,
# run concurrently with device commands. A fault the class does not simulate → `unsupportedData`.

SIMULATOR_COMMANDS = ("Simulator.InjectFault", "Simulator.Recover")
SimulatorFault = Literal[
    "not_present",
    "offline",
    "hardware_error",
    "paper_low",
    "paper_out",
    "toner_low",
    "jam",
    "cover_open",
    "card_removed",
    "timeout",
    "unplug",
    "replug",
    "face_mismatch",
    "no_media",
]


class InjectFaultPayload(BaseModel):
    """`Simulator.InjectFault` command payload."""

    model_config = ConfigDict(extra="forbid")

    fault: SimulatorFault


class FaultsPayload(BaseModel):
    """`Simulator.InjectFault` / `Simulator.Recover` completion payload: the faults now active."""

    faults: list[SimulatorFault]


# --- IdCardReader ---

IdCardType = Literal["resident", "foreignPermanentResident", "hkMacaoTaiwanResident"]


class IdCardReadCommand(BaseModel):
    """`IdCardReader.Read` command payload."""

    model_config = ConfigDict(extra="forbid")

    withPhoto: bool = True
    cardIndex: int | None = Field(default=None, ge=0, description="simulator: which synthetic card")


class IdCardData(BaseModel):
    """`IdCardReader.Read` completion payload (二代证 fields)."""

    cardType: IdCardType
    name: str
    sex: Literal["male", "female"]
    ethnicity: str | None = Field(default=None, description="resident cards only")
    nationality: str = "CHN"
    birthDate: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    address: str | None = None
    idNumber: str = Field(pattern=r"^[0-9A-Z]{17}[0-9X]$")
    issuingAuthority: str
    validFrom: str
    validTo: str = Field(description="YYYY-MM-DD or 'long-term'")
    photo: str | None = Field(default=None, description="base64 PNG")


class MediaEventPayload(BaseModel):
    """`IdCardReader.MediaInsertedEvent` / `MediaRemovedEvent`, `CardReader.MediaInsertedEvent`."""

    media: str


# --- CardReader ---

CardKind = Literal["socialSecurity", "bank"]


class ChipPowerCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["cold", "warm", "off"] = "cold"


class ChipPowerResult(BaseModel):
    atr: str | None = Field(default=None, description="hex; null when powered off")


class ChipIoCommand(BaseModel):
    """`CardReader.ChipIO`: one APDU."""

    model_config = ConfigDict(extra="forbid")

    apdu: str = Field(pattern=r"^([0-9A-Fa-f]{2}){4,261}$")


class ChipIoResult(BaseModel):
    response: str = Field(description="hex response data followed by SW1 SW2")


class CardDataResult(BaseModel):
    """`CardReader.ReadCard` completion: basic card data, account numbers masked."""

    cardKind: CardKind
    holderName: str
    cardNumber: str = Field(description="masked")
    issuer: str
    validTo: str | None = None


# --- BarcodeReader ---


class BarcodeData(BaseModel):
    """`BarcodeReader.Read` completion and `BarcodeReader.ReadEvent` payload."""

    symbology: Literal["qrCode", "code128", "ean13", "pdf417", "dataMatrix"]
    data: str


class BarcodeScanCommand(BaseModel):
    """`BarcodeReader.Scan`: continuous scanning, one ReadEvent per code, until `count` or Cancel."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(default=3, ge=1, le=100)


# --- images (Camera, DocumentScanner, SignaturePad) ---

ImageFormat = Literal["png", "jpeg", "pdf"]


class TakePictureCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    camera: Literal["face", "document", "scene"] = "face"
    width: int = Field(default=320, ge=16, le=4096)
    height: int = Field(default=240, ge=16, le=4096)


class ScanCommand(BaseModel):
    """`DocumentScanner.Scan` (高拍仪)."""

    model_config = ConfigDict(extra="forbid")

    dpi: int = Field(default=200, ge=75, le=600)
    color: Literal["color", "gray", "bw"] = "color"
    crop: bool = True
    deskew: bool = True
    format: ImageFormat = "png"


class ImageResult(BaseModel):
    """An image in a completion payload."""

    format: ImageFormat
    width: int
    height: int
    data: str = Field(description="base64")
    dpi: int | None = None


# --- Biometric ---


class LivenessResult(BaseModel):
    live: bool
    score: float = Field(ge=0, le=1)


class FaceMatchCommand(BaseModel):
    """`Biometric.Match`: capture a face and compare it with a reference (the ID card photo)."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(description="base64 image, e.g. IdCardReader.Read's photo")
    threshold: float = Field(default=0.8, ge=0, le=1)


class FaceMatchResult(BaseModel):
    match: bool
    score: float = Field(ge=0, le=1)
    threshold: float
    live: bool


# --- Printer ---


class PrintRawCommand(BaseModel):
    """`Printer.PrintRaw`: receipt text (ESC/POS rendered by the driver)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=20000)
    cut: bool = True


class PrintFormCommand(BaseModel):
    """`Printer.PrintForm`: a named receipt form filled with fields."""

    model_config = ConfigDict(extra="forbid")

    form: str = Field(min_length=1, max_length=64)
    fields: dict[str, str] = Field(default_factory=dict)
    cut: bool = True


class PrintPdfCommand(BaseModel):
    """`Printer.PrintPdf`: an A4 document."""

    model_config = ConfigDict(extra="forbid")

    pdf: str = Field(description="base64 PDF")
    copies: int = Field(default=1, ge=1, le=20)
    duplex: bool = False


class PrintResult(BaseModel):
    jobId: int
    pages: int


class PaperThresholdPayload(BaseModel):
    """`Printer.PaperThresholdEvent` / `Printer.TonerThresholdEvent` (unsolicited)."""

    supply: str
    level: SupplyLevel


# --- SignaturePad, Keyboard, Audio, Lights ---


class Stroke(BaseModel):
    points: list[tuple[int, int]]


class SignatureResult(BaseModel):
    image: ImageResult
    strokes: list[Stroke]


class DataEntryCommand(BaseModel):
    """`Keyboard.DataEntry` (and `Keyboard.PinEntry`, which never reveals the digits)."""

    model_config = ConfigDict(extra="forbid")

    maxLength: int = Field(default=18, ge=1, le=64)
    numericOnly: bool = True


class DataEntryResult(BaseModel):
    data: str | None = Field(description="null for PIN entry")
    length: int


class KeyEventPayload(BaseModel):
    """`Keyboard.KeyEvent`: one key pressed (`*` for PIN digits)."""

    key: str


class SpeakCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)
    language: str = "zh"


class PlayCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sound: str = Field(min_length=1, max_length=100, description="a named prompt, e.g. 'insertCard'")


class VolumeCommand(BaseModel):
    """`Audio.SetVolume`: the speaker's volume, 1 (quiet) to 5 (loud); the kiosk UI's volume buttons."""

    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=1, le=5)


class VolumeResult(BaseModel):
    level: int


class AudioResult(BaseModel):
    durationMs: int
    engine: str = Field(description="'espeak-ng' or 'simulated'")


class LightCommand(BaseModel):
    """`Lights.SetLight`: guidance light next to a device slot."""

    model_config = ConfigDict(extra="forbid")

    light: Literal["idCardReader", "cardReader", "printer", "scanner", "barcodeReader", "status"]
    flash: Literal["off", "on", "slow", "medium", "quick"] = "on"
    color: Literal["white", "red", "green", "yellow", "blue"] = "white"


class LightsState(BaseModel):
    lights: dict[str, str]
