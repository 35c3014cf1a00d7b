"""Application materials (申请材料): type sniffing by magic bytes, size and type checks, storage with SM3.

Every rejection is a `MaterialRejected` whose message carries Chinese and English (`"中文 / English"`), and
whose `message_zh` / `message_en` carry each alone, so the kiosk can show either.
"""

import io
import zipfile
from collections.abc import Collection, Sequence
from typing import Literal

from govkiosk.contracts.terminal_api import MaterialRef
from govkiosk.platform.catalog.schemas import Material
from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.support.storage import ObjectStore

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
OFD = "application/ofd"  # GB/T 33190 open fixed-layout document, China's PDF counterpart for e-licences
HEIC = "image/heic"

DEFAULT_ALLOWED: frozenset[str] = frozenset({PDF, JPEG, PNG, OFD})
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "application/x-pdf": PDF, "image/heif": HEIC}
_LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", OFD: "OFD", HEIC: "HEIC"}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_ZIP_SCAN_LIMIT = 1000  # names looked at in an archive; a real OFD has a handful at its root

MaterialSource = Literal["scan", "elicence", "phone_upload", "signature"]


class MaterialRejected(InvalidInput):
    """A material that failed a check, explained in Chinese and English."""

    def __init__(self, *, code: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}", code=code)
        self.message_zh = zh
        self.message_en = en


def sniff(data: bytes) -> str | None:
    """The content type that `data`'s magic bytes show, or None when it is none of the known ones."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        return OFD if _is_ofd(data) else None
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return HEIC
    return None


def _is_ofd(data: bytes) -> bool:
    """An OFD package is a ZIP archive with `OFD.xml` at its root (GB/T 33190-2016 §7.1)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()[:_ZIP_SCAN_LIMIT]
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "OFD.xml" in names


def normalise_type(content_type: str | None) -> str | None:
    """A declared content type without parameters, lower-cased, with common aliases resolved."""
    if not content_type:
        return None
    base = content_type.split(";", 1)[0].strip().lower()
    return _ALIASES.get(base, base)


def _label(content_type: str) -> str:
    return _LABELS.get(content_type, content_type)


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):.1f}".removesuffix(".0")


def check_material(
    data: bytes,
    *,
    declared_type: str | None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowed: Collection[str] = DEFAULT_ALLOWED,
) -> str:
    """The sniffed content type of an acceptable material; `MaterialRejected` for anything else."""
    if not data:
        raise MaterialRejected(code="material_empty", zh="文件为空", en="The file is empty")
    if len(data) > max_bytes:
        limit = _megabytes(max_bytes)
        raise MaterialRejected(
            code="material_too_large",
            zh=f"文件过大，不能超过 {limit} MB",
            en=f"The file is too large; the limit is {limit} MB",
        )
    sniffed = sniff(data)
    if sniffed is None or sniffed not in allowed:
        kinds = "、".join(sorted(_label(t) for t in allowed))
        found = "无法识别的格式" if sniffed is None else f"{_label(sniffed)} 格式"
        raise MaterialRejected(
            code="material_type_not_allowed",
            zh=f"不支持的文件类型（{found}），请上传 {kinds} 文件",
            en=f"File type not allowed ({_label(sniffed) if sniffed else 'unrecognised'}); "
            f"accepted: {', '.join(sorted(_label(t) for t in allowed))}",
        )
    declared = normalise_type(declared_type)
    if declared is not None and declared != sniffed:
        raise MaterialRejected(
            code="material_type_mismatch",
            zh=f"文件内容（{_label(sniffed)}）与声明的类型（{declared}）不符",
            en=f"The file's content ({_label(sniffed)}) does not match its declared type ({declared})",
        )
    return sniffed


def find_slot(materials: Sequence[Material], slot: str) -> Material:
    """The item's material that `slot` names; a slot outside the item's material list is refused."""
    for material in materials:
        if material.name == slot:
            return material
    raise MaterialRejected(
        code="material_slot_unknown",
        zh=f"该事项没有“{slot}”这项材料",
        en=f"The service item has no material slot {slot!r}",
    )


def store_material(
    store: ObjectStore,
    data: bytes,
    *,
    slot: str,
    source: MaterialSource,
    declared_type: str | None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowed: Collection[str] = DEFAULT_ALLOWED,
) -> MaterialRef:
    """Check a material, store it under a server-generated key; its reference records the SM3 digest."""
    content_type = check_material(data, declared_type=declared_type, max_bytes=max_bytes, allowed=allowed)
    stored = store.put(data, content_type=content_type)
    return MaterialRef(
        slot=slot,
        object_key=stored.key,
        sm3=stored.sm3,
        size=stored.size,
        content_type=stored.content_type,
        source=source,
    )
