"""Chinese field validators (校验规则): resident ID number, mobile number, USCC and region code.

Each check has two faces: ``*_problems(value) -> list[Problem]`` with a Chinese and an English message
a citizen can read (the form engine shows these), and ``validate_*(value) -> list[str]`` with the English
messages only, like `govkiosk.platform.catalog.codes.validate_uscc`. Both are empty when the value is valid.
"""

import re
from datetime import date, timedelta, timezone
from typing import Literal, NamedTuple

from govkiosk.platform.catalog.codes import validate_uscc
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.support.forms.regions import PROVINCES, region_problems

__all__ = [
    "Problem",
    "age_on",
    "china_today",
    "id_age",
    "id_birth_date",
    "id_check_char",
    "id_number_problems",
    "id_sex",
    "mobile_problems",
    "region_code_problems",
    "uscc_problems",
    "validate_id_number",
    "validate_mobile",
    "validate_region_code",
    "validate_uscc",
]


class Problem(NamedTuple):
    """One thing wrong with a value, in Chinese and English."""

    zh: str
    en: str


CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")  # China has one zone and no summer time


def china_today() -> date:
    """Today's date in China (dates on forms and ID numbers are Beijing dates)."""
    return utcnow().astimezone(CHINA_TZ).date()


_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
# The first two digits of an ID number are a province code; 83 is used on the residence permits of
# Taiwan residents (台湾居民居住证), whose GB/T 2260 province code is 71.
_ID_PROVINCES = {code[:2] for code in PROVINCES} | {"83"}
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def id_check_char(first17: str) -> str:
    """The check character of a resident ID number (GB 11643-1999, ISO 7064 MOD 11-2) for its first 17."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("an ID number body is 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def _birth_date(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_number_problems(number: str, *, today: date | None = None) -> list[Problem]:
    """What is wrong with an 18-character resident ID number (公民身份号码); empty when valid."""
    if not _ID_SHAPE.match(number):
        return [
            Problem("身份证号码应为18位，最后一位可为数字或X", "An ID number has 17 digits and a digit or X")
        ]
    problems = []
    if number[:2] not in _ID_PROVINCES:
        problems.append(
            Problem("身份证号码前两位不是有效的省份代码", "The ID number starts with no province code")
        )
    born = _birth_date(number)
    if born is None or born.year < 1900:
        problems.append(Problem("身份证号码中的出生日期无效", "The birth date in the ID number is not valid"))
    elif born > (today or china_today()):
        problems.append(
            Problem("身份证号码中的出生日期晚于今天", "The birth date in the ID number is in the future")
        )
    if number[17] != id_check_char(number[:17]):
        problems.append(Problem("身份证号码校验位不正确", "The ID number's check digit is not correct"))
    return problems


def validate_id_number(number: str) -> list[str]:
    """Problems of a resident ID number (GB 11643-1999), in English; empty when valid."""
    return [p.en for p in id_number_problems(number)]


def id_birth_date(number: str) -> date:
    """The birth date encoded in a valid ID number; ValueError when the number is invalid."""
    if id_number_problems(number):
        raise ValueError("not a valid ID number")
    born = _birth_date(number)
    assert born is not None  # a valid number has a valid birth date
    return born


def id_sex(number: str) -> Literal["male", "female"]:
    """The sex encoded in a valid ID number: the 17th digit is odd for men, even for women."""
    if id_number_problems(number):
        raise ValueError("not a valid ID number")
    return "male" if int(number[16]) % 2 else "female"


def age_on(born: date, on: date) -> int:
    """Whole years from a birth date to a day (a 29 February birthday counts from 1 March)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def id_age(number: str, *, on: date | None = None) -> int:
    """The holder's age in whole years on a day (today by default)."""
    return age_on(id_birth_date(number), on or china_today())


def mobile_problems(number: str) -> list[Problem]:
    """What is wrong with a mainland mobile number (手机号码): 11 digits starting 13-19."""
    if _MOBILE.match(number):
        return []
    return [Problem("手机号码应为以1开头的11位数字", "A mobile number has 11 digits starting 13 to 19")]


def validate_mobile(number: str) -> list[str]:
    """Problems of a mainland mobile number, in English; empty when valid."""
    return [p.en for p in mobile_problems(number)]


def uscc_problems(code: str) -> list[Problem]:
    """What is wrong with a unified social credit code (统一社会信用代码, GB 32100-2015)."""
    found = validate_uscc(code)
    if not found:
        return []
    if len(code) != 18:
        return [Problem("统一社会信用代码应为18位", found[0])]
    return [Problem("统一社会信用代码不正确，请核对", message) for message in found]


def region_code_problems(code: str) -> list[Problem]:
    """What is wrong with a GB/T 2260 region code; see `regions` for how far the built-in table goes."""
    return [Problem(*p) for p in region_problems(code)]


def validate_region_code(code: str) -> list[str]:
    """Problems of a GB/T 2260 6-digit region code, in English; empty when plausible.

    The built-in table covers provinces, Guangdong's cities and Shenzhen's districts; the full table is
    a data file to be added later.
    """
    return [p.en for p in region_code_problems(code)]
