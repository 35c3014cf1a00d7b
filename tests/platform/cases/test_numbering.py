"""Case numbers: format, parsing, the MOD 11-10 check digit and typo detection."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govkiosk.platform.cases.numbering import (
    CaseChannel,
    CaseNumber,
    make_case_number,
    mod11_10_check_digit,
    mod11_10_is_valid,
    parse_case_number,
)
from govkiosk.platform.core.errors import InvalidInput

EXAMPLE = "K440304-20261128-000123-4"


def test_published_mod11_10_vectors() -> None:
    # Test vectors of python-stdnum / stdnum-js for ISO 7064 MOD 11-10.
    assert mod11_10_check_digit("79462") == 3
    assert mod11_10_is_valid("794623")
    assert mod11_10_is_valid("002006673085")
    assert not mod11_10_is_valid("00200667308")


def test_make_and_parse() -> None:
    assert make_case_number(CaseChannel.KIOSK, "440304", date(2026, 11, 28), 123) == EXAMPLE
    assert parse_case_number(EXAMPLE) == CaseNumber(CaseChannel.KIOSK, "440304", date(2026, 11, 28), 123)


def test_channel_letters() -> None:
    day = date(2026, 11, 28)
    assert make_case_number(CaseChannel.WINDOW, "440304", day, 1).startswith("W440304-20261128-000001-")
    assert make_case_number(CaseChannel.ONLINE, "440304", day, 1).startswith("O440304-")


def test_the_date_is_the_china_local_date() -> None:
    late_evening_utc = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)  # 01:30 on the 28th in Shenzhen
    assert make_case_number(CaseChannel.KIOSK, "440304", late_evening_utc, 123) == EXAMPLE


def test_citizen_input_is_tolerated() -> None:
    assert str(parse_case_number("  k440304202611280001234 ")) == EXAMPLE


@pytest.mark.parametrize(
    "text",
    [
        "K440304-20261128-000123-5",  # wrong check digit
        "K440304-20261128-000133-4",  # one digit of the sequence mistyped
        "W440304-20261128-000123-4",  # channel letter mistyped
        "K440304-20261128-001023-4",  # two adjacent digits swapped
        "X440304-20261128-000123-4",
        "K44030-20261128-000123-4",
        "K440304-20261328-000123-0",  # month 13
        "K440304-20261128-000000-0",  # sequence starts at 1
        "K040304-20261128-000123-4",  # no region code starts with 0
        "",
    ],
)
def test_bad_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_case_number(text)


@pytest.mark.parametrize(
    ("region", "sequence"),
    [("44030", 1), ("4403041", 1), ("44O304", 1), ("440304", 0), ("440304", 1_000_000)],
)
def test_bad_parts_are_refused(region: str, sequence: int) -> None:
    with pytest.raises(InvalidInput):
        make_case_number(CaseChannel.KIOSK, region, date(2026, 11, 28), sequence)


numbers = st.builds(
    lambda channel, region, day, seq: make_case_number(channel, region, day, seq),
    st.sampled_from(CaseChannel),
    st.integers(min_value=100_000, max_value=999_999).map(str),
    st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    st.integers(min_value=1, max_value=999_999),
)


@settings(max_examples=100, deadline=None)
@given(number=numbers)
def test_round_trip(number: str) -> None:
    assert str(parse_case_number(number)) == number


@settings(max_examples=150, deadline=None)
@given(number=numbers, data=st.data())
def test_any_single_digit_typo_is_caught(number: str, data: st.DataObject) -> None:
    positions = [i for i, ch in enumerate(number) if ch.isdigit()]
    i = data.draw(st.sampled_from(positions))
    typo = data.draw(st.sampled_from([d for d in "0123456789" if d != number[i]]))
    with pytest.raises(InvalidInput):
        parse_case_number(number[:i] + typo + number[i + 1 :])


@settings(max_examples=100, deadline=None)
@given(number=numbers, letter=st.sampled_from("KWO"))
def test_a_mistyped_channel_letter_is_caught(number: str, letter: str) -> None:
    if letter != number[0]:
        with pytest.raises(InvalidInput):
            parse_case_number(letter + number[1:])
