"""Demo placement (布点) data for Shenzhen's 10 districts — SYNTHETIC, for demos and docs only.

Real: each district's 2020 census population, approximate area and centre (shared/data/shenzhen).
Synthetic (marked `synthetic: true` / `synthetic=True`): demand points scattered around each centre
within the radius of a disc of the district's area, clustered like neighbourhoods, their populations
summing exactly to the census figure; candidate sites (社区党群服务中心, 银行网点, 地铁站, 商场) with
installation costs in 万元; one or two service halls (政务服务大厅) per district. Deterministic (seeded).

`python -m govkiosk.sim.demo_placement DIR` writes demand.csv, candidates.csv and existing.csv for
`govkiosk plan mclp --demand DIR/demand.csv --candidates DIR/candidates.csv --existing DIR/existing.csv
-p 20 --radius 1000`."""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind, OrgNode
from govkiosk.platform.placement import service as placement
from govkiosk.platform.placement.models import DemandPoint, PlacementSite

SHARED_DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "shenzhen"
SEED = 4403
KM_PER_DEG = 111.32
CLUSTERS = 7  # neighbourhoods per district
# kind, label, cost in 万元 (installation), how many per district at the smallest / the largest population
KINDS = (
    ("community_centre", "社区党群服务中心", 6.0, 8, 20),
    ("bank_branch", "银行网点", 5.0, 4, 12),
    ("metro_station", "地铁站", 12.0, 2, 10),
    ("mall", "商场", 10.0, 2, 6),
)


@dataclass(frozen=True)
class District:
    """A district from districts.csv (real figures; the centre is approximate)."""

    name: str
    name_en: str
    population: int
    area_km2: float
    lat: float
    lon: float

    @property
    def radius_km(self) -> float:
        """The radius of a disc of the district's area (where its demand points are scattered)."""
        return math.sqrt(self.area_km2 / math.pi)

    @property
    def slug(self) -> str:
        return self.name_en.lower().replace("'", "")


@dataclass(frozen=True)
class DemoPoint:
    """A synthetic demand point."""

    id: str
    district: str
    lon: float
    lat: float
    population: int
    synthetic: bool = True


@dataclass(frozen=True)
class DemoSite:
    """A synthetic candidate site or existing facility."""

    id: str
    district: str
    name: str
    type: str
    lon: float
    lat: float
    cost: float
    existing: bool
    synthetic: bool = True


@dataclass(frozen=True)
class DemoPlacement:
    """Everything the demo plans on."""

    demand: list[DemoPoint]
    candidates: list[DemoSite]
    existing: list[DemoSite]


def load_districts(folder: Path = SHARED_DATA) -> list[District]:
    """Shenzhen's 10 districts from `districts.csv`."""
    path = folder / "districts.csv"
    if not path.exists():
        raise FileNotFoundError(f"demo placement data needs {path} (the shared/ folder beside the checkout)")
    with path.open(encoding="utf-8") as handle:
        return [
            District(r["name"], r["name_en"], int(r["population_2020"]), float(r["area_km2"]),
                     float(r["lat"]), float(r["lon"]))
            for r in csv.DictReader(handle)
        ]  # fmt: skip


def integer_shares(weights: np.ndarray, total: int) -> np.ndarray:
    """Non-negative integers proportional to `weights` summing exactly to `total` (largest remainder)."""
    exact = weights / weights.sum() * total
    shares = np.floor(exact).astype(np.int64)
    short = total - int(shares.sum())
    shares[np.argsort(-(exact - shares), kind="stable")[:short]] += 1
    return shares


def _offsets(rng: np.random.Generator, count: int, radius: float) -> np.ndarray:
    """`count` points (km east, km north) uniform in a disc of `radius` km."""
    r = radius * np.sqrt(rng.random(count))
    angle = rng.random(count) * 2 * np.pi
    return np.column_stack((r * np.cos(angle), r * np.sin(angle)))


def _to_lonlat(district: District, km: np.ndarray) -> np.ndarray:
    lon = district.lon + km[:, 0] / (KM_PER_DEG * math.cos(math.radians(district.lat)))
    lat = district.lat + km[:, 1] / KM_PER_DEG
    return np.round(np.column_stack((lon, lat)), 6)


def _point_count(district: District, largest: int) -> int:
    return int(round(150 + 250 * district.population / largest))


def district_points(district: District, rng: np.random.Generator, count: int) -> list[DemoPoint]:
    """Demand points of one district: 70 % around neighbourhood centres, 30 % spread evenly."""
    radius = district.radius_km
    centres = _offsets(rng, CLUSTERS, 0.8 * radius)
    clustered = int(count * 0.7)
    pick = rng.integers(0, CLUSTERS, clustered)
    near = centres[pick] + rng.normal(0, radius / 6, (clustered, 2))
    far = np.linalg.norm(near, axis=1) > radius
    near[far] *= (radius / np.linalg.norm(near[far], axis=1))[:, None] * rng.random((int(far.sum()), 1))
    km = np.vstack((near, _offsets(rng, count - clustered, radius)))
    weights = rng.lognormal(0.0, 0.6, count) * np.r_[np.full(clustered, 1.6), np.ones(count - clustered)]
    people = integer_shares(weights, district.population)
    lonlat = _to_lonlat(district, km)
    return [
        DemoPoint(f"{district.slug}-d{k:04d}", district.name, float(lonlat[k, 0]), float(lonlat[k, 1]),
                  int(people[k]))
        for k in range(count)
    ]  # fmt: skip


