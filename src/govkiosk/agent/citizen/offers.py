"""What the kiosk offers a citizen: the catalog's items and the form apps that carry their forms.

The agent reads the form definitions as JSON (the form engine is the platform's): which version of which item
a form was built for, its steps and its material slots.
"""

from dataclasses import dataclass
from typing import Any

from govkiosk.contracts.terminal_api import CatalogOffer


class NotOffered(LookupError):
    """This kiosk cannot serve the service through a form now: not offered, no form app, or no devices."""


@dataclass(frozen=True)
class FormOffer:
    """The service item and its form app as the kiosk's catalog offers them."""

    item_id: int
    item_version: int
    app_id: int
    definition: dict[str, Any]
    required_devices: tuple[str, ...] = ()

    @property
    def form_version(self) -> str:
        """`<form id>@<version>`, recorded with the submission."""
        return f"{self.definition.get('id')}@{self.definition.get('version')}"

    def material_slots(self) -> dict[str, str]:
        """Data path → the item's material slot, for every material widget of the form."""
        widgets = self.definition.get("ui", {}).get("widgets", {})
        return {
            path: widget["material"]
            for path, widget in widgets.items()
            if widget.get("widget") == "material" and widget.get("material")
        }


def form_offers(offers: list[CatalogOffer]) -> dict[int, FormOffer]:
    """Item id → the form app offered for the item's offered version (apps for other versions left out)."""
    versions = {o.id: o.version for o in offers if o.subject == "item"}
    found: dict[int, FormOffer] = {}
    for offer in offers:
        content = offer.content
        item_id = content.get("item_id")
        definition = content.get("form_definition") or {}
        if offer.subject != "app" or content.get("kind") != "form" or item_id not in versions:
            continue
        if definition.get("item_version") == versions[item_id]:
            found[item_id] = FormOffer(
                item_id, versions[item_id], offer.id, definition, tuple(offer.required_devices)
            )
    return found


def find_form(offers: list[CatalogOffer], service: str) -> FormOffer:
    """The offered item named `service` and the form app that carries its form (pinned to that version)."""
    item = next((o for o in offers if o.subject == "item" and o.name == service), None)
    if item is None:
        raise NotOffered(f"{service} is not offered at this kiosk")
    form = form_offers(offers).get(item.id)
    if form is None:
        raise NotOffered(f"{service} has no form app for version {item.version} at this kiosk")
    return form
