"""The kiosk's catalog as the UI shows it: the offered items with their kind (a form, a print, a guide), and
one item's guide (办事指南): conditions, materials, time limits, fees and its form."""

import functools
from typing import Any, Literal

from pypinyin import Style, lazy_pinyin

from govkiosk.agent.citizen.offers import FormOffer, form_offers
from govkiosk.contracts.terminal_api import CatalogOffer, CatalogResponse

ItemKind = Literal["form", "print", "guide"]
_OTHER = "其他"
_TOPICS_EN = {
    "社会保险": "Social insurance", "就业": "Employment", "生育": "Childbirth", "养老": "Pensions",
    "医疗": "Health care", "户籍": "Household registration", "婚姻": "Marriage", "住房": "Housing",
    "公积金": "Housing fund", "教育": "Education", "交通": "Transport", "企业": "Business",
    "出入境": "Entry and exit", "民政": "Civil affairs", _OTHER: "Other",
}  # fmt: skip


def _kind(form: FormOffer | None) -> ItemKind:
    if form is None:
        return "guide"
    return "print" if "Printer" in form.required_devices else "form"


def _category(content: dict[str, Any]) -> str:
    topics = content.get("topics") or []
    return str(topics[0]) if topics else _OTHER


class OfferedCatalog:
    """One catalog as the UI shows it, worked out once per catalog ETag: the item views, the categories, the
    search terms (pinyin included), the form apps, and each item's guide once asked for. The dicts it hands
    out are shared between answers: callers must not change them."""

    def __init__(self, catalog: CatalogResponse) -> None:
        self.catalog = catalog
        self.forms = form_offers(catalog.offers)
        offered = [o for o in catalog.offers if o.subject == "item"]
        self.items = [_item(o, self.forms.get(o.id)) for o in offered]
        self.items += [
            {"id": w.id, "version": None, "name": w.name, "department": "", "category": _OTHER,
             "kind": "guide", "fees": False, "app_id": None, "devices": w.missing_devices, "available": False}
            for w in catalog.withheld if w.subject == "item"
        ]  # fmt: skip
        names = sorted({i["category"] for i in self.items})
        self.categories = [{"id": n, "name": {"zh": n, "en": _TOPICS_EN.get(n, n)}} for n in names]
        self.terms = {o.id: _search_terms(o) for o in offered}
        self._guides: dict[int, dict[str, Any] | None] = {}

    @property
    def etag(self) -> str:
        """The catalog's ETag (what this view was worked out for)."""
        return self.catalog.etag

    def view(self, *, q: str = "", category: str = "") -> dict[str, Any]:
        """The categories, and the items matching `q` and `category` (withheld ones marked unavailable)."""
        wanted = "".join(q.lower().split())
        items = [
            i for i in self.items
            if (not category or i["category"] == category)
            and (not wanted or any(wanted in t for t in self.terms.get(i["id"], (i["name"],))))
        ]  # fmt: skip
        return {"categories": self.categories, "items": items}

    def guide(self, item_id: int) -> dict[str, Any] | None:
        """One offered item's guide (see `item_guide`), worked out on the first call."""
        if item_id not in self._guides:
            self._guides[item_id] = _guide(self.catalog, self.forms, item_id)
        return self._guides[item_id]


def catalog_view(catalog: CatalogResponse, *, q: str = "", category: str = "") -> dict[str, Any]:
    """The categories, and the items matching `q` and `category` (withheld ones marked unavailable)."""
    return OfferedCatalog(catalog).view(q=q, category=category)


def _search_terms(offer: CatalogOffer) -> tuple[str, ...]:
    """What a citizen may type to find an item: its name, department, topics and keywords (社保 finds
    社保参保证明打印), and the name in pinyin, in full and by initials (`sbcb`, `shebao`)."""
    content = offer.content
    names = [offer.name, *content.get("keywords", [])]
    words = [*names, offer.department, *content.get("topics", [])]
    return (*(w.lower() for w in words if w), *(p for n in names for p in _pinyin(n)))


@functools.lru_cache(maxsize=4096)
def _pinyin(name: str) -> tuple[str, str]:
    """A name in toneless pinyin, in full and by initials: 社会保险 → ("shehuibaoxian", "shbx")."""
    return "".join(lazy_pinyin(name)), "".join(lazy_pinyin(name, style=Style.FIRST_LETTER))


def _item(offer: CatalogOffer, form: FormOffer | None) -> dict[str, Any]:
    content = offer.content
    return {
        "id": offer.id,
        "version": offer.version,
        "name": offer.name,
        "department": offer.department,
        "category": _category(content),
        "kind": _kind(form),
        "fees": bool(content.get("fees")),
        "app_id": form.app_id if form else None,
        "devices": list(offer.required_devices),
        "available": True,
    }


def item_guide(catalog: CatalogResponse, item_id: int) -> dict[str, Any] | None:
    """One offered item's guide, with its form when a form app carries it; None when it is not offered."""
    return _guide(catalog, form_offers(catalog.offers), item_id)


def _guide(catalog: CatalogResponse, forms: dict[int, FormOffer], item_id: int) -> dict[str, Any] | None:
    offer = next((o for o in catalog.offers if o.subject == "item" and o.id == item_id), None)
    if offer is None:
        return None
    content, form = offer.content, forms.get(item_id)
    slots = {slot: path for path, slot in form.material_slots().items()} if form else {}
    return {
        "id": offer.id,
        "version": offer.version,
        "name": offer.name,
        "department": offer.department,
        "kind": _kind(form),
        "conditions": list(content.get("conditions") or []),
        "materials": [
            {
                "name": m["name"],
                "slot": m["name"] if m["name"] in slots else None,
                "required": m.get("required", True),
                "elicence": m.get("elicence_type"),
            }
            for m in content.get("materials") or []
        ],  # fmt: skip
        "legal_limit": content.get("legal_limit"),
        "promised_limit": content.get("promised_limit"),
        "fees": list(content.get("fees") or []),
        "form": form.definition if form else None,
        "app_id": form.app_id if form else None,
    }
