"""Readers: OR-Library p-median, São José dos Campos MCLP, and our own CSV/GeoJSON inputs."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from govkiosk.platform.placement.problem import (
    Metric,
    PlacementInputError,
    PlacementProblem,
    make_demand,
    make_sites,
)


def read_orlib(path: Path) -> PlacementProblem:
    """OR-Library pmed file: `n m p`, then m edges `i j cost`; all-pairs shortest paths; last edge wins."""
    numbers = _read_ints(path)
    if len(numbers) < 3:
        raise PlacementInputError(f"{path}: line 1 must be 'n m p'")
    n, m, p = (int(v) for v in numbers[:3])
    edges = numbers[3:]
    if len(edges) < 3 * m:
        raise PlacementInputError(f"{path}: header says {m} edges, file holds {len(edges) // 3}")
    i, j, cost = (edges[: 3 * m].reshape(m, 3).T).astype(np.int64)
    if i.min() < 1 or j.min() < 1 or max(i.max(), j.max()) > n:
        raise PlacementInputError(f"{path}: an edge names a vertex outside 1..{n}")
    a, b, w = _last_occurrence(np.minimum(i, j) - 1, np.maximum(i, j) - 1, cost, n)
    graph = sp.csr_matrix((np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))), (n, n))
    dist = shortest_path(graph, method="D", directed=False)
    if not np.isfinite(dist).all():
        raise PlacementInputError(f"{path}: the graph is not connected")
    ids = [str(k) for k in range(1, n + 1)]
    xy = np.zeros((n, 2))
    return PlacementProblem(
        name=path.stem,
        demand=make_demand(ids, xy),
        sites=make_sites(ids, xy),
        metric=Metric.MATRIX,
        matrix=dist,
        default_p=p,
    )


def _read_ints(path: Path) -> np.ndarray:
    """All whitespace-separated integers of a file."""
    try:
        return np.array(path.read_text().split(), dtype=np.int64)
    except OSError as exc:
        raise PlacementInputError(f"{path}: cannot read ({exc.strerror})") from exc
    except ValueError as exc:
        raise PlacementInputError(f"{path}: expected integers only ({exc})") from exc


def _last_occurrence(a: np.ndarray, b: np.ndarray, w: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """Deduplicate undirected edges keeping the LAST occurrence (the instances' documented convention)."""
    keep = a != b  # a self-loop never shortens a path
    a, b, w = a[keep], b[keep], w[keep]
    key = a * n + b
    # np.unique returns the first index; on the reversed arrays that is the last occurrence.
    _, first_rev = np.unique(key[::-1], return_index=True)
    last = len(key) - 1 - first_rev
    return a[last], b[last], w[last].astype(float)


def read_sjc(points: Path, demand: Path) -> PlacementProblem:
    """São José dos Campos: `n`, then `x y` per point (UTM metres); one demand weight per line."""
    numbers = _read_floats(points)
    n = int(numbers[0]) if len(numbers) else 0
    if n <= 0 or len(numbers) < 1 + 2 * n:
        raise PlacementInputError(f"{points}: line 1 must be n, followed by n lines 'x y'")
    xy = numbers[1 : 1 + 2 * n].reshape(n, 2)
    weight = _read_floats(demand)
    if len(weight) != n:
        raise PlacementInputError(f"{demand}: {len(weight)} weights for {n} points in {points.name}")
    ids = [str(k) for k in range(1, n + 1)]
    return PlacementProblem(
        name=points.stem,
        demand=make_demand(ids, xy, weight),
        sites=make_sites(ids, xy),
        metric=Metric.EUCLIDEAN,
    )


def _read_floats(path: Path) -> np.ndarray:
    """All whitespace-separated numbers of a file."""
    try:
        return np.array(path.read_text().split(), dtype=float)
    except OSError as exc:
        raise PlacementInputError(f"{path}: cannot read ({exc.strerror})") from exc
    except ValueError as exc:
        raise PlacementInputError(f"{path}: expected numbers only ({exc})") from exc


@dataclass
class _Rows:
    """Parsed rows of one input file, column-wise."""

    ids: list[str]
    xy: list[tuple[float, float]]
    geographic: bool
    props: list[dict[str, str]]
    where: list[str]  # "file:row" per row, for later errors


def read_table_file(path: Path) -> _Rows:
    """A CSV (x,y or lon,lat columns) or GeoJSON FeatureCollection of Points (lon/lat)."""
    if path.suffix.lower() in {".geojson", ".json"}:
        return _read_geojson(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            fields = set(reader.fieldnames or [])
            geographic = {"lon", "lat"} <= fields
            if not geographic and not {"x", "y"} <= fields:
                raise PlacementInputError(f"{path}: needs columns x,y or lon,lat (has {sorted(fields)})")
            rows = _Rows([], [], geographic, [], [])
            for line, row in enumerate(reader, start=2):
                where = f"{path}:{line}"
                keys = ("lon", "lat") if geographic else ("x", "y")
                rows.ids.append(_text(row, "id", where))
                rows.xy.append((_number(row, keys[0], where), _number(row, keys[1], where)))
                rows.props.append({k: (v or "").strip() for k, v in row.items() if k})
                rows.where.append(where)
            return rows
    except OSError as exc:
        raise PlacementInputError(f"{path}: cannot read ({exc.strerror})") from exc


def _read_geojson(path: Path) -> _Rows:
    """GeoJSON Points; properties carry the same fields as the CSV columns."""
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PlacementInputError(f"{path}: not a GeoJSON FeatureCollection ({exc})") from exc
    rows = _Rows([], [], True, [], [])
    for k, feature in enumerate(features):
        where = f"{path}: feature {k}"
        geometry = feature.get("geometry") or {}
        coords = geometry.get("coordinates")
        if geometry.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
            raise PlacementInputError(f"{where}: field 'geometry': must be a Point [lon, lat]")
        props = {key: "" if v is None else str(v) for key, v in (feature.get("properties") or {}).items()}
        props.setdefault("id", str(feature.get("id", "")))
        rows.ids.append(_text(props, "id", where))
        rows.xy.append(
            (_number({"lon": str(coords[0])}, "lon", where), _number({"lat": str(coords[1])}, "lat", where))
        )
        rows.props.append(props)
        rows.where.append(where)
    return rows


def _text(row: dict[str, str], name: str, where: str) -> str:
    value = (row.get(name) or "").strip()
    if not value:
        raise PlacementInputError(f"{where}: field '{name}': required")
    return value


def _number(row: dict[str, str], name: str, where: str, default: float | None = None) -> float:
    """A finite number from a field, or the default when the field is blank and a default exists."""
    raw = (row.get(name) or "").strip()
    if not raw and default is not None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise PlacementInputError(f"{where}: field '{name}': '{raw}' is not a number") from None
    if not math.isfinite(value):
        raise PlacementInputError(f"{where}: field '{name}': must be finite")
    return value
