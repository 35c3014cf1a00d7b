"""The demo's placement data: census totals kept, everything marked synthetic, the same every time."""

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govkiosk.cli import app as cli
from govkiosk.platform.db.session import Database
from govkiosk.platform.placement import repository
from govkiosk.sim import demo_data, demo_placement

if not (demo_placement.SHARED_DATA / "districts.csv").exists():
    pytest.skip(f"needs {demo_placement.SHARED_DATA} (the shared/ folder)", allow_module_level=True)

DATA = demo_placement.generate()


def test_populations_sum_to_each_districts_census_figure() -> None:
    census = {d.name: d.population for d in demo_placement.load_districts()}
    totals: Counter[str] = Counter()
    for point in DATA.demand:
        totals[point.district] += point.population
    assert dict(totals) == census and len(census) == 10
    counts = Counter(p.district for p in DATA.demand)
    assert all(150 <= n <= 400 for n in counts.values())


def test_everything_is_marked_synthetic_and_typed() -> None:
    assert all(p.synthetic for p in DATA.demand)
    assert all(s.synthetic for s in [*DATA.candidates, *DATA.existing])
    assert {s.type for s in DATA.candidates} == {"community_centre", "bank_branch", "metro_station", "mall"}
    assert {s.type for s in DATA.existing} == {"service_hall"}
    halls = Counter(s.district for s in DATA.existing)
    assert set(halls.values()) <= {1, 2} and len(halls) == 10
    assert all("演示" in s.name for s in [*DATA.candidates, *DATA.existing])


def test_points_stay_within_their_district_disc() -> None:
    districts = {d.name: d for d in demo_placement.load_districts()}
    for p in DATA.demand:
        d = districts[p.district]
        km_east = (p.lon - d.lon) * demo_placement.KM_PER_DEG * 0.923
        km_north = (p.lat - d.lat) * demo_placement.KM_PER_DEG
        assert (km_east**2 + km_north**2) ** 0.5 <= d.radius_km * 1.01


def test_generation_is_deterministic_and_the_seed_matters() -> None:
    assert demo_placement.generate() == DATA
    assert demo_placement.generate(seed=1).demand != DATA.demand


def test_the_files_plan_with_govkiosk_plan(tmp_path: Path) -> None:
    paths = demo_placement.write_plan_files(tmp_path, DATA)
    args = ["plan", "mclp", "--demand", str(paths["demand"]), "--candidates", str(paths["candidates"])]
    args += ["--existing", str(paths["existing"]), "-p", "20", "--radius", "1000", "--json", "--heuristic"]
    args += ["--time-limit", "5"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(report["sites"]) == 20 and report["plan"]["coverage"] > report["current_network"]["coverage"]
    assert "synthetic" in paths["demand"].read_text().splitlines()[0]


def test_the_demo_seed_stores_it_under_the_district_nodes(db: Database) -> None:
    with db.session(write=True) as session:
        city = demo_data.seed(session)
        assert repository.count_demand(session) == len(DATA.demand)
        futian = [r for r in repository.demand_under(session, city.path) if r.name == "福田区"]
        assert sum(r.population for r in futian) == 1_553_225
        sites = repository.sites_under(session, city.path)
        assert len(sites) == len(DATA.candidates) + len(DATA.existing)
        assert all(site.synthetic for site, _ in sites)
