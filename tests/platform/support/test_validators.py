"""Chinese validators: ID numbers (GB 11643), mobile numbers, USCCs (GB 32100), region codes (GB/T 2260)."""

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govkiosk.contracts.masking import mask_id_number, mask_mobile
from govkiosk.platform.support.forms.regions import SHENZHEN_DISTRICTS, region_children, region_name
from govkiosk.platform.support.forms.validators import (
    id_age,
    id_birth_date,
    id_number_problems,
    id_sex,
    mobile_problems,
    uscc_problems,
    validate_id_number,
    validate_mobile,
    validate_region_code,
    validate_uscc,
)
from govkiosk.sim.demo_catalog import DEMO_DEPARTMENTS

DISTRICTS_CSV = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "shenzhen" / "districts.csv"


def make_id(region: str, born: date, sequence: int) -> str:
    """An ID number built from the standard's description, written apart from the code under test."""
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    remainder = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
    return body + "10X98765432"[remainder]


def with_wrong_check(number: str) -> str:
    """The same number with another check character."""
    return number[:17] + ("0" if number[17] != "0" else "1")


ids = st.builds(
    make_id,
    st.sampled_from(["440304", "440305", "110105", "510104", "650102", "820000"]),
    st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


def test_the_standards_example_number_is_valid() -> None:
    assert validate_id_number("11010519491231002X") == []  # the example printed in GB 11643-1999


@given(ids)
def test_generated_numbers_are_valid(number: str) -> None:
    assert validate_id_number(number) == []


@given(ids, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_one_changed_character_fails(number: str, position: int, shift: int) -> None:
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = alphabet.index(number[position])
    new = alphabet[(old + 1 + shift % (len(alphabet) - 1)) % len(alphabet)]  # never the old character
    changed = number[:position] + new + number[position + 1 :]
    assert validate_id_number(changed) != []


@pytest.mark.parametrize(
    ("number", "zh"),
    [
        ("4403041990010112", "身份证号码应为18位，最后一位可为数字或X"),
        ("44030419900101123x", "身份证号码应为18位，最后一位可为数字或X"),  # a lower-case x is not accepted
        (make_id("990000", date(1990, 1, 1), 1), "身份证号码前两位不是有效的省份代码"),
        (make_id("440304", date(2099, 1, 1), 1), "身份证号码中的出生日期晚于今天"),
        ("44030419990230123" + "0", "身份证号码中的出生日期无效"),
        (with_wrong_check(make_id("440304", date(1990, 1, 1), 1)), "身份证号码校验位不正确"),
    ],
)
def test_id_number_problems_are_readable(number: str, zh: str) -> None:
    problems = id_number_problems(number)
    assert zh in [p.zh for p in problems]
    assert all(p.en for p in problems)


def test_birth_date_sex_and_age() -> None:
    man = make_id("440304", date(1990, 6, 15), 123)  # 17th digit 3: odd, a man
    woman = make_id("440304", date(1990, 6, 15), 124)
    assert id_birth_date(man) == date(1990, 6, 15)
    assert (id_sex(man), id_sex(woman)) == ("male", "female")
    assert id_age(man, on=date(2025, 6, 14)) == 34
    assert id_age(man, on=date(2025, 6, 15)) == 35
    with pytest.raises(ValueError):
        id_sex(with_wrong_check(man))


def test_masking_keeps_first_four_and_last_four() -> None:
    assert mask_id_number("44030419900615123X") == "4403**********123X"
    assert mask_id_number("1234") == "****"
    assert mask_mobile("13812345678") == "138****5678"


@pytest.mark.parametrize("number", ["13812345678", "19912345678", "16600000000"])
def test_valid_mobiles(number: str) -> None:
    assert validate_mobile(number) == []


@pytest.mark.parametrize(
    "number", ["12812345678", "1381234567", "138123456789", "+8613812345678", "1381234567a"]
)
def test_invalid_mobiles(number: str) -> None:
    assert [p.zh for p in mobile_problems(number)] == ["手机号码应为以1开头的11位数字"]


def test_uscc_reuses_the_catalog_check() -> None:
    code = DEMO_DEPARTMENTS[0]["code"]
    assert validate_uscc(code) == [] and uscc_problems(code) == []
    wrong = with_wrong_check(code)
    assert [p.zh for p in uscc_problems(wrong)] == ["统一社会信用代码不正确，请核对"]
    assert "check character" in uscc_problems(wrong)[0].en
    assert uscc_problems("1234")[0].zh == "统一社会信用代码应为18位"


@pytest.mark.parametrize(
    "code", ["440000", "440300", "440304", "441900", "445300", "110000", "110101", "820000"]
)
def test_known_or_plausible_region_codes(code: str) -> None:
    assert validate_region_code(code) == []


@pytest.mark.parametrize("code", ["440312", "441100", "990000", "44030", "44030a", "000000"])
def test_invalid_region_codes(code: str) -> None:
    assert validate_region_code(code) != []


def test_region_tree_for_a_picker() -> None:
    assert region_name("440300") == "深圳市"
    assert region_children("440300") == SHENZHEN_DISTRICTS
    assert len(region_children("440000")) == 21


def test_shenzhen_districts_match_the_shared_data() -> None:
    if not DISTRICTS_CSV.exists():
        pytest.skip(f"reference data not found at {DISTRICTS_CSV}")
    with DISTRICTS_CSV.open(encoding="utf-8") as f:
        rows = {row["adcode"]: row["name"] for row in csv.DictReader(f) if row["adcode"]}
    assert rows == SHENZHEN_DISTRICTS
