"""The CJK font receipts are set in: finding Noto Sans CJK SC on the system and reading its tables."""

import bisect
import functools
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

FONT_PACKAGE = "fonts-noto-cjk"
SC_FAMILY = "Noto Sans CJK SC"
KNOWN_DIRS = (
    "/usr/share/fonts/opentype/noto",  # Debian / Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk",  # Fedora, Arch
    "/usr/share/fonts/google-noto-cjk",
    "/usr/local/share/fonts",
)
FILE_NAMES = {"regular": "NotoSansCJK-Regular.ttc", "bold": "NotoSansCJK-Bold.ttc"}


class ReceiptFontMissing(RuntimeError):
    """No Noto Sans CJK font is installed, so a receipt cannot be rendered."""

    def __init__(self, weight: str) -> None:
        super().__init__(
            f"Noto Sans CJK SC ({weight}) not found in {', '.join(KNOWN_DIRS)} nor by fc-match; "
            f"install the Debian package {FONT_PACKAGE} (scripts/setup.sh does)"
        )


@dataclass(frozen=True)
class FontLocation:
    """A font file and the index of the Simplified Chinese face inside it (TTC collections)."""

    path: Path
    index: int


@functools.cache
def find_cjk_font(weight: str = "regular") -> FontLocation:
    """Locate Noto Sans CJK SC of the given weight ("regular" or "bold")."""
    for folder in KNOWN_DIRS:
        path = Path(folder) / FILE_NAMES[weight]
        if path.is_file():
            return FontLocation(path, _sc_index(path))
    found = _fc_match(f"{SC_FAMILY}:style={'Bold' if weight == 'bold' else 'Regular'}")
    if found is None:
        raise ReceiptFontMissing(weight)
    return found


def _fc_match(pattern: str) -> FontLocation | None:
    """Ask fontconfig; None unless it answers with a Noto Sans CJK file."""
    if shutil.which("fc-match") is None:
        return None
    out = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{index}", pattern], capture_output=True, text=True, check=False
    ).stdout.split("\n")
    if len(out) < 2 or "NotoSansCJK" not in out[0] or not Path(out[0]).is_file():
        return None
    return FontLocation(Path(out[0]), int(out[1] or 0))


def _sc_index(path: Path) -> int:
    """The face index of "Noto Sans CJK SC" in a collection (2 in the upstream TTCs)."""
    data = path.read_bytes()
    for index in range(_face_count(data)):
        if SfntFace(data, index).family() == SC_FAMILY:
            return index
    return 0


def _face_count(data: bytes) -> int:
    return struct.unpack(">I", data[8:12])[0] if data[:4] == b"ttcf" else 1


class SfntFace:
    """The tables of one face of an OpenType file or collection that receipts need."""

    def __init__(self, data: bytes, index: int = 0) -> None:
        self.data = data
        start = struct.unpack(">I", data[12 + 4 * index : 16 + 4 * index])[0] if data[:4] == b"ttcf" else 0
        count = struct.unpack(">H", data[start + 4 : start + 6])[0]
        self.tables: dict[str, tuple[int, int]] = {}
        for i in range(count):
            rec = start + 12 + 16 * i
            tag, _, offset, length = struct.unpack(">4sIII", data[rec : rec + 16])
            self.tables[tag.decode("latin-1")] = (offset, length)

    def table(self, tag: str) -> bytes:
        """The raw bytes of a table."""
        offset, length = self.tables[tag]
        return self.data[offset : offset + length]

    def family(self) -> str:
        """The family name (name ID 1, Windows Unicode)."""
        name = self.table("name")
        count, strings = struct.unpack(">2xHH", name[:6])
        for i in range(count):
            platform, _, _, name_id, length, offset = struct.unpack(">6H", name[6 + 12 * i : 18 + 12 * i])
            if platform == 3 and name_id == 1:
                return name[strings + offset : strings + offset + length].decode("utf-16-be")
        return ""

    @functools.cached_property
    def units_per_em(self) -> int:
        return int(struct.unpack(">H", self.table("head")[18:20])[0])

    @functools.cached_property
    def advances(self) -> list[int]:
        """Advance widths by glyph id (the last one repeats, as hmtx says)."""
        metrics = struct.unpack(">H", self.table("hhea")[34:36])[0]
        hmtx = self.table("hmtx")
        return [struct.unpack(">H", hmtx[4 * i : 4 * i + 2])[0] for i in range(metrics)]

    def advance(self, gid: int) -> int:
        """Advance width of a glyph in font units."""
        return self.advances[min(gid, len(self.advances) - 1)]

    @functools.cached_property
    def _groups(self) -> tuple[list[int], list[tuple[int, int, int]]]:
        """The format-12 cmap groups (start, end, first glyph), sorted by start."""
        cmap = self.table("cmap")
        count = struct.unpack(">H", cmap[2:4])[0]
        for i in range(count):
            platform, encoding, offset = struct.unpack(">HHI", cmap[4 + 8 * i : 12 + 8 * i])
            if (platform, encoding) == (3, 10) and struct.unpack(">H", cmap[offset : offset + 2])[0] == 12:
                n = struct.unpack(">I", cmap[offset + 12 : offset + 16])[0]
                groups = [
                    struct.unpack(">III", cmap[offset + 16 + 12 * g : offset + 28 + 12 * g]) for g in range(n)
                ]
                return [g[0] for g in groups], groups
        raise ValueError("font has no format-12 Unicode cmap")

    def glyph(self, char: str) -> int:
        """The glyph id of a character (0, .notdef, when the font lacks it)."""
        starts, groups = self._groups
        i = bisect.bisect_right(starts, ord(char)) - 1
        if i < 0 or ord(char) > groups[i][1]:
            return 0
        return groups[i][2] + ord(char) - groups[i][0]


@functools.cache
def load_face(weight: str = "regular") -> SfntFace:
    """The parsed Noto Sans CJK SC face of a weight (cached: the collection is ~20 MB)."""
    location = find_cjk_font(weight)
    return SfntFace(location.path.read_bytes(), location.index)
