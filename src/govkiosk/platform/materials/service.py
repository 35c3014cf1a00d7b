"""Materials use cases: a kiosk's scan stored against one of the item's material slots, an e-licence
(电子证照) fetched for the citizen and stored the same way, a phone upload through a one-time QR link."""

from datetime import datetime

from sqlalchemy.orm import Session

from govkiosk.contracts.terminal_api import SIGNATURE_SLOT, MaterialRef
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.core.errors import Forbidden, InvalidInput
from govkiosk.platform.support.materials import DEFAULT_ALLOWED, PNG, find_slot, store_material
from govkiosk.platform.support.runtime import Support


def _slot(session: Session, item_id: int, item_version: int, slot: str, *, signature_ok: bool = False) -> str:
    if not catalog.version_was_published(session, item_id, item_version):
        raise InvalidInput(f"item {item_id} version {item_version} was never published")
    if signature_ok and slot == SIGNATURE_SLOT:
        return slot
    content, _ = catalog.item_content(session, item_id, item_version)
    return find_slot(content.materials, slot).name


def store_scan(
    session: Session,
    support: Support,
    *,
    item_id: int,
    item_version: int,
    slot: str,
    data: bytes,
    content_type: str | None,
) -> MaterialRef:
    """A document-camera scan for one material slot, checked by its magic bytes and size; the signature
    drawn on the kiosk's screen is a PNG for `SIGNATURE_SLOT`, which every item has."""
    name = _slot(session, item_id, item_version, slot, signature_ok=True)
    signature = name == SIGNATURE_SLOT
    return store_material(
        support.store, data, slot=name, source="signature" if signature else "scan",
        declared_type=content_type, max_bytes=support.max_bytes,
        allowed={PNG} if signature else DEFAULT_ALLOWED,
    )  # fmt: skip


def find_licences(support: Support, holder_id_number: str, licence_type: str) -> list[dict]:
    """The citizen's e-licences of one type (metadata only)."""
    return [licence.to_json() for licence in support.licences.find(holder_id_number, licence_type)]


def attach_licence(
    session: Session,
    support: Support,
    *,
    licence_id: str,
    holder_id_number: str,
    item_id: int,
    item_version: int,
    slot: str,
) -> MaterialRef:
    """Fetch an e-licence of the citizen in session and store it as the material for a slot."""
    name = _slot(session, item_id, item_version, slot)
    document = support.licences.fetch(licence_id)
    if document.licence.holder_id_number != holder_id_number:
        raise Forbidden("this e-licence belongs to someone else")
    return store_material(
        support.store,
        document.content,
        slot=name,
        source="elicence",
        declared_type=document.content_type,
        max_bytes=support.max_bytes,
    )


def start_phone_upload(
    session: Session, support: Support, *, item_id: int, item_version: int, slot: str, ttl_s: int
) -> tuple[str, str, datetime]:
    """A one-time link (shown as a QR code) for the citizen's phone to upload one material."""
    name = _slot(session, item_id, item_version, slot)
    token, expires_at = support.uploads.create_upload_session(name, ttl_s=ttl_s)
    return token, support.uploads.upload_url(token), expires_at
