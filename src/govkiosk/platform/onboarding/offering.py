"""What one kiosk offers now: the items and apps published to its place and profile whose devices work.

Computed from the database on each request (the kiosk asks with its ETag; an unchanged answer is a 304),
so a printer running out of paper withdraws print-only services at the kiosk's next heartbeat flush."""

import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from govkiosk.contracts.terminal_api import CatalogOffer, CatalogResponse, CatalogWithheld
from govkiosk.crypto import sm3
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.onboarding import repository
from govkiosk.platform.onboarding.models import Onboarding
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.terminals import service as terminals


@dataclass(frozen=True)
class Place:
    """Where a kiosk is and what it can do: its org path, profile and working device classes."""

    path: str
    profile_id: int | None
    working: frozenset[str]


def reaches(onboarding: Onboarding, place: Place, paths: dict[int, str]) -> bool:
    """Whether a published onboarding targets the kiosk's org subtree and profile."""
    in_subtree = any(place.path.startswith(paths.get(node_id, "\0")) for node_id in onboarding.org_node_ids)
    profile_ok = not onboarding.profile_ids or place.profile_id in onboarding.profile_ids
    return in_subtree and profile_ok


def _offer(session: Session, onboarding: Onboarding, departments: dict[int, str]) -> CatalogOffer:
    if onboarding.subject == "item":
        content, _ = catalog.item_content(session, onboarding.subject_id, onboarding.version)
        required = list(content.required_devices)
    else:
        app = catalog.app_content(session, onboarding.subject_id, onboarding.version)
        content, required = app, list(app.required_devices)  # type: ignore[assignment]
        if app.item_id is not None:
            item = catalog.get_item(session, app.item_id)
            if item.published_version is not None:
                required += catalog.item_content(session, item.id, item.published_version)[0].required_devices
    return CatalogOffer(
        subject=onboarding.subject,  # type: ignore[arg-type]
        id=onboarding.subject_id,
        version=onboarding.version,
        name=content.name,
        department=departments.get(onboarding.department_id, ""),
        required_devices=sorted(set(required)),
        content=content.model_dump(mode="json"),
    )


def offering(session: Session, place: Place) -> CatalogResponse:
    """The kiosk's catalog: offers whose devices work, and what is withheld for want of a device."""
    paths = orgs.all_paths(session)
    departments = catalog.department_names(session)
    offers, withheld = [], []
    for onboarding in repository.live(session):
        if not reaches(onboarding, place, paths):
            continue
        offer = _offer(session, onboarding, departments)
        missing = sorted(set(offer.required_devices) - place.working)
        if missing:
            withheld.append(
                CatalogWithheld(subject=offer.subject, id=offer.id, name=offer.name, missing_devices=missing)
            )
        else:
            offers.append(offer)
    body = {
        "offers": [o.model_dump(mode="json") for o in offers],
        "withheld": [w.model_dump() for w in withheld],
    }
    etag = sm3(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hex()[:32]
    return CatalogResponse(etag=etag, offers=offers, withheld=withheld)


def place_of(session: Session, terminal_id: int) -> Place:
    """A terminal's place as the platform last heard it."""
    terminal = terminals.for_authentication(session, terminal_id)
    return Place(
        path=orgs.get_path(session, terminal.org_node_id),
        profile_id=terminal.profile_id,
        working=frozenset(terminals.working_devices(terminal.peripherals or [])),
    )
