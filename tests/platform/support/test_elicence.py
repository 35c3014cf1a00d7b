"""E-licences: the simulated library (valid IDs and USCCs, determinism, faults) and the HTTP adapter."""

import base64
import io
import json
from datetime import date
from pathlib import Path

import httpx
import pytest
from PIL import Image

from govkiosk.crypto import sm3
from govkiosk.platform.catalog.codes import validate_uscc
from govkiosk.platform.core.errors import NotFound
from govkiosk.platform.support.elicence import (
    CITIZENS,
    COMPANIES,
    LICENCE_TYPES,
    LIU_YANG,
    ZHANG_SAN,
    HttpLicenceLibrary,
    Licence,
    LicenceLibraryError,
    LicenceLibraryUnavailable,
    SimulatedLicenceLibrary,
    demo_licences,
    id_check_char,
    is_valid_id_number,
)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def test_id_check_digit_matches_the_standards_example() -> None:
    assert id_check_char("11010519491231002") == "X"  # GB 11643-1999's own example
    assert is_valid_id_number("11010519491231002X")
    assert not is_valid_id_number("110105194912310021")
    assert not is_valid_id_number("110105194902300027"[:17] + id_check_char("11010519490230002"))  # 30 Feb


def test_demo_citizens_have_valid_id_numbers() -> None:
    for citizen in CITIZENS:
        number = citizen.id_number
        assert is_valid_id_number(number), citizen.name
        assert (int(number[16]) % 2 == 1) == (citizen.sex == "男")
        assert number[6:14] == f"{citizen.birth:%Y%m%d}"
    shenzhen = [c for c in CITIZENS if c is not LIU_YANG]
    assert {c.id_number[:6] for c in shenzhen} <= {"440303", "440304", "440305", "440306", "440309"}


def test_demo_companies_have_valid_usccs() -> None:
    for company in COMPANIES:
        assert validate_uscc(company.uscc) == [], company.name
        assert company.uscc[2:8] == "440300"


def test_every_type_is_held_and_every_licence_is_marked_simulated() -> None:
    licences = demo_licences()
    assert {licence.licence_type for licence in licences} == set(LICENCE_TYPES)
    assert len({licence.licence_id for licence in licences}) == len(licences)
    for licence in licences:
        assert licence.simulated and dict(licence.fields)["数据来源"] == "模拟 / simulated"
    assert demo_licences() == licences


def test_find() -> None:
    library = SimulatedLicenceLibrary()
    (hukou,) = library.find(ZHANG_SAN.id_number, "居民户口簿")
    assert hukou.holder_name == "张三" and dict(hukou.fields)["与户主关系"] == "户主"
    assert hukou.issuer == "深圳市公安局福田分局" and hukou.valid_until is None
    (card,) = library.find(ZHANG_SAN.id_number, "居民身份证")
    assert card.valid_until == date(2035, 4, 1) and card.is_valid_on(date(2026, 11, 28))  # issued at 30: 20 y
    assert library.find(LIU_YANG.id_number, "居民户口簿") == []  # not a Shenzhen hukou: a 居住证 instead
    assert len(library.find(LIU_YANG.id_number, "居住证")) == 1
    (business,) = library.find(COMPANIES[0].uscc, "营业执照")
    assert dict(business.fields)["法定代表人/经营者"] == "李四"
    assert library.find(ZHANG_SAN.id_number, "出生医学证明") == []
    assert library.find("11010519491231002X", "居民身份证") == []


def test_fetch_is_deterministic_and_saves_the_hukou_card() -> None:
    (hukou,) = SimulatedLicenceLibrary().find(ZHANG_SAN.id_number, "居民户口簿")
    first = SimulatedLicenceLibrary().fetch(hukou.licence_id)
    second = SimulatedLicenceLibrary().fetch(hukou.licence_id)
    assert first.content == second.content and first.sm3 == sm3(first.content).hex()
    assert first.content_type == "image/png" and first.licence == hukou
    image = Image.open(io.BytesIO(first.content))
    assert image.format == "PNG" and image.width == 1000
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "elicence-hukou.png").write_bytes(first.content)
    with pytest.raises(NotFound):
        SimulatedLicenceLibrary().fetch("SIM-99-nothing")


def test_unavailable_mode() -> None:
    library = SimulatedLicenceLibrary(mode="unavailable")
    with pytest.raises(LicenceLibraryUnavailable) as caught:
        library.find(ZHANG_SAN.id_number, "居民身份证")
    assert caught.value.status_code == 503 and "模拟" in caught.value.message
    with pytest.raises(LicenceLibraryUnavailable):
        library.fetch("SIM-01-anything")
    library.mode = "normal"
    assert library.find(ZHANG_SAN.id_number, "居民身份证")


def test_slow_mode_waits_then_answers() -> None:
    waits: list[float] = []
    library = SimulatedLicenceLibrary(mode="slow", slow_delay_s=12.5, sleep=waits.append)
    assert library.find(ZHANG_SAN.id_number, "结婚证")
    assert waits == [12.5]


# ---- the HTTP adapter against a fake service ---------------------------------------------------------


def fake_service(document: bytes, *, digest: str | None = None, status: int = 200) -> httpx.MockTransport:
    licence = demo_licences()[0]

    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers.get("X-App-Key") != "kiosk-platform":
            return httpx.Response(401)
        if status != 200:
            return httpx.Response(status)
        if request.url.path == "/api/licences":
            assert request.url.params["licence_type"] == "居民身份证"
            return httpx.Response(200, json={"licences": [licence.to_json()]})
        if request.url.path == f"/api/licences/{licence.licence_id}/document":
            body = {
                "licence": licence.to_json(),
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(document).decode(),
                "sm3": digest or sm3(document).hex(),
            }
            return httpx.Response(200, content=json.dumps(body))
        return httpx.Response(404)

    return httpx.MockTransport(handle)


def adapter(transport: httpx.BaseTransport) -> HttpLicenceLibrary:
    return HttpLicenceLibrary(
        base_url="https://elicence.example.gov.cn",
        headers={"X-App-Key": "kiosk-platform"},
        find_path="/api/licences",
        fetch_path="/api/licences/{licence_id}/document",
        transport=transport,
    )


def test_http_adapter_find_and_fetch() -> None:
    library = adapter(fake_service(b"%PDF-1.7 licence"))
    (licence,) = library.find(ZHANG_SAN.id_number, "居民身份证")
    assert licence == demo_licences()[0]
    document = library.fetch(licence.licence_id)
    assert document.content == b"%PDF-1.7 licence" and document.licence == licence
    with pytest.raises(NotFound):
        library.fetch("SIM-00-unknown")


def test_http_adapter_rejects_a_document_that_does_not_match_its_digest() -> None:
    library = adapter(fake_service(b"%PDF-1.7 licence", digest="00" * 32))
    with pytest.raises(LicenceLibraryError, match="SM3"):
        library.fetch(demo_licences()[0].licence_id)


def test_http_adapter_failures_mean_unavailable() -> None:
    with pytest.raises(LicenceLibraryUnavailable, match="503"):
        adapter(fake_service(b"", status=503)).find(ZHANG_SAN.id_number, "居民身份证")

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(LicenceLibraryUnavailable, match="ReadTimeout"):
        adapter(httpx.MockTransport(timeout)).find(ZHANG_SAN.id_number, "居民身份证")


def test_licence_json_roundtrip() -> None:
    for licence in demo_licences():
        assert Licence.from_json(json.loads(json.dumps(licence.to_json()))) == licence
