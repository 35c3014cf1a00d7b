"""Citizen ID numbers (GB 11643-1999): check digit (ISO 7064 MOD 11-2) and validation; masking is in
`contracts/masking.py`, shared with the platform."""

import re

_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17: str) -> str:
    """The 18th character of an ID number whose first 17 digits are given."""
    if not re.fullmatch(r"\d{17}", first17):
        raise ValueError("17 digits expected")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid(id_number: str) -> bool:
    """True when the ID number is well formed and its check digit is right."""
    return bool(_SHAPE.match(id_number)) and check_digit(id_number[:17]) == id_number[17]
