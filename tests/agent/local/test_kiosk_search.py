"""The kiosk's own search over what it offers: names, departments, topics, keywords and pinyin."""

import pytest

from govkiosk.agent.citizen.guide import catalog_view
from govkiosk.contracts.terminal_api import CatalogOffer, CatalogResponse

CERTIFICATE = CatalogOffer(
    subject="item", id=1, version=1, name="社会保险参保证明打印", department="深圳市社会保险基金管理局",
    required_devices=["Printer"],
    content={"topics": ["社会保险"], "keywords": ["社保参保证明打印", "参保凭证"]},
)  # fmt: skip
HOUSING = CatalogOffer(
    subject="item", id=2, version=1, name="住房公积金缴存证明", department="深圳市住房公积金管理中心",
    required_devices=[], content={"topics": ["公积金"]},
)  # fmt: skip
CATALOG = CatalogResponse(etag="x", offers=[CERTIFICATE, HOUSING], withheld=[])


def _found(q: str) -> list[int]:
    return [i["id"] for i in catalog_view(CATALOG, q=q)["items"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("参保证明", [1]),  # part of the name
        ("社保", [1]),  # a keyword
        ("sbcb", [1]),  # the keyword's pinyin initials
        ("SHEHUI BAOXIAN", [1]),  # full pinyin, any case, spaces ignored
        ("zfgjj", [2]),  # the name's initials
        ("公积金管理中心", [2]),  # the department
        ("证明", [1, 2]),
        ("", [1, 2]),
        ("驾驶证", []),
    ],
)
def test_the_kiosk_finds_items_as_citizens_type_them(query: str, expected: list[int]) -> None:
    assert _found(query) == expected
