"""Export of service items (政务服务事项): our own JSON and JSON-LD after the EU CPSV-AP 3.x vocabulary.

Input items are ``ItemRead.model_dump(mode="json")`` dicts. CPSV-AP mapping:

| govkiosk | CPSV-AP 3.x |
|---|---|
| item | ``cpsv:PublicService`` (``dct:identifier`` = task code, ``dct:title``, ``dct:description``) |
| department | ``cv:hasCompetentAuthority`` → ``cv:PublicOrganisation`` |
| conditions (受理条件) | ``cv:holdsRequirement`` → ``cv:Requirement`` |
| materials (申请材料) | ``cpsv:hasInput`` → ``cv:Evidence``; required ones also back a ``cv:Requirement`` |
| fees (收费) | ``cv:hasCost`` → ``cv:Cost`` (``cv:value``, ``cv:currency`` CNY) |
| channels | ``cv:hasChannel`` → ``cv:Channel`` |
| promised (else legal) time limit | ``cv:processingTime``, an ISO 8601 duration; working days become days |
| topics (life events) | ``cv:thematicArea`` concepts and ``cv:isGroupedBy`` → ``cv:LifeEvent`` |
| main item → sub-item | ``dct:isPartOf`` / ``dct:hasPart`` |
| region code | ``dct:spatial`` |
| item type | ``dct:type`` concept |
"""

from typing import Any
from urllib.parse import quote

from govkiosk.platform.catalog.schemas import ITEM_TYPE_LABELS, ItemContent, ItemType

JSON_FORMAT = "govkiosk.catalog.items"
JSON_VERSION = 1
CURRENCY_CNY = "http://publications.europa.eu/resource/authority/currency/CNY"
CPSV_CONTEXT: dict[str, Any] = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "cv": "http://data.europa.eu/m8g/",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "cv:value": {"@type": "xsd:decimal"},
    "cv:processingTime": {"@type": "xsd:duration"},
    "cv:currency": {"@type": "@id"},
}
_CHANNEL_LABELS = {
    "window": ("窗口办理", "Service desk"),
    "online": ("网上办理", "Website"),
    "mobile": ("掌上办理", "Mobile app"),
    "kiosk": ("自助终端办理", "Self-service kiosk"),
    "mail": ("快递申请", "Post"),
}
_META_KEYS = ("id", "version", "status", "department_id", "department", "parent_id")


def _content(item: dict[str, Any]) -> dict[str, Any]:
    """The ItemContent part of an item dict, validated and in JSON form."""
    fields = {k: v for k, v in item.items() if k in ItemContent.model_fields}
    return ItemContent.model_validate(fields).model_dump(mode="json")


