"""Case numbers (办件编号): ``K440304-20261128-000123-4``.

Parts: the channel letter (K kiosk, W window, O online), the 6-digit administrative division code
(行政区划代码) of the handling place, the China-local date of submission, a 6-digit daily sequence and a
check digit. The sequence is allocated by the caller (a database sequence) and must be unique per
channel, region and day; it runs from 000001 to 999999.

The check digit is ISO 7064 MOD 11-10 over the 21 digits ``channel code + region + date + sequence``, where
the channel code is K=1, W=2, O=3, so a mistyped channel letter is caught too. It detects every single-digit
error; like Luhn it misses about 2 % of swaps of adjacent digits (we measured both: neither catches all, only
Damm or Verhoeff would). We chose it over Luhn because it is the ISO 7064 family already used by the resident
ID number (GB 11643, MOD 11-2), while always yielding one decimal digit (no 'X') that citizens can read out
and type on a kiosk keypad.
"""

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime

from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.support.workdays import local_date


class CaseChannel(enum.StrEnum):
    """The channel a case came in through (so 办件率, the kiosk case-handling rate, can be computed)."""

    KIOSK = "kiosk"  # 自助终端
    WINDOW = "window"  # 窗口
    ONLINE = "online"  # 网上 (portal and mobile)


CHANNEL_LETTERS: dict[CaseChannel, str] = {
    CaseChannel.KIOSK: "K",
    CaseChannel.WINDOW: "W",
    CaseChannel.ONLINE: "O",
}
_LETTER_CHANNELS = {letter: channel for channel, letter in CHANNEL_LETTERS.items()}
_CHANNEL_CODES = {"K": "1", "W": "2", "O": "3"}
_PATTERN = re.compile(r"([KWO])-?(\d{6})-?(\d{8})-?(\d{6})-?(\d)")
MAX_SEQUENCE = 999_999


def mod11_10_check_digit(digits: str) -> int:
    """The ISO 7064 MOD 11-10 check digit of a string of decimal digits."""
    if not digits.isdigit() or not digits.isascii():
        raise InvalidInput(f"{digits!r} is not a string of decimal digits")
    product = 10
    for ch in digits:
        total = (product + int(ch)) % 10 or 10
        product = (2 * total) % 11
    return (11 - product) % 10


def mod11_10_is_valid(digits_with_check: str) -> bool:
    """Whether the last digit is the MOD 11-10 check digit of the digits before it."""
    if len(digits_with_check) < 2 or not digits_with_check.isdigit() or not digits_with_check.isascii():
        return False
    return mod11_10_check_digit(digits_with_check[:-1]) == int(digits_with_check[-1])


@dataclass(frozen=True)
class CaseNumber:
    """A parsed case number."""

    channel: CaseChannel
    region_code: str
    day: date
    sequence: int

    @property
    def check_digit(self) -> int:
        """The MOD 11-10 check digit."""
        return mod11_10_check_digit(self._payload())

    def _payload(self) -> str:
        letter = CHANNEL_LETTERS[self.channel]
        return f"{_CHANNEL_CODES[letter]}{self.region_code}{self.day:%Y%m%d}{self.sequence:06d}"

    def __str__(self) -> str:
        letter = CHANNEL_LETTERS[self.channel]
        return f"{letter}{self.region_code}-{self.day:%Y%m%d}-{self.sequence:06d}-{self.check_digit}"


def _validate(region_code: str, day: date, sequence: int) -> None:
    if not re.fullmatch(r"[1-9]\d{5}", region_code):
        raise InvalidInput(f"region code {region_code!r} is not a 6-digit administrative division code")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise InvalidInput(f"sequence {sequence} is outside 1..{MAX_SEQUENCE}")
    if not 2000 <= day.year <= 9999:
        raise InvalidInput(f"date {day} is out of range")


def make_case_number(channel: CaseChannel, region_code: str, at: date | datetime, sequence: int) -> str:
    """The case number for the ``sequence``-th case of the day; ``at`` as a datetime is read in China time."""
    number = CaseNumber(CaseChannel(channel), region_code, local_date(at), sequence)
    _validate(number.region_code, number.day, number.sequence)
    return str(number)


def parse_case_number(text: str) -> CaseNumber:
    """A case number read back (dashes optional, any case, surrounding blanks ignored); checks the digit."""
    match = _PATTERN.fullmatch(text.strip().upper())
    if match is None:
        raise InvalidInput(f"{text!r} is not a case number like K440304-20261128-000123-4")
    letter, region, day_text, seq, check = match.groups()
    try:
        day = datetime.strptime(day_text, "%Y%m%d").date()
    except ValueError as exc:
        raise InvalidInput(f"{text!r} has an impossible date {day_text}") from exc
    number = CaseNumber(_LETTER_CHANNELS[letter], region, day, int(seq))
    _validate(region, day, number.sequence)
    if number.check_digit != int(check):
        raise InvalidInput(f"{text!r} has a wrong check digit: probably a typo")
    return number
