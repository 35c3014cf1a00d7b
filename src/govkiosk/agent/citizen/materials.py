"""Application materials at the kiosk: a page from the document camera, the citizen's e-licence, both
stored on the platform against one of the item's material slots; only the reference comes back."""

import asyncio
import base64
from typing import Any

from govkiosk.agent.citizen.offers import FormOffer
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.document_scanner import DocumentScannerService
from govkiosk.agent.sync.client import PlatformRefused, PlatformUnavailable, TerminalClient
from govkiosk.contracts.devices import ScanCommand
from govkiosk.contracts.terminal_api import MaterialRef

DEVICE_TIMEOUT_S = 15.0


async def scan(devices: DeviceSet, *, timeout_s: float = DEVICE_TIMEOUT_S) -> bytes:
    """One page from the document camera (colour JPEG, cropped and deskewed), under the service's lock."""
    service = devices.get("DocumentScanner")
    if not isinstance(service, DocumentScannerService):
        raise ValueError("DocumentScanner is not a document camera")
    command = ScanCommand(dpi=300, color="color", format="jpeg")
    async with service.lock:
        image = await asyncio.wait_for(service.driver.scan(command), timeout=timeout_s)
    return base64.b64decode(image.data)


async def upload_scan(
    client: TerminalClient,
    token: str,
    offer: FormOffer,
    slot: str,
    content: bytes,
    content_type: str = "image/jpeg",
) -> MaterialRef:
    """Store a scan for one of the item's material slots (`POST /materials`); its reference comes back."""
    return await client.upload_material(
        token, item_id=offer.item_id, item_version=offer.item_version, slot=slot, content=content,
        content_type=content_type,
    )  # fmt: skip


async def find_licence(
    client: TerminalClient, token: str, id_number: str, licence_type: str
) -> dict[str, Any] | None:
    """The citizen's e-licence of a type, or None when there is none or no library."""
    try:
        found = await client.find_licences(token, id_number, licence_type)
    except (PlatformRefused, PlatformUnavailable):  # no library, or it is down: the citizen scans instead
        return None
    return found[0] if found else None


async def attach_licence(
    client: TerminalClient, token: str, offer: FormOffer, slot: str, licence: dict[str, Any]
) -> MaterialRef:
    """Store the citizen's e-licence as the material for a slot (`POST /elicences/attach`)."""
    body = {
        "licence_id": licence["licence_id"], "holder_id_number": licence["holder_id_number"],
        "item_id": offer.item_id, "item_version": offer.item_version, "slot": slot,
    }  # fmt: skip
    return await client.attach_licence(token, body)
