"""Subsetting a CID-keyed CFF font (Noto Sans CJK) for embedding in a PDF as FontFile3/CIDFontType0C.

reportlab embeds only TrueType outlines and Noto Sans CJK has CFF ones, so the subset is cut here: the
used glyphs keep their CIDs (the charset maps new glyph ids to them), subroutines keep their numbers and
the unused ones shrink to a bare `return`.
"""

import struct
from dataclasses import dataclass, field

# Top DICT / Font DICT / Private DICT operators whose operands are offsets we rewrite
CHARSET, CHARSTRINGS, PRIVATE, SUBRS = b"\x0f", b"\x11", b"\x12", b"\x13"
FD_ARRAY, FD_SELECT = b"\x0c\x24", b"\x0c\x25"
RETURN = b"\x0b"

Entry = tuple[bytes, list[float], bytes]  # a DICT entry: operator, operand values, raw operand bytes


def read_index(data: bytes, pos: int) -> tuple[list[bytes], int]:
    """The items of the INDEX at `pos` and the position after it."""
    count = struct.unpack(">H", data[pos : pos + 2])[0]
    if count == 0:
        return [], pos + 2
    size = data[pos + 2]
    offsets = [
        int.from_bytes(data[pos + 3 + i * size : pos + 3 + (i + 1) * size], "big") for i in range(count + 1)
    ]
    base = pos + 2 + (count + 1) * size
    return [data[base + offsets[i] : base + offsets[i + 1]] for i in range(count)], base + offsets[-1]


def write_index(items: list[bytes]) -> bytes:
    """An INDEX holding `items`."""
    if not items:
        return b"\x00\x00"
    offsets = [1]
    for item in items:
        offsets.append(offsets[-1] + len(item))
    size = next(n for n in (1, 2, 3, 4) if offsets[-1] < 1 << (8 * n))
    head = struct.pack(">HB", len(items), size) + b"".join(o.to_bytes(size, "big") for o in offsets)
    return head + b"".join(items)


def parse_dict(data: bytes) -> list[Entry]:
    """A DICT as (operator, operand values, raw operand bytes) entries."""
    entries: list[Entry] = []
    operands: list[float] = []
    start = pos = 0
    while pos < len(data):
        b0 = data[pos]
        if b0 <= 21:
            size = 2 if b0 == 12 else 1
            entries.append((data[pos : pos + size], operands, data[start:pos]))
            operands, pos = [], pos + size
            start = pos
            continue
        value, pos = _dict_operand(data, pos)
        operands.append(value)
    return entries


def _dict_operand(data: bytes, pos: int) -> tuple[float, int]:
    b0 = data[pos]
    if b0 == 28:
        return struct.unpack(">h", data[pos + 1 : pos + 3])[0], pos + 3
    if b0 == 29:
        return struct.unpack(">i", data[pos + 1 : pos + 5])[0], pos + 5
    if b0 == 30:  # real: nibbles until 0xf; the value itself is never an offset, keep it raw
        pos += 1
        while data[pos] & 0x0F != 0x0F and data[pos] >> 4 != 0x0F:
            pos += 1
        return 0.0, pos + 1
    if b0 <= 246:
        return b0 - 139, pos + 1
    if b0 <= 250:
        return (b0 - 247) * 256 + data[pos + 1] + 108, pos + 2
    return -(b0 - 251) * 256 - data[pos + 1] - 108, pos + 2


def write_dict(entries: list[Entry], replace: dict[bytes, list[int]]) -> bytes:
    """A DICT from parsed entries; operators in `replace` get fixed-size (5-byte) integer operands."""
    out = b""
    for op, _, raw in entries:
        if op in replace:
            raw = b"".join(b"\x1d" + struct.pack(">i", v) for v in replace[op])
        out += raw + op
    return out


def _op(entries: list[Entry], op: bytes) -> list[int]:
    return next(([int(v) for v in values] for o, values, _ in entries if o == op), [])


def subr_bias(count: int) -> int:
    """The number added to a subroutine operand (Type 2 charstrings)."""
    return 107 if count < 1240 else 1131 if count < 33900 else 32768


@dataclass
class _Hints:
    """Interpreter state needed to walk a charstring: the stem count decides hintmask lengths."""

    stems: int = 0
    stack: list[int] = field(default_factory=list)
    ended: bool = False