def to_json(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Items in govkiosk's own export format: identity and place of each item plus its content."""
    exported = [{**{k: item.get(k) for k in _META_KEYS}, "content": _content(item)} for item in items]
    return {"format": JSON_FORMAT, "version": JSON_VERSION, "items": exported}


def items_from_json(document: dict[str, Any]) -> list[ItemContent]:
    """The item contents of a document written by ``to_json``."""
    if document.get("format") != JSON_FORMAT:
        raise ValueError(f"not a {JSON_FORMAT} document")
    return [ItemContent.model_validate(item["content"]) for item in document.get("items", [])]


def _zh(text: str) -> dict[str, str]:
    return {"@value": text, "@language": "zh"}


def _concept(uri: str, label_zh: str, label_en: str | None = None) -> dict[str, Any]:
    labels = [_zh(label_zh)] + ([{"@value": label_en, "@language": "en"}] if label_en else [])
    return {"@id": uri, "@type": "skos:Concept", "skos:prefLabel": labels}


def iso_duration(limit: dict[str, Any] | None) -> str | None:
    """An ISO 8601 duration for a time limit dict; working days are exported as days."""
    if not limit:
        return None
    value = int(limit["value"])
    return f"PT{value}H" if limit.get("unit") == "hour" else f"P{value}D"


def to_cpsv_ap(items: list[dict[str, Any]], base_uri: str) -> dict[str, Any]:
    """Items as a CPSV-AP 3.x JSON-LD document (``@context`` + ``@graph`` of ``cpsv:PublicService``).

    Node URIs are ``base_uri`` + ``items/<id>`` etc.; a base not ending in ``/``, ``:`` or ``#`` gets a ``/``.
    """
    base = base_uri if base_uri.endswith(("/", ":", "#")) else base_uri + "/"
    children: dict[Any, list[Any]] = {}
    for item in items:
        if item.get("parent_id") is not None:
            children.setdefault(item["parent_id"], []).append(item["id"])
    graph = [_public_service(item, base, children.get(item["id"], [])) for item in items]
    return {"@context": CPSV_CONTEXT, "@graph": graph}


def _public_service(item: dict[str, Any], base: str, child_ids: list[Any]) -> dict[str, Any]:
    content = _content(item)
    uri = f"{base}items/{item['id']}"
    service: dict[str, Any] = {
        "@id": uri,
        "@type": "cpsv:PublicService",
        "dct:identifier": content["task_code"] or str(item["id"]),
        "dct:title": _zh(content["name"]),
        "dct:type": _item_type(base, content["item_type"]),
        "cv:hasCompetentAuthority": _authority(item, base),
        "cv:holdsRequirement": _requirements(content, uri),
        "cpsv:hasInput": [_evidence(m, f"{uri}/evidence/{n}") for n, m in enumerate(content["materials"], 1)],
        "cv:hasCost": [_cost(fee, f"{uri}/costs/{n}") for n, fee in enumerate(content["fees"], 1)],
        "cv:hasChannel": [_channel(c, base) for c in content["channels"]],
        "cv:thematicArea": [_concept(f"{base}topics/{quote(t)}", t) for t in content["topics"]],
        "cv:isGroupedBy": [_life_event(t, base) for t in content["topics"]],
    }
    service |= _optional(content, item, base, child_ids)
    return service


def _optional(
    content: dict[str, Any], item: dict[str, Any], base: str, child_ids: list[Any]
) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if content["description"]:
        extra["dct:description"] = _zh(content["description"])
    duration = iso_duration(content["promised_limit"] or content["legal_limit"])
    if duration:
        extra["cv:processingTime"] = duration
    if content["region_code"]:
        extra["dct:spatial"] = {
            "@id": f"{base}regions/{content['region_code']}",
            "@type": "dct:Location",
            "dct:identifier": content["region_code"],
        }
    if content["keywords"]:
        extra["dcat:keyword"] = [_zh(k) for k in content["keywords"]]
    if item.get("parent_id") is not None:
        extra["dct:isPartOf"] = {"@id": f"{base}items/{item['parent_id']}"}
    if child_ids:
        extra["dct:hasPart"] = [{"@id": f"{base}items/{c}"} for c in child_ids]
    return extra


def _item_type(base: str, code: str) -> dict[str, Any]:
    zh, en = ITEM_TYPE_LABELS[ItemType(code)]
    return _concept(f"{base}item-types/{code}", zh, en)


def _authority(item: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        "@id": f"{base}departments/{item.get('department_id')}",
        "@type": "cv:PublicOrganisation",
        "skos:prefLabel": _zh(item.get("department") or ""),
    }


def _requirements(content: dict[str, Any], uri: str) -> list[dict[str, Any]]:
    requirements = [
        {"@id": f"{uri}/requirements/{n}", "@type": "cv:Requirement", "dct:title": _zh(text)}
        for n, text in enumerate(content["conditions"], 1)
    ]
    for n, material in enumerate(content["materials"], 1):
        if material["required"]:
            requirements.append(
                {
                    "@id": f"{uri}/requirements/material-{n}",
                    "@type": "cv:Requirement",
                    "dct:title": _zh(f"提交{material['name']}"),
                    "cv:hasSupportingEvidence": {"@id": f"{uri}/evidence/{n}"},
                }
            )
    return requirements


def _evidence(material: dict[str, Any], uri: str) -> dict[str, Any]:
    counts = f"原件{material['originals']}份，复印件{material['copies']}份"
    evidence: dict[str, Any] = {
        "@id": uri,
        "@type": "cv:Evidence",
        "dct:title": _zh(material["name"]),
        "dct:description": _zh(counts + (f"；{material['note']}" if material["note"] else "")),
    }
    if material["elicence_type"]:
        evidence["dct:type"] = _zh(f"电子证照：{material['elicence_type']}")
    return evidence


def _cost(fee: dict[str, Any], uri: str) -> dict[str, Any]:
    cost: dict[str, Any] = {
        "@id": uri,
        "@type": "cv:Cost",
        "dct:title": _zh(fee["name"]),
        "cv:value": str(fee["amount_yuan"]),
        "cv:currency": CURRENCY_CNY,
    }
    if fee["basis"]:
        cost["dct:description"] = _zh(fee["basis"])
    return cost


def _channel(channel: str, base: str) -> dict[str, Any]:
    zh, en = _CHANNEL_LABELS[channel]
    return {
        "@id": f"{base}channels/{channel}",
        "@type": "cv:Channel",
        "dct:type": _concept(f"{base}channel-types/{channel}", zh, en),
    }


def _life_event(topic: str, base: str) -> dict[str, Any]:
    return {"@id": f"{base}life-events/{quote(topic)}", "@type": "cv:LifeEvent", "dct:title": _zh(topic)}
