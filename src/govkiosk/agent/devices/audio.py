"""Audio: voice guidance (speak text with espeak-ng where installed) and named prompts."""

import asyncio
import shutil
import tempfile
import wave
from pathlib import Path

from govkiosk.agent.devices.base import DeviceError, DeviceService, Driver, EmitEvent, command
from govkiosk.agent.devices.simulated_driver import SimulatedDriver
from govkiosk.contracts.devices import AudioResult, PlayCommand, SpeakCommand, VolumeCommand, VolumeResult

PROMPTS = ("welcome", "insertIdCard", "takeCard", "takeReceipt", "lookAtCamera", "thankYou")
MS_PER_CHAR = 180  # a rough speaking rate for Chinese text
ESPEAK_AMPLITUDE = {1: 40, 2: 70, 3: 100, 4: 140, 5: 180}  # volume level → espeak-ng's -a (default 100)


class AudioDriver(Driver):
    """Hardware interface of the kiosk's speaker."""

    async def speak(self, text: str, language: str) -> AudioResult:
        raise NotImplementedError

    async def play(self, sound: str) -> AudioResult:
        raise NotImplementedError

    async def set_volume(self, level: int) -> VolumeResult:
        raise NotImplementedError


class SimulatedAudio(SimulatedDriver, AudioDriver):
    """Renders speech to a WAV with espeak-ng when installed (kept in `last_wav`), else only times it."""

    model = "simulated speaker"

    def __init__(self) -> None:
        super().__init__()
        self.spoken: list[str] = []
        self.last_wav: Path | None = None
        self.volume = 3

    async def speak(self, text: str, language: str) -> AudioResult:
        await self.operate(0.01)
        self.spoken.append(text)
        espeak = shutil.which("espeak-ng")
        if espeak is None:
            return AudioResult(durationMs=len(text) * MS_PER_CHAR, engine="simulated")
        wav = Path(tempfile.mkdtemp(prefix="govkiosk-audio-")) / "speech.wav"
        process = await asyncio.create_subprocess_exec(
            espeak, "-v", language, "-a", str(ESPEAK_AMPLITUDE[self.volume]), "-w", str(wav), text,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        if await process.wait() != 0:
            raise DeviceError("hardwareError", "espeak-ng failed")
        self.last_wav = wav
        with wave.open(str(wav)) as reader:
            duration = int(reader.getnframes() * 1000 / reader.getframerate())
        return AudioResult(durationMs=duration, engine="espeak-ng")

    async def play(self, sound: str) -> AudioResult:
        if sound not in PROMPTS:
            raise DeviceError("commandErrorCode", f"unknown prompt {sound!r}; known: {', '.join(PROMPTS)}")
        await self.operate(0.01)
        self.spoken.append(f"<{sound}>")
        return AudioResult(durationMs=1500, engine="simulated")

    async def set_volume(self, level: int) -> VolumeResult:
        await self.operate(0.0)
        self.volume = level
        return VolumeResult(level=level)


class AudioService(DeviceService):
    """The Audio service."""

    device_class = "Audio"
    driver: AudioDriver

    @command("Audio.Speak", SpeakCommand)
    async def speak(self, payload: SpeakCommand, emit: EmitEvent) -> AudioResult:
        """Speak a text."""
        return await self.driver.speak(payload.text, payload.language)

    @command("Audio.Play", PlayCommand)
    async def play(self, payload: PlayCommand, emit: EmitEvent) -> AudioResult:
        """Play a named prompt."""
        return await self.driver.play(payload.sound)

    @command("Audio.SetVolume", VolumeCommand)
    async def set_volume(self, payload: VolumeCommand, emit: EmitEvent) -> VolumeResult:
        """Set the speaker's volume (1–5)."""
        return await self.driver.set_volume(payload.level)
