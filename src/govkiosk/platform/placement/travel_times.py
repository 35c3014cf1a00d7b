"""The travel-time table (`origin,destination,minutes`), read in large blocks straight into numpy arrays.

A city-scale table has millions of rows (100,000 demand points × 10,000 sites within 15 minutes: 5.8 M rows,
100 MB). A block of about 16 MB that has the plain shape (no quotes, the header's number of fields on every
line) is split on commas and newlines by one `bytes.split`; its ids become indices through one dict lookup
each and its minutes through `float`, both inside `np.fromiter` — about 4 s and 350 MB peak for those 5.8 M
rows, against 18 s and 800 MB for a `csv.DictReader` loop. (Parsing the bytes entirely in numpy — delimiter
positions, ids hashed from padded bytes, a vectorised decimal parser — was no faster and far longer.)
A block that does not take the fast path (quotes, blank lines, blanks around a value, a short row, an unknown
id, a bad or negative number) is read again row by row with the `csv` module, which accepts what the format
allows and names the file, line and field of anything it cannot use.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from govkiosk.platform.placement.problem import PlacementInputError, TravelTable, make_travel_table
from govkiosk.platform.placement.readers import _number

COLUMNS = ("origin", "destination", "minutes")
BLOCK_BYTES = 1 << 24  # 16 MB of the file at a time: ~1 M rows, tens of MB of transient Python objects
_Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]


def read_travel_times(path: Path, demand_ids: list[str], site_ids: list[str]) -> TravelTable:
    """`origin,destination,minutes`: origin a demand id, destination a site id; later rows override."""
    table = _Reader(path, demand_ids, site_ids)
    try:
        with path.open("rb") as f:
            table.header(f.readline())
            parts = [table.block(block, line) for block, line in _blocks(f)]
    except OSError as exc:
        raise PlacementInputError(f"{path}: cannot read ({exc.strerror})") from exc
    if not parts:
        parts = [(np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))]
    rows, cols, minutes = (np.concatenate([part[k] for part in parts]) for k in range(3))
    return make_travel_table(rows, cols, minutes, len(site_ids))


def _blocks(f: BinaryIO) -> Iterator[tuple[bytes, int]]:
    """Blocks of whole lines (each ending in a newline) and the file line number of each block's first."""
    line, tail = 2, b""
    while True:
        chunk = f.read(BLOCK_BYTES)
        if not chunk:
            break
        chunk = tail + chunk
        cut = chunk.rfind(b"\n") + 1
        block, tail = chunk[:cut], chunk[cut:]
        if block:
            yield block, line
            line += block.count(b"\n")
    if tail.strip():
        yield tail + b"\n", line


class _Reader:
    """Column positions and id indices for one table; turns blocks of lines into index and minute arrays."""

    def __init__(self, path: Path, demand_ids: list[str], site_ids: list[str]) -> None:
        self.path = path
        self.index = ({v: k for k, v in enumerate(demand_ids)}, {v: k for k, v in enumerate(site_ids)})
        self.raw = tuple({v.encode(): k for v, k in ids.items()} for ids in self.index)
        self.width, self.at = 0, (0, 0, 0)

    def header(self, line: bytes) -> None:
        """Find the three columns (in any order, among others) or name the missing ones."""
        try:
            names = next(csv.reader([line.decode("utf-8-sig")]), [])
        except UnicodeDecodeError:
            raise PlacementInputError(f"{self.path}: not UTF-8 text") from None
        missing = set(COLUMNS) - set(names)
        if missing:
            raise PlacementInputError(f"{self.path}: missing columns {sorted(missing)}")
        self.width = len(names)
        self.at = (names.index(COLUMNS[0]), names.index(COLUMNS[1]), names.index(COLUMNS[2]))

    def block(self, block: bytes, line: int) -> _Arrays:
        fast = self._fast(block)
        return fast if fast is not None else self._rows(block, line)

    def _fast(self, block: bytes) -> _Arrays | None:
        """The plain shape only; None sends the block to `_rows` (which also names what is wrong)."""
        if b'"' in block:
            return None
        block = block.replace(b"\r\n", b"\n")
        while b"\n\n" in block:  # blank lines (errors are named from the original block, in `_rows`)
            block = block.replace(b"\n\n", b"\n")
        block = block.removeprefix(b"\n")
        buf = np.frombuffer(block, dtype=np.uint8)
        delimiters = buf[(buf == ord(",")) | (buf == ord("\n"))]
        if len(delimiters) % self.width:
            return None
        delimiters = delimiters.reshape(-1, self.width)
        if (delimiters[:, -1] != ord("\n")).any() or (delimiters[:, :-1] != ord(",")).any():
            return None  # a line with too few or too many fields
        fields = block.replace(b"\n", b",").split(b",")
        count, k = len(delimiters), self.width
        (o, d, t), (origins, sites) = self.at, self.raw
        try:
            rows = np.fromiter(map(origins.__getitem__, fields[o::k]), np.int32, count)
            cols = np.fromiter(map(sites.__getitem__, fields[d::k]), np.int32, count)
            minutes = np.fromiter(map(float, fields[t::k]), np.float64, count)
        except (KeyError, ValueError):
            return None
        if not (np.isfinite(minutes).all() and (minutes >= 0).all()):
            return None
        return rows, cols, minutes

    def _rows(self, block: bytes, line: int) -> _Arrays:
        """Row by row with the `csv` module: values stripped, blank lines skipped, errors named."""
        try:
            reader = csv.reader(io.StringIO(block.decode("utf-8"), newline=""))
            records = [(line + reader.line_num - 1, row) for row in reader if row]
        except UnicodeDecodeError:
            raise PlacementInputError(
                f"{self.path}:{line}: not UTF-8 text (somewhere in this block)"
            ) from None
        except csv.Error as exc:
            raise PlacementInputError(f"{self.path}:{line}: not CSV ({exc})") from None
        rows, cols, minutes = [], [], []
        for number, row in records:
            where = f"{self.path}:{number}"
            value = dict(zip(COLUMNS, (row[k] if k < len(row) else "" for k in self.at), strict=True))
            rows.append(_lookup(self.index[0], value, "origin", where))
            cols.append(_lookup(self.index[1], value, "destination", where))
            minute = _number(value, "minutes", where)
            if minute < 0:
                raise PlacementInputError(f"{where}: field 'minutes': must not be negative")
            minutes.append(minute)
        return np.array(rows, np.int32), np.array(cols, np.int32), np.array(minutes, np.float64)


def _lookup(index: dict[str, int], row: dict[str, str], name: str, where: str) -> int:
    value = row[name].strip()
    if value not in index:
        raise PlacementInputError(f"{where}: field '{name}': unknown id '{value}'")
    return index[value]
