"""The travel-time table reader: fast blocks and row-by-row blocks agree, errors name file, line and field."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from govkiosk.platform.placement import travel_times
from govkiosk.platform.placement.distances import coverage, distance_matrix, table_nearest
from govkiosk.platform.placement.problem import (
    Metric,
    PlacementInputError,
    PlacementProblem,
    make_demand,
    make_sites,
    make_travel_table,
)
from govkiosk.platform.placement.travel_times import read_travel_times

DEMAND = [f"d{i}" for i in range(40)]
SITES = [f"s{j}" for j in range(15)]


def _reference(path: Path) -> dict[tuple[int, int], float]:
    """What the table says, read the slow obvious way: later rows win."""
    result = {}
    with path.open(newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            key = (DEMAND.index(row["origin"].strip()), SITES.index(row["destination"].strip()))
            result[key] = float(row["minutes"])
    return result


def _table_text(rng: np.random.Generator, rows: int) -> list[str]:
    lines = []
    for _ in range(rows):  # random order, pairs repeating with other minutes
        i, j = rng.integers(len(DEMAND)), rng.integers(len(SITES))
        lines.append(f"{DEMAND[i]},{SITES[j]},{rng.integers(0, 400) / 10:g}")
    return lines


def test_fast_and_row_by_row_blocks_read_the_same_table(tmp_path: Path, monkeypatch) -> None:
    # Small blocks, so the file is many blocks; a few of them hold quotes, blanks around values, a blank
    # line or CRLF and must go row by row: the result is the same as reading it all the obvious way.
    monkeypatch.setattr(travel_times, "BLOCK_BYTES", 256)
    slow: list[int] = []
    row_by_row = travel_times._Reader._rows

    def counted(self: travel_times._Reader, block: bytes, line: int) -> tuple[np.ndarray, ...]:
        slow.append(line)
        return row_by_row(self, block, line)

    monkeypatch.setattr(travel_times._Reader, "_rows", counted)
    lines = _table_text(np.random.default_rng(7), 600)
    lines[50] = '"' + lines[50].replace(",", '","') + '"'
    lines[120] = " " + lines[120].replace(",", " , ") + " "
    lines[300] += "\n"  # a blank line follows
    path = tmp_path / "tt.csv"
    path.write_bytes(("\ufefforigin,destination,minutes\r\n" + "\r\n".join(lines) + "\r\n").encode())
    table = read_travel_times(path, DEMAND, SITES)
    expected = _reference(path)
    got = {(int(r), int(c)): float(t) for r, c, t in zip(table.rows, table.cols, table.minutes, strict=True)}
    assert got == expected
    keys = table.rows.astype(np.int64) * len(SITES) + table.cols
    assert (np.diff(keys) > 0).all()  # sorted by (row, col), each pair once
    assert 1 <= len(slow) <= 3  # only the blocks with the odd lines went row by row


def test_columns_in_any_order_among_others_and_no_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "tt.csv"
    path.write_text("mode,minutes,destination,origin\nwalk,4.5,s1,d0\nwalk,12,s2,d3")
    table = read_travel_times(path, DEMAND, SITES)
    assert table.rows.tolist() == [0, 3] and table.cols.tolist() == [1, 2]
    assert table.minutes.tolist() == [4.5, 12.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("origin,destination\nd0,s1\n", r"tt.csv: missing columns \['minutes'\]"),
        ("from,to,minutes\nd0,s1,3\n", r"tt.csv: missing columns \['destination', 'origin'\]"),
        ("origin,destination,minutes\nd0,s1,3\nd1,s2,soon\n",
         r"tt.csv:3: field 'minutes': 'soon' is not a number"),
        ("origin,destination,minutes\nd0,s1,-2\n", r"tt.csv:2: field 'minutes': must not be negative"),
        ("origin,destination,minutes\nd0,s1,nan\n", r"tt.csv:2: field 'minutes': must be finite"),
        ("origin,destination,minutes\nd0,s1\n", r"tt.csv:2: field 'minutes': '' is not a number"),
        ("origin,destination,minutes\nd0,s1,3\nnobody,s1,3\n",
         r"tt.csv:3: field 'origin': unknown id 'nobody'"),
        ("origin,destination,minutes\nd0,zz,3\n", r"tt.csv:2: field 'destination': unknown id 'zz'"),
    ],
)  # fmt: skip
def test_bad_tables_name_file_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "tt.csv"
    path.write_text(text)
    with pytest.raises(PlacementInputError, match=message):
        read_travel_times(path, DEMAND, SITES)


def test_an_error_deep_in_a_large_table_has_its_line_number(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(travel_times, "BLOCK_BYTES", 100)
    lines = _table_text(np.random.default_rng(3), 500)
    lines[436] = "d1,s99,5"
    path = tmp_path / "tt.csv"
    path.write_text("origin,destination,minutes\n" + "\n".join(lines) + "\n")
    with pytest.raises(PlacementInputError, match=r"tt.csv:438: field 'destination': unknown id 's99'"):
        read_travel_times(path, DEMAND, SITES)


def test_the_table_gives_coverage_and_nearest_minutes_without_a_dense_matrix(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    n, m = len(DEMAND), len(SITES)
    rows, cols = rng.integers(0, n, 300), rng.integers(0, m, 300)
    table = make_travel_table(rows, cols, rng.integers(0, 300, 300) / 10, m)
    problem = PlacementProblem(
        "t",
        make_demand(DEMAND, np.zeros((n, 2))),
        make_sites(SITES, np.zeros((m, 2))),
        Metric.TABLE,
        table=table,
    )
    dense = distance_matrix(problem)
    assert np.array_equal(coverage(problem, 15.0).toarray(), dense <= 15.0)  # inclusive, absent pairs out
    is_open = rng.random(m) < 0.4
    assert np.array_equal(table_nearest(table, is_open, n), dense[:, is_open].min(axis=1))


def test_make_travel_table_keeps_the_later_entry_of_a_repeated_pair() -> None:
    table = make_travel_table(
        np.array([1, 0, 1, 0]), np.array([2, 1, 2, 0]), np.array([9.0, 1.0, 4.0, 3.0]), 3
    )
    assert list(zip(table.rows.tolist(), table.cols.tolist(), table.minutes.tolist(), strict=True)) == [
        (0, 0, 3.0),
        (0, 1, 1.0),
        (1, 2, 4.0),
    ]
