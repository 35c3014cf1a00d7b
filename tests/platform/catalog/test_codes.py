"""Codes of service items: USCC and organisation-code check characters, implementation codes, item types."""

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govkiosk.platform.catalog.codes import (
    USCC_ALPHABET,
    item_type_from_code,
    org_code_check_char,
    parse_task_code,
    uscc_check_char,
    validate_item_codes,
    validate_org_code,
    validate_uscc,
)
from govkiosk.platform.catalog.schemas import ItemContent, ItemType

DATA = (
    Path(__file__).resolve().parents[3].parent / "shared" / "data" / "catalog" / "guangan-district-items.csv"
)

# Published USCCs of Guang'an district bodies, taken from the dept_code column of the real list.
REAL_USCCS = [
    "115113010833722043",
    "11511301008778386B",
    "11511301MB1549994W",
    "12511300452258950C",
    "1151130100877844X4",
    "115113016823646795",
]
EXAMPLE = "511A0138000000-511602000000-000-115113010833722043-1-00"


def real_rows() -> list[dict[str, str]]:
    if not DATA.exists():
        pytest.skip(f"reference data not found at {DATA} (shared/data is not beside the checkout)")
    with DATA.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("code", REAL_USCCS)
def test_real_usccs_validate(code: str) -> None:
    assert validate_uscc(code) == []
    assert uscc_check_char(code[:17]) == code[17]


def test_made_up_uscc_is_invalid() -> None:
    problems = validate_uscc("91440300MA5EXAMPLE")
    assert problems and "check character" in problems[-1]


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("083372204", "has 9 characters, a USCC has 18"),
        ("11511301452259996u", "outside 0-9 A-H J-N P-R T-U W-Y: 'u'"),
        ("1151130108I3722043", "'I'"),
        ("115113010833722044", "check character 4, expected 3"),
        ("115113010833722053", "embeds organisation code 083372205"),
    ],
)
def test_uscc_problems_say_what_is_wrong(code: str, fragment: str) -> None:
    assert any(fragment in p for p in validate_uscc(code))


@pytest.mark.parametrize("code", ["083372204", "00877868-5", "76726532-X", "00877836X"])
def test_real_organisation_codes_validate(code: str) -> None:
    assert validate_org_code(code) == []


def test_organisation_code_check_char() -> None:
    assert org_code_check_char("08337220") == "4"
    assert validate_org_code("083372205") == ["organisation code 083372205 has check character 5, expected 4"]


first17 = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


@given(first17)
def test_computed_check_char_always_checks(body: str) -> None:
    code = body + uscc_check_char(body)
    assert not any("has check character" in p for p in validate_uscc(code))


@given(
    st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8),
)
def test_well_formed_codes_have_no_problems(head: str, region: str, org: str) -> None:
    body = head + region + org + org_code_check_char(org)
    assert validate_uscc(body + uscc_check_char(body)) == []


@given(first17, st.integers(0, 17), st.integers(1, 30))
def test_changing_one_char_breaks_the_check(body: str, position: int, shift: int) -> None:
    code = body + uscc_check_char(body)
    changed_char = USCC_ALPHABET[(USCC_ALPHABET.index(code[position]) + shift) % 31]
    changed = code[:position] + changed_char + code[position + 1 :]
    # The weights 3^i mod 31 are all non-zero mod the prime 31, so any single substitution is caught.
    assert uscc_check_char(changed[:17]) != changed[17]


def test_parse_the_standard_example() -> None:
    parsed = parse_task_code(EXAMPLE)
    assert parsed.valid
    assert (parsed.catalog_code, parsed.region_code, parsed.fixed) == (
        "511A0138000000",
        "511602000000",
        "000",
    )
    assert (parsed.body_code, parsed.body_nature, parsed.business_code) == ("115113010833722043", "1", "00")


def test_parse_prefixed_catalog_code() -> None:
    parsed = parse_task_code("G-000007-001-511602000000-000-115113010833722043-1-00")
    assert parsed.valid and parsed.catalog_code == "G-000007-001" and parsed.region_code == "511602000000"