class CidCff:
    """A parsed CID-keyed CFF table."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.names, pos = read_index(data, data[2])
        top, pos = read_index(data, pos)
        self.top = parse_dict(top[0])
        self.strings, pos = read_index(data, pos)
        self.gsubrs, _ = read_index(data, pos)
        self.charstrings, _ = read_index(data, _op(self.top, CHARSTRINGS)[0])
        self.cids = self._charset(_op(self.top, CHARSET)[0], len(self.charstrings))
        self.fd_of = self._fd_select(_op(self.top, FD_SELECT)[0], len(self.charstrings))
        fonts, _ = read_index(data, _op(self.top, FD_ARRAY)[0])
        self.fds = [parse_dict(fd) for fd in fonts]
        self.privates = [self._private(fd) for fd in self.fds]

    def _private(self, fd: list[Entry]) -> tuple[list[Entry], list[bytes]]:
        size, offset = _op(fd, PRIVATE)
        private = parse_dict(self.data[offset : offset + size])
        subrs = _op(private, SUBRS)
        return private, read_index(self.data, offset + subrs[0])[0] if subrs else []

    def _charset(self, pos: int, glyphs: int) -> list[int]:
        fmt, pos, cids = self.data[pos], pos + 1, [0]
        while len(cids) < glyphs:
            if fmt == 0:
                cids.append(struct.unpack(">H", self.data[pos : pos + 2])[0])
                pos += 2
                continue
            first = struct.unpack(">H", self.data[pos : pos + 2])[0]
            size = 1 if fmt == 1 else 2
            left = int.from_bytes(self.data[pos + 2 : pos + 2 + size], "big")
            cids.extend(range(first, first + left + 1))
            pos += 2 + size
        return cids[:glyphs]

    def _fd_select(self, pos: int, glyphs: int) -> list[int]:
        if self.data[pos] == 0:
            return list(self.data[pos + 1 : pos + 1 + glyphs])
        count = struct.unpack(">H", self.data[pos + 1 : pos + 3])[0]
        out = [0] * glyphs
        for i in range(count):
            first, fd, end = struct.unpack(">HBH", self.data[pos + 3 + 3 * i : pos + 8 + 3 * i])
            out[first:end] = [fd] * (end - first)
        return out

    def subset(self, gids: set[int]) -> bytes:
        """A CFF holding glyph 0 and `gids` (with their original CIDs)."""
        keep = sorted(gids | {0})
        used_fds = sorted({self.fd_of[g] for g in keep})
        used_g: set[int] = set()
        used_l: dict[int, set[int]] = {fd: set() for fd in used_fds}
        for gid in keep:
            fd = self.fd_of[gid]
            self._walk(self.charstrings[gid], fd, _Hints(), used_g, used_l[fd])
        return self._build(keep, used_fds, used_g, used_l)

    def _walk(self, code: bytes, fd: int, h: _Hints, used_g: set[int], used_l: set[int]) -> None:
        """Interpret a charstring just enough to find the subroutines it calls."""
        pos = 0
        while pos < len(code) and not h.ended:
            b0 = code[pos]
            if b0 >= 32 or b0 in (28, 255):
                value, pos = _charstring_operand(code, pos)
                h.stack.append(value)
                continue
            pos += 1
            if b0 in (10, 29):  # callsubr, callgsubr
                subrs, used = (self.privates[fd][1], used_l) if b0 == 10 else (self.gsubrs, used_g)
                index = h.stack.pop() + subr_bias(len(subrs))
                used.add(index)
                self._walk(subrs[index], fd, h, used_g, used_l)
                continue
            if b0 == 11:
                return
            if b0 in (1, 3, 18, 23, 19, 20):  # stems, hintmask, cntrmask
                h.stems += len(h.stack) // 2
                if b0 in (19, 20):
                    pos += (h.stems + 7) // 8
            elif b0 == 12:
                pos += 1
            h.ended = b0 == 14
            h.stack.clear()

    def _build(self, keep: list[int], fds: list[int], used_g: set[int], used_l: dict[int, set[int]]) -> bytes:
        fd_index = {fd: i for i, fd in enumerate(fds)}
        gsubrs = write_index([s if i in used_g else RETURN for i, s in enumerate(self.gsubrs)])
        charset = b"\x00" + b"".join(struct.pack(">H", self.cids[g]) for g in keep[1:])
        fd_select = b"\x00" + bytes(fd_index[self.fd_of[g]] for g in keep)
        charstrings = write_index([self.charstrings[g] for g in keep])
        privates = [self._private_bytes(fd, used_l[fd]) for fd in fds]
        names, strings = write_index(self.names), write_index(self.strings)
        top_len = len(write_index([write_dict(self.top, self._top_offsets(0, 0, 0, 0))]))
        pos = 4 + len(names) + top_len + len(strings) + len(gsubrs)
        at = [pos, pos + len(charset), pos + len(charset) + len(fd_select)]
        at.append(at[2] + len(charstrings))
        fd_array = self._fd_array(fds, privates, at[3] + len(self._fd_array(fds, privates, 0)))
        top = write_index([write_dict(self.top, self._top_offsets(*at))])
        body = [charset, fd_select, charstrings, fd_array, *(p for p, _ in privates)]
        return b"\x01\x00\x04\x04" + names + top + strings + gsubrs + b"".join(body)

    def _top_offsets(
        self, charset: int, fd_select: int, charstrings: int, fd_array: int
    ) -> dict[bytes, list[int]]:
        return {CHARSET: [charset], FD_SELECT: [fd_select], CHARSTRINGS: [charstrings], FD_ARRAY: [fd_array]}

    def _private_bytes(self, fd: int, used: set[int]) -> tuple[bytes, int]:
        """A Private DICT followed by its local subroutines, and the DICT's own length."""
        private, subrs = self.privates[fd]
        size = len(write_dict(private, {SUBRS: [0]}))
        if not subrs:
            return write_dict(private, {}), len(write_dict(private, {}))
        local = write_index([s if i in used else RETURN for i, s in enumerate(subrs)])
        return write_dict(private, {SUBRS: [size]}) + local, size

    def _fd_array(self, fds: list[int], privates: list[tuple[bytes, int]], start: int) -> bytes:
        """The Font DICT INDEX; the Private DICTs follow it from `start` on."""
        dicts = []
        for fd, (blob, size) in zip(fds, privates, strict=True):
            dicts.append(write_dict(self.fds[fd], {PRIVATE: [size, start]}))
            start += len(blob)
        return write_index(dicts)


def _charstring_operand(code: bytes, pos: int) -> tuple[int, int]:
    b0 = code[pos]
    if b0 == 28:
        return struct.unpack(">h", code[pos + 1 : pos + 3])[0], pos + 3
    if b0 == 255:  # 16.16 fixed: never a subroutine number
        return struct.unpack(">i", code[pos + 1 : pos + 5])[0] >> 16, pos + 5
    if b0 <= 246:
        return b0 - 139, pos + 1
    if b0 <= 250:
        return (b0 - 247) * 256 + code[pos + 1] + 108, pos + 2
    return -(b0 - 251) * 256 - code[pos + 1] - 108, pos + 2
