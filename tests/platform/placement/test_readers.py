"""Readers: OR-Library (last edge wins), SJC, our CSV/GeoJSON inputs and their errors; inclusive radius."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from govkiosk.platform.placement.distances import coverage, distance_matrix
from govkiosk.platform.placement.inputs import read_plan_inputs
from govkiosk.platform.placement.problem import Metric, PlacementInputError
from govkiosk.platform.placement.readers import read_orlib, read_sjc


def test_orlib_last_edge_wins_and_shortest_paths(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    # Edge 1-2 appears twice: 5 then 9. The LAST one (9) wins, even though it is the larger.
    path.write_text("3 4 1\n1 2 5\n2 3 1\n2 1 9\n1 3 20\n")
    problem = read_orlib(path)
    assert problem.default_p == 1
    assert problem.matrix[0, 1] == 9  # not min(5, 9)
    assert problem.matrix[0, 2] == 10  # 1-2-3 = 9 + 1 beats the direct 20
    assert problem.matrix[2, 0] == 10


def test_orlib_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("3 2 1\n1 2 5\n")
    with pytest.raises(PlacementInputError, match="bad.txt: header says 2 edges"):
        read_orlib(path)
    path.write_text("3 1 1\n1 4 5\n")
    with pytest.raises(PlacementInputError, match="outside 1..3"):
        read_orlib(path)


def test_sjc_reader_and_inclusive_radius(tmp_path: Path) -> None:
    points, demand = tmp_path / "SJC3.txt", tmp_path / "demand-SJC3.dat"
    points.write_text("3\n0 0\n480 640\n0 801\n")  # distance(0, 1) = 800 exactly
    demand.write_text("10\n20\n30\n")
    problem = read_sjc(points, demand)
    assert problem.metric is Metric.EUCLIDEAN
    assert problem.demand.weight.tolist() == [10, 20, 30]
    cover = coverage(problem, 800.0).toarray()
    assert cover[0, 1] and cover[1, 0]  # exactly on the radius counts as covered
    assert not cover[0, 2]  # 801 m does not
    assert cover.diagonal().all()
    demand.write_text("10\n20\n")
    with pytest.raises(PlacementInputError, match="2 weights for 3 points"):
        read_sjc(points, demand)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_inputs_with_existing_and_travel_times(tmp_path: Path) -> None:
    demand = _write(
        tmp_path / "demand.csv", "id,x,y,population,district\na,0,0,100,福田区\nb,10,0,50,南山区\n"
    )
    cands = _write(
        tmp_path / "cand.csv", "id,x,y,type,cost,district\nc1,0,1,bank_branch,3,福田区\nc2,9,0,mall,,南山区\n"
    )
    existing = _write(tmp_path / "existing.csv", "id,x,y,type,district\nh1,5,5,service_hall,福田区\n")
    times = _write(tmp_path / "tt.csv", "origin,destination,minutes\na,c1,4\nb,c2,20\nb,c2,12\n")
    problem = read_plan_inputs(demand, cands, existing, times)
    assert problem.metric is Metric.TABLE
    assert problem.sites.fixed.tolist() == [False, False, True]
    assert problem.sites.cost.tolist() == [3.0, 1.0, 0.0]  # blank cost = 1, existing = 0
    dist = distance_matrix(problem)
    assert dist[1, 1] == 12  # the later row of a repeated pair wins
    assert np.isinf(dist[0, 2])  # not in the table: unreachable
    assert coverage(problem, 15.0).toarray().tolist() == [[True, False, False], [False, True, False]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,x,y,population\na,0,zero,1\n", r"demand.csv:2: field 'y': 'zero' is not a number"),
        ("id,x,y,population\na,0,0,-5\n", r"demand.csv:2: field 'population': must not be negative"),
        ("id,x,y,population\n,0,0,1\n", r"demand.csv:2: field 'id': required"),
        ("id,east,north\na,0,0\n", r"demand.csv: needs columns x,y or lon,lat"),
        ("id,x,y\na,0,0\na,1,1\n", r"demand.csv: field 'id': 'a' appears twice"),
    ],
)
def test_bad_input_names_file_row_and_field(tmp_path: Path, text: str, message: str) -> None:
    demand = _write(tmp_path / "demand.csv", text)
    cands = _write(tmp_path / "cand.csv", "id,x,y\nc,0,0\n")
    with pytest.raises(PlacementInputError, match=message):
        read_plan_inputs(demand, cands)


def test_travel_table_unknown_id(tmp_path: Path) -> None:
    demand = _write(tmp_path / "demand.csv", "id,x,y\na,0,0\n")
    cands = _write(tmp_path / "cand.csv", "id,x,y\nc,0,0\n")
    times = _write(tmp_path / "tt.csv", "origin,destination,minutes\na,zz,3\n")
    with pytest.raises(PlacementInputError, match=r"tt.csv:2: field 'destination': unknown id 'zz'"):
        read_plan_inputs(demand, cands, travel_times=times)


def test_geojson_inputs_use_great_circle_metres(tmp_path: Path) -> None:
    def collection(points: list[tuple[str, float, float]]) -> str:
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"id": i},
            }
            for i, lon, lat in points
        ]
        return json.dumps({"type": "FeatureCollection", "features": features})

    demand = _write(tmp_path / "d.geojson", collection([("a", 114.0, 22.5)]))
    # 0.01° of latitude ≈ 1,112 m
    cands = _write(tmp_path / "c.geojson", collection([("c", 114.0, 22.51)]))
    problem = read_plan_inputs(demand, cands)
    assert problem.metric is Metric.HAVERSINE
    assert distance_matrix(problem)[0, 0] == pytest.approx(1112.0, rel=2e-3)
    assert coverage(problem, 1120.0).toarray()[0, 0]
    assert not coverage(problem, 1100.0).toarray()[0, 0]
    bad = _write(
        tmp_path / "bad.geojson", json.dumps({"type": "FeatureCollection", "features": [{"geometry": None}]})
    )
    with pytest.raises(PlacementInputError, match="bad.geojson: feature 0: field 'geometry'"):
        read_plan_inputs(bad, cands)