def district_candidates(
    district: District, points: list[DemoPoint], rng: np.random.Generator, size: float
) -> list[DemoSite]:
    """Candidate sites near people (a population-weighted pick of demand points, moved up to ~200 m)."""
    w = np.array([p.population for p in points], dtype=float)
    scale = KM_PER_DEG * math.cos(math.radians(district.lat))
    sites = []
    for kind, label, cost, low, high in KINDS:
        count = int(round(low + (high - low) * size))
        chosen = rng.choice(len(points), size=count, replace=False, p=w / w.sum())
        moved = rng.normal(0, 0.1, (count, 2))
        for n, (k, (dx, dy)) in enumerate(zip(chosen, moved, strict=True), start=1):
            lon = round(points[k].lon + dx / scale, 6)
            lat = round(points[k].lat + dy / KM_PER_DEG, 6)
            sites.append(
                DemoSite(f"{district.slug}-{kind}-{n:02d}", district.name,
                         f"{district.name}{label}{n:02d}（演示）", kind, lon, lat,
                         round(cost * float(rng.uniform(0.8, 1.2)), 1), existing=False)
            )  # fmt: skip
    return sites


def district_halls(district: District, rng: np.random.Generator) -> list[DemoSite]:
    """The district's service hall at its centre, and a branch hall in the larger districts."""
    halls = [(0.0, 0.0, f"{district.name}政务服务中心（演示）")]
    if district.area_km2 > 150:
        angle = float(rng.random()) * 2 * math.pi
        r = 0.5 * district.radius_km
        halls.append((r * math.cos(angle), r * math.sin(angle), f"{district.name}政务服务中心分中心（演示）"))
    sites = []
    for n, (east, north, name) in enumerate(halls, start=1):
        lonlat = _to_lonlat(district, np.array([[east, north]]))
        sites.append(
            DemoSite(f"{district.slug}-hall-{n}", district.name, name, "service_hall",
                     float(lonlat[0, 0]), float(lonlat[0, 1]), 0.0, existing=True)
        )  # fmt: skip
    return sites


def generate(seed: int = SEED, folder: Path = SHARED_DATA) -> DemoPlacement:
    """The whole synthetic data set, the same for the same seed."""
    rng = np.random.default_rng(seed)
    districts = load_districts(folder)
    largest = max(d.population for d in districts)
    demand, candidates, existing = [], [], []
    for district in districts:
        points = district_points(district, rng, _point_count(district, largest))
        demand += points
        candidates += district_candidates(district, points, rng, district.population / largest)
        existing += district_halls(district, rng)
    return DemoPlacement(demand, candidates, existing)


def seed_placement(session: Session, city: OrgNode, data: DemoPlacement | None = None) -> dict[str, int]:
    """Store the demo's demand points and sites under the city's district nodes (matched by name)."""
    data = data or generate()
    districts = {n.name: n.id for n in orgs.list_nodes(session, under=city, kind=OrgKind.DISTRICT)}
    points = [
        DemandPoint(code=p.id, org_node_id=districts[p.district], lon=p.lon, lat=p.lat,
                    population=float(p.population), synthetic=True)
        for p in data.demand
        if p.district in districts
    ]  # fmt: skip
    sites = [
        PlacementSite(code=s.id, org_node_id=districts[s.district], name=s.name, kind=s.type, lon=s.lon,
                      lat=s.lat, cost=s.cost, existing=s.existing, synthetic=True)
        for s in [*data.candidates, *data.existing]
        if s.district in districts
    ]  # fmt: skip
    return {
        "demand_points": placement.add_demand_points(session, points),
        "sites": placement.add_sites(session, sites),
    }


@dataclass(frozen=True)
class KioskSite:
    """A site where kiosks stand (an existing facility for `govkiosk plan`)."""

    id: str
    district: str
    name: str
    lon: float
    lat: float


def kiosk_sites(session: Session, city: OrgNode) -> list[KioskSite]:
    """The demo's sites that carry coordinates, with their district's name."""
    districts = {n.id: n.name for n in orgs.list_nodes(session, under=city, kind=OrgKind.DISTRICT)}
    found = []
    for node in orgs.list_nodes(session, under=city, kind=OrgKind.SITE):
        if node.lat is None or node.lon is None:
            continue
        district = next(
            (districts[int(i)] for i in node.path.strip("/").split("/") if int(i) in districts), ""
        )
        found.append(KioskSite(f"site-{node.id}", district, node.name, node.lon, node.lat))
    return found


def write_plan_files(
    directory: Path, data: DemoPlacement | None = None, kiosks: Sequence[KioskSite] = ()
) -> dict[str, Path]:
    """demand.csv, candidates.csv and existing.csv (halls, plus `kiosks`' sites) for `govkiosk plan`."""
    data = data or generate()
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / f"{name}.csv" for name in ("demand", "candidates", "existing")}
    _write(paths["demand"], ["id", "lon", "lat", "population", "district", "synthetic"],
           [asdict(p) for p in data.demand])  # fmt: skip
    site_fields = ["id", "lon", "lat", "type", "cost", "district", "name", "synthetic"]
    _write(paths["candidates"], site_fields, [asdict(s) for s in data.candidates])
    existing = [asdict(s) for s in data.existing] + [
        {"id": k.id, "lon": k.lon, "lat": k.lat, "type": "kiosk", "cost": 0, "district": k.district,
         "name": k.name, "synthetic": True}
        for k in kiosks
    ]  # fmt: skip
    _write(paths["existing"], site_fields, existing)
    return paths


def _write(path: Path, fields: list[str], rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("true" if v is True else v) for k, v in row.items()})


def main(argv: Sequence[str] = ()) -> int:
    """Write the demo's plan files into the directory given (default ./placement-demo)."""
    target = Path(argv[0]) if argv else Path("placement-demo")
    for name, path in write_plan_files(target).items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