def test_parse_names_a_short_uscc() -> None:
    parsed = parse_task_code("512C0052000011-511602000000-000-083372204-1-00")
    assert parsed.catalog_code == "512C0052000011"
    assert "implementing body's USCC 083372204 has 9 characters, a USCC has 18" in parsed.problems[0].message


def test_parse_body_with_dash() -> None:
    parsed = parse_task_code("512C0107400001-511602000000-000-00877868-5-1-00")
    assert parsed.body_code == "00877868-5" and parsed.business_code == "00"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "-",
        "----",
        "E-000021-001-1111111111111111",
        "H-000185-001-4444444444",
        "x" * 80,
        "中文-编码",
    ],
)
def test_garbage_gives_problems_not_exceptions(garbage: str) -> None:
    parsed = parse_task_code(garbage)
    assert parsed.problems and all(p.field == "task_code" for p in parsed.problems)


def test_salvage_catalog_and_body_from_a_code_without_region() -> None:
    parsed = parse_task_code("E-000004-001-11511301008778386B")
    assert parsed.catalog_code == "E-000004-001" and parsed.body_code == "11511301008778386B"
    assert "no 12-digit region code" in parsed.problems[0].message


@given(st.text(max_size=100))
def test_parse_never_raises(text: str) -> None:
    parse_task_code(text)


@pytest.mark.parametrize(
    ("catalog", "expected"),
    [
        ("511A0138000000", ItemType.LICENSING),
        ("511E19002003", ItemType.ADJUDICATION),
        ("511F64043001", ItemType.CONFIRMATION),
        ("511G12018001", ItemType.BENEFIT),
        ("511Z0307700000", ItemType.OTHER_POWER),
        ("512B0155900000", ItemType.PUBLIC),
        ("51201104100008", ItemType.PUBLIC),
        ("G-000007-001", ItemType.BENEFIT),
        ("H-000507-001", ItemType.REWARD),
        ("E-000010-001", ItemType.ADJUDICATION),
        ("513A0166300000", None),
        ("1J-5100-00025", None),
        ("", None),
    ],
)
def test_item_type_from_code(catalog: str, expected: ItemType | None) -> None:
    assert item_type_from_code(catalog) is expected


def test_every_real_row_parses_and_its_type_letter_mostly_agrees() -> None:
    numbers = {
        "1": ItemType.LICENSING,
        "5": ItemType.BENEFIT,
        "7": ItemType.CONFIRMATION,
        "8": ItemType.REWARD,
    }
    numbers |= {"9": ItemType.ADJUDICATION, "10": ItemType.OTHER_POWER, "20": ItemType.PUBLIC}
    rows = real_rows()
    disagree = []
    for row in rows:
        parsed = parse_task_code(row["task_code"])
        assert parsed.catalog_code
        coded = item_type_from_code(parsed.catalog_code)
        if coded is not None and coded is not numbers[row["task_type"]]:
            disagree.append(row["task_code"])
    assert len(rows) == 1135
    assert len(disagree) <= 2  # A-005818-5818 typed 20, 511Z0100400001 typed 9


def _content(**overrides: object) -> ItemContent:
    fields: dict[str, object] = {"name": "事项", "task_code": EXAMPLE, "item_type": ItemType.LICENSING}
    fields |= {"catalog_code": "511A0138000000", "region_code": "511602000000"}
    return ItemContent.model_validate(fields | overrides)


def test_validate_item_codes_clean() -> None:
    assert validate_item_codes(_content()) == []


def test_validate_item_codes_finds_each_disagreement() -> None:
    issues = validate_item_codes(
        _content(catalog_code="511A0000000000", region_code="511600000000", item_type=ItemType.PUBLIC)
    )
    assert {i.field for i in issues} == {"catalog_code", "region_code", "item_type"}


def test_validate_item_codes_missing_code() -> None:
    assert validate_item_codes(_content(task_code=None))[0].message.startswith(
        "item has no implementation code"
    )
    assert (
        validate_item_codes(_content(task_code=None, item_type=ItemType.CONVENIENCE, catalog_code=None)) == []
    )
