"""Export of service items to our JSON and to CPSV-AP 3.x JSON-LD."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from govkiosk.platform.catalog.exporting import (
    CPSV_CONTEXT,
    iso_duration,
    items_from_json,
    to_cpsv_ap,
    to_json,
)
from govkiosk.platform.catalog.schemas import (
    Channel,
    Fee,
    ItemContent,
    ItemRead,
    ItemStatus,
    ItemTier,
    ItemType,
    Material,
    TimeLimit,
    TimeUnit,
)

BASE = "https://catalog.example.gov.cn/"


def item(item_id: int, parent_id: int | None = None, **content: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"name": f"事项{item_id}", "item_type": ItemType.LICENSING} | content
    read = ItemRead(
        **ItemContent(**fields).model_dump(),
        id=item_id,
        version=1,
        status=ItemStatus.PUBLISHED,
        department_id=7,
        department="区教科体局",
        parent_id=parent_id,
        code_issues=[],
        kiosk_enabled=False,
        updated_at=datetime(2024, 5, 1, tzinfo=UTC),
    )
    return read.model_dump(mode="json")


def rich_item() -> dict[str, Any]:
    return item(
        2,
        parent_id=1,
        task_code="511A0138000000-511602000000-000-115113010833722043-1-00",
        tier=ItemTier.SUB,
        region_code="511602000000",
        conditions=["适龄儿童因身体状况需要延缓入学"],
        materials=[Material(name="申请表"), Material(name="诊断证明", required=False, elicence_type="病历")],
        legal_limit=TimeLimit(value=20),
        promised_limit=TimeLimit(value=5),
        fees=[Fee(name="工本费", amount_yuan=Decimal("10.50"), basis="收费依据")],
        channels=[Channel.WINDOW, Channel.KIOSK],
        topics=["教育"],
        keywords=["缓学"],
        description="说明",
    )


def test_json_export_round_trips_contents() -> None:
    items = [item(1, tier=ItemTier.MAIN), rich_item()]
    document = to_json(items)
    assert document["format"] == "govkiosk.catalog.items" and document["items"][1]["parent_id"] == 1
    assert json.loads(json.dumps(document)) == document
    contents = items_from_json(document)
    assert contents[1] == ItemContent.model_validate(document["items"][1]["content"])
    assert contents[1].fees[0].amount_yuan == Decimal("10.50")


def test_cpsv_context_and_types() -> None:
    document = to_cpsv_ap([item(1, tier=ItemTier.MAIN), rich_item()], BASE)
    context = document["@context"]
    assert context == CPSV_CONTEXT
    assert context["cpsv"] == "http://purl.org/vocab/cpsv#" and context["cv"] == "http://data.europa.eu/m8g/"
    assert context["dct"] == "http://purl.org/dc/terms/" and "skos" in context
    main, sub = document["@graph"]
    assert main["@type"] == sub["@type"] == "cpsv:PublicService"
    assert sub["@id"] == "https://catalog.example.gov.cn/items/2"
    assert sub["cv:hasCompetentAuthority"]["@type"] == "cv:PublicOrganisation"
    assert {r["@type"] for r in sub["cv:holdsRequirement"]} == {"cv:Requirement"}
    assert [e["@type"] for e in sub["cpsv:hasInput"]] == ["cv:Evidence", "cv:Evidence"]
    assert [c["@type"] for c in sub["cv:hasChannel"]] == ["cv:Channel", "cv:Channel"]
    assert sub["cv:isGroupedBy"][0]["@type"] == "cv:LifeEvent"
    assert sub["cv:thematicArea"][0]["@type"] == "skos:Concept"


def test_cpsv_cost_time_and_language() -> None:
    (service,) = to_cpsv_ap([rich_item()], BASE)["@graph"]
    (cost,) = service["cv:hasCost"]
    assert cost["@type"] == "cv:Cost" and cost["cv:value"] == "10.50"
    assert cost["cv:currency"].endswith("/currency/CNY")
    assert service["cv:processingTime"] == "P5D"  # the promised limit wins over the legal one
    assert service["dct:title"] == {"@value": "事项2", "@language": "zh"}
    assert service["dct:identifier"].startswith("511A0138000000-")
    # only the required material backs a requirement
    backed = [r for r in service["cv:holdsRequirement"] if "cv:hasSupportingEvidence" in r]
    assert [r["cv:hasSupportingEvidence"]["@id"] for r in backed] == [service["cpsv:hasInput"][0]["@id"]]


def test_cpsv_hierarchy() -> None:
    main, sub, other = to_cpsv_ap([item(1), item(2, parent_id=1), item(3, parent_id=1)], BASE)["@graph"]
    assert main["dct:hasPart"] == [{"@id": sub["@id"]}, {"@id": other["@id"]}]
    assert sub["dct:isPartOf"] == {"@id": main["@id"]} and "dct:hasPart" not in sub


def test_free_item_without_limits() -> None:
    (service,) = to_cpsv_ap([item(1)], BASE)["@graph"]
    assert service["cv:hasCost"] == [] and "cv:processingTime" not in service
    assert service["dct:identifier"] == "1"


def test_iso_durations() -> None:
    assert iso_duration(None) is None
    assert iso_duration({"value": 0, "unit": TimeUnit.WORKING_DAY}) == "P0D"
    assert iso_duration({"value": 24, "unit": "hour"}) == "PT24H"
    assert iso_duration({"value": 30, "unit": "calendar_day"}) == "P30D"


def test_urn_base() -> None:
    (service,) = to_cpsv_ap([item(4)], "urn:govkiosk:catalog:")["@graph"]
    assert service["@id"] == "urn:govkiosk:catalog:items/4"
