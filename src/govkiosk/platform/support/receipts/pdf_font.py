"""A reportlab font that embeds a subset of Noto Sans CJK SC (CFF outlines) as a Type0/CIDFontType0 font."""

import hashlib
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfdoc, pdfmetrics

from govkiosk.platform.support.receipts.cff import CidCff
from govkiosk.platform.support.receipts.fonts import SfntFace, load_face

FONT_NAMES = {"regular": "NotoSansCJKsc-Regular", "bold": "NotoSansCJKsc-Bold"}


@dataclass
class _DocState:
    """What one PDF document used of the font."""

    internal_name: str
    chars: dict[int, str] = field(default_factory=dict)  # glyph id -> character


class CjkCidFont:
    """Duck-types reportlab's dynamic (TrueType) font interface; the subset is cut when the PDF is saved."""

    _dynamicFont = 1
    _multiByte = 1
    shapable = False
    ascent, descent = 880, -120  # Noto Sans CJK's typo ascender/descender, per 1000 em

    def __init__(self, weight: str) -> None:
        self.face: SfntFace = load_face(weight)
        self.fontName = self.name = FONT_NAMES[weight]
        self.substitutionFonts: list[Any] = []
        self.encoding = "utf8"
        self._cff: CidCff | None = None
        self._scale = 1000 / self.face.units_per_em
        self.state: dict[Any, _DocState] = {}

    @property
    def cff(self) -> CidCff:
        """The parsed CFF table (parsed on first use)."""
        if self._cff is None:
            self._cff = CidCff(self.face.table("CFF "))
        return self._cff

    def stringWidth(self, text: str, size: float, encoding: str = "utf8") -> float:  # noqa: N802
        """Width of `text` at `size` points."""
        return sum(self.face.advance(self.face.glyph(c)) for c in text) * self._scale * size / 1000

    def splitString(self, text: str, doc: Any, encoding: str = "utf8") -> list[tuple[int, bytes]]:  # noqa: N802
        """The text as one run of 2-byte CIDs (Identity-H)."""
        state = self._state(doc)
        codes = b""
        for char in text.replace("\xa0", " "):
            gid = self.face.glyph(char)
            state.chars.setdefault(gid, char)
            codes += self.cff.cids[gid].to_bytes(2, "big")
        return [(0, codes)]

    def getSubsetInternalName(self, subset: int, doc: Any) -> str:  # noqa: N802
        """The resource name text in this font is set with."""
        return "/" + self._state(doc).internal_name

    def _state(self, doc: Any) -> _DocState:
        if doc not in self.state:
            name = f"F{len(doc.fontMapping) + 1}"
            self.state[doc] = _DocState(name)
            doc.fontMapping[self.fontName] = "/" + name
            doc.delayedFonts.append(self)
        return self.state[doc]

    def addObjects(self, doc: Any) -> None:  # noqa: N802
        """Add the Type0 font, its CIDFont, descriptor, embedded subset and ToUnicode map to `doc`."""
        state = self.state.pop(doc)
        gids = sorted(state.chars)
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(repr(gids).encode()).digest()[:6])
        base = f"{tag}+{self.fontName}"
        cid_font = pdfdoc.PDFDictionary(
            {
                "Type": pdfdoc.PDFName("Font"),
                "Subtype": pdfdoc.PDFName("CIDFontType0"),
                "BaseFont": pdfdoc.PDFName(base),
                "CIDSystemInfo": pdfdoc.PDFDictionary(
                    {
                        "Registry": pdfdoc.PDFString("Adobe"),
                        "Ordering": pdfdoc.PDFString("Identity"),
                        "Supplement": 0,
                    }
                ),
                "FontDescriptor": doc.Reference(self._descriptor(doc, base, set(gids))),
                "DW": 1000,
                "W": pdfdoc.PDFArray(self._widths(gids)),
            }
        )
        font = pdfdoc.PDFDictionary(
            {
                "Type": pdfdoc.PDFName("Font"),
                "Subtype": pdfdoc.PDFName("Type0"),
                "BaseFont": pdfdoc.PDFName(base),
                "Encoding": pdfdoc.PDFName("Identity-H"),
                "DescendantFonts": pdfdoc.PDFArray([doc.Reference(cid_font)]),
                "ToUnicode": doc.Reference(_stream(_to_unicode(base, self._cid_chars(state)))),
            }
        )
        doc.idToObject["BasicFonts"].dict[state.internal_name] = doc.Reference(font, state.internal_name)

    def _descriptor(self, doc: Any, base: str, gids: set[int]) -> pdfdoc.PDFDictionary:
        fontfile = _stream(self.cff.subset(gids), {"Subtype": pdfdoc.PDFName("CIDFontType0C")})
        return pdfdoc.PDFDictionary(
            {
                "Type": pdfdoc.PDFName("FontDescriptor"),
                "FontName": pdfdoc.PDFName(base),
                "Flags": 4,
                "FontBBox": pdfdoc.PDFArray([-1000, -420, 3000, 1200]),
                "ItalicAngle": 0,
                "Ascent": self.ascent,
                "Descent": self.descent,
                "CapHeight": 733,
                "StemV": 80,
                "FontFile3": doc.Reference(fontfile),
            }
        )

    def _widths(self, gids: list[int]) -> list[Any]:
        out: list[Any] = []
        for gid in gids:
            out += [self.cff.cids[gid], pdfdoc.PDFArray([round(self.face.advance(gid) * self._scale)])]
        return out

    def _cid_chars(self, state: _DocState) -> dict[int, str]:
        return {self.cff.cids[gid]: char for gid, char in state.chars.items() if gid}


def _stream(content: bytes, entries: dict[str, Any] | None = None) -> pdfdoc.PDFStream:
    stream = pdfdoc.PDFStream(pdfdoc.PDFDictionary(entries or {}), content)
    stream.filters = [pdfdoc.PDFZCompress]
    return stream


def _to_unicode(name: str, chars: dict[int, str]) -> bytes:
    """A ToUnicode CMap so that text can be searched and extracted."""
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        f"/CMapName /{name.replace('+', '-')}-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    items = sorted(chars.items())
    for start in range(0, len(items), 100):
        chunk = items[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{cid:04X}> <{char.encode('utf-16-be').hex().upper()}>" for cid, char in chunk]
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode("ascii")


def register_fonts() -> tuple[str, str]:
    """Register the regular and bold CJK fonts with reportlab once; returns their names."""
    for weight, name in FONT_NAMES.items():
        if name not in pdfmetrics._fonts:
            pdfmetrics._fonts[name] = CjkCidFont(weight)
    regular, bold = FONT_NAMES["regular"], FONT_NAMES["bold"]
    for is_bold, is_italic in ((0, 0), (1, 0), (0, 1), (1, 1)):  # so that Paragraph styles resolve them
        addMapping(regular, is_bold, is_italic, bold if is_bold else regular)
    return regular, bold
