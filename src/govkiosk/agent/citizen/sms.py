"""Sending the citizen a text (the receipt's case number when nothing could be printed): the sender interface
and a simulated sender that only logs, with the phone number masked."""

import logging
from dataclasses import dataclass
from typing import Protocol

from govkiosk.contracts.masking import mask_mobile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentText:
    """What a simulated sender keeps of a message: the masked number and the text (nothing else personal)."""

    phone_masked: str
    text: str


class SmsSender(Protocol):
    """Sends one text message to a mainland mobile number."""

    simulated: bool

    async def send(self, phone: str, text: str) -> None: ...


class SimulatedSmsSender:
    """Sends nothing: logs the masked number and keeps the message in `sent`."""

    simulated = True

    def __init__(self) -> None:
        self.sent: list[SentText] = []

    async def send(self, phone: str, text: str) -> None:
        """Pretend to send."""
        self.sent = [*self.sent[-19:], SentText(mask_mobile(phone), text)]
        log.info("sms_sent phone=%s chars=%d simulated=true", mask_mobile(phone), len(text))
