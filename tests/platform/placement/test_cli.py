"""`plan` through typer's CliRunner on a Typer app of our own, as cli.py will register it."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from govkiosk.platform.placement.commands import plan

app = typer.Typer()
app.command("plan")(plan)


@app.command("version")
def _version() -> None:  # a second command, so `plan` is a subcommand as in the real CLI
    typer.echo("0")


def _inputs(tmp_path: Path) -> list[str]:
    demand = tmp_path / "demand.csv"
    demand.write_text("id,x,y,population,district\na,0,0,100,north\nb,1000,0,80,north\nc,5000,0,60,south\n")
    cands = tmp_path / "cand.csv"
    cands.write_text("id,x,y,type,cost,district\nk1,0,100,mall,2,north\nk2,1000,100,bank_branch,2,north\n"
                     "k3,5000,100,metro_station,5,south\n")  # fmt: skip
    existing = tmp_path / "existing.csv"
    existing.write_text("id,x,y,type,district\nh1,500,0,service_hall,north\n")
    return ["--demand", str(demand), "--candidates", str(cands), "--existing", str(existing)]


def test_json_output_has_the_contract_fields(tmp_path: Path) -> None:
    geo, rep = tmp_path / "sites.geojson", tmp_path / "report.json"
    args = ["plan", "mclp", *_inputs(tmp_path), "-p", "1", "--radius", "500", "--json"]
    result = CliRunner().invoke(app, [*args, "--out-geojson", str(geo), "--report", str(rep)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)  # exactly one JSON object on stdout
    assert {"objective", "status", "bound", "gap", "sites", "seconds"} <= body.keys()
    assert body["status"] == "optimal"
    assert body["sites"] == ["k3"]  # the existing hall already covers a and b; k3 adds c
    assert body["objective"] == 240
    assert body["current_network"]["covered_population"] == 180
    assert body["plan"]["by_district"]["south"]["covered"] == 60
    features = json.loads(geo.read_text())["features"]
    assert {f["id"]: f["properties"]["status"] for f in features} == {"k3": "new", "h1": "existing"}
    assert json.loads(rep.read_text())["sites"] == ["k3"]


def test_budget_and_district_minimum_from_the_command_line(tmp_path: Path) -> None:
    args = [
        "plan",
        "pmedian",
        *_inputs(tmp_path),
        "-p",
        "2",
        "--budget",
        "4",
        "--district-min",
        "north=2",
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert sorted(body["sites"]) == ["k1", "k2"]  # k3 is nearer to c but the north needs two sites
    assert body["cost"] <= 4


def test_human_summary_and_heuristic(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["plan", "pcenter", *_inputs(tmp_path), "-p", "1", "--heuristic"])
    assert result.exit_code == 0, result.output
    assert "pcenter on demand (heuristic)" in result.stdout
    assert "new sites (1): k3" in result.stdout


def test_bad_input_exits_2_with_the_reason(tmp_path: Path) -> None:
    args = ["plan", "mclp", *_inputs(tmp_path), "-p", "1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "needs --radius" in result.stderr
    both = CliRunner().invoke(app, ["plan", "lscp", "--orlib", "x.txt", *_inputs(tmp_path), "--radius", "5"])
    assert both.exit_code == 2 and "exactly one input" in both.stderr
    bad = CliRunner().invoke(
        app, ["plan", "lscp", *_inputs(tmp_path), "--radius", "5", "--district-min", "north"]
    )
    assert bad.exit_code == 2 and "DISTRICT=N" in bad.stderr


def test_each_kind_of_bad_input_names_its_cause_without_a_traceback(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    (tmp_path / "nocoords.csv").write_text("id,population\na,1\n")
    (tmp_path / "words.csv").write_text("id,x,y,population\na,0,0,many\n")
    cases = [
        (["mclp", "--demand", str(tmp_path / "nocoords.csv"), *inputs[2:], "-p", "1", "--radius", "5"],
         "nocoords.csv: needs columns x,y or lon,lat"),
        (["mclp", "--demand", str(tmp_path / "words.csv"), *inputs[2:], "-p", "1", "--radius", "5"],
         "words.csv:2: field 'population': 'many' is not a number"),
        (["pmedian", *inputs, "-p", "1", "--district-min", "nowhere=1"],
         "unknown district 'nowhere' (candidate sites are in: north, south)"),
        (["mclp", *inputs, "-p", "2", "--radius", "500", "--budget", "3", "--district-min", "north=2"],
         "budget 3 is too small for the district minimums (north=2 costs ≥ 4"),
    ]  # fmt: skip
    for args, message in cases:
        result = CliRunner().invoke(app, ["plan", *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_bad_tables_through_the_command_end_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "demand.csv").write_text("id,x,y,population\na,0,0,10\nb,1,0,20\n")
    (tmp_path / "cand.csv").write_text("id,x,y\nk1,0,0\nk2,5,0\n")
    inputs = ["--demand", str(tmp_path / "demand.csv"), "--candidates", str(tmp_path / "cand.csv")]
    cases = {
        "origin,to,minutes\na,k1,3\n": "tt.csv: missing columns ['destination']",
        "origin,destination,minutes\na,k1,3\nb,k2,ten\n": "tt.csv:3: field 'minutes': 'ten' is not a number",
        "origin,destination,minutes\nc,k1,3\n": "tt.csv:2: field 'origin': unknown id 'c'",
    }
    table = tmp_path / "tt.csv"
    for text, message in cases.items():
        table.write_text(text)
        args = ["plan", "mclp", *inputs, "--travel-times", str(table), "-p", "1", "--radius", "15"]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert f"error: {tmp_path / message}" in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_infeasible_plan_exits_1_and_says_which_limits_clash(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["plan", "lscp", *_inputs(tmp_path), "--radius", "500", "--budget", "3"])
    assert result.exit_code == 1
    assert "no plan meets --budget 3 together (covering every coverable demand point)" in result.stderr
