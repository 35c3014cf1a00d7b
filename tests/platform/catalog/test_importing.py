"""Import of service items from the real district list and from our CSV/Excel templates."""

import csv
from collections import Counter
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from govkiosk.platform.catalog.importing import (
    DISTRICT_COLUMNS,
    EXAMPLE,
    HEADERS,
    ImportRow,
    handling_level,
    read_items,
    write_template_csv,
    write_template_xlsx,
)
from govkiosk.platform.catalog.schemas import (
    AnywhereScope,
    ApplicantType,
    BusinessKind,
    Channel,
    Fee,
    HandlingLevel,
    ItemContent,
    ItemTier,
    ItemType,
    Material,
    TimeLimit,
    TimeUnit,
)
from govkiosk.platform.core.errors import InvalidInput

DATA = (
    Path(__file__).resolve().parents[3].parent / "shared" / "data" / "catalog" / "guangan-district-items.csv"
)
CODE = "511A0138000000-511602000000-000-115113010833722043-1-00"


@pytest.fixture(scope="module")
def real_file() -> Path:
    if not DATA.exists():
        pytest.skip(f"reference data not found at {DATA} (shared/data is not beside the checkout)")
    return DATA


def write_district(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(DISTRICT_COLUMNS)
        writer.writerows(rows)
    return path


def district_row(
    name: str = "事项", code: str = CODE, task_type: str = "1", main: str = "未分类"
) -> list[str]:
    return ["区教科体局", main, name, code, task_type, "511602000000", "083372204"]


def test_every_real_row_is_imported(real_file: Path) -> None:
    result = read_items(real_file)
    assert result.format == "district"
    assert len(result.rows) == 1135 and result.errors == []
    assert {r.content.handling_level for r in result.rows} == {HandlingLevel.DISTRICT}
    assert len({r.department for r in result.rows}) == 34
    assert sum(r.main_item is not None for r in result.rows) == 520


def test_real_types_follow_task_type_numbers(real_file: Path) -> None:
    types = Counter(r.content.item_type for r in read_items(real_file).rows)
    assert types == {
        ItemType.LICENSING: 536,
        ItemType.PUBLIC: 348,
        ItemType.OTHER_POWER: 182,
        ItemType.CONFIRMATION: 50,
        ItemType.BENEFIT: 9,
        ItemType.ADJUDICATION: 8,
        ItemType.REWARD: 2,
    }


def test_real_code_problems_are_warnings_naming_row_and_field(real_file: Path) -> None:
    result = read_items(real_file)
    assert result.problems and all(p.severity == "warning" for p in result.problems)
    assert {p.field for p in result.problems} == {"task_code", "dept_code", "region_code", "item_type"}
    assert all(2 <= p.row <= 1136 for p in result.problems)
    short = [p for p in result.problems if "implementing body's USCC 083372204 has 9 characters" in p.message]
    assert short and all(p.field == "task_code" for p in short)


def test_district_row_fields(tmp_path: Path) -> None:
    path = write_district(
        tmp_path / "d.csv",
        [district_row(main="机动车驾驶员培训备案"), district_row("变更", CODE[:-2] + "01", "20")],
    )
    first, second = read_items(path).rows
    assert first.main_item == "机动车驾驶员培训备案" and second.main_item is None
    assert first.content.catalog_code == "511A0138000000" and first.content.region_code == "511602000000"
    assert first.content.tier is ItemTier.SUB and second.content.tier is ItemTier.BUSINESS
    assert first.department == "区教科体局" and first.department_code == "083372204"


@pytest.mark.parametrize(
    ("region", "level"),
    [
        ("511602000000", HandlingLevel.DISTRICT),
        ("510000000000", HandlingLevel.PROVINCE),
        ("511600000000", HandlingLevel.CITY),
        ("511602001000", HandlingLevel.STREET),
        ("511602001002", HandlingLevel.COMMUNITY),
        ("100000000000", HandlingLevel.NATIONAL),
    ],
)
def test_handling_level_from_region(region: str, level: HandlingLevel) -> None:
    assert handling_level(region) is level


def test_unknown_task_type_is_an_error(tmp_path: Path) -> None:
    result = read_items(write_district(tmp_path / "d.csv", [district_row(task_type="99")]))
    assert result.rows == []
    assert [(p.row, p.field, p.severity) for p in result.errors] == [(2, "task_type", "error")]


def test_duplicate_task_codes_name_both_rows(tmp_path: Path) -> None:
    rows = [district_row("甲"), district_row("乙", CODE.replace("-1-00", "-1-01")), district_row("丙")]
    result = read_items(write_district(tmp_path / "d.csv", rows))
    assert [r.content.name for r in result.rows] == ["甲", "乙"]
    (error,) = result.errors
    assert (
        (error.row, error.field) == (4, "task_code") and "row 4" in error.message and "row 2" in error.message
    )


def test_gb18030_and_bom(tmp_path: Path) -> None:
    for name, encoding in [("gb.csv", "gb18030"), ("bom.csv", "utf-8-sig"), ("plain.csv", "utf-8")]:
        result = read_items(write_district(tmp_path / name, [district_row("适龄儿童入学")], encoding))
        assert result.rows[0].content.name == "适龄儿童入学"


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("bad.csv", b"name,task_code\n\xff\xfe\xff\n", "neither UTF-8 nor GB18030"),
        ("items.pdf", b"%PDF-1.4", "not a CSV or XLSX"),
        ("fake.xlsx", b"department,name\n", "not a readable XLSX"),
        ("empty.csv", b"", "no header row"),
        ("other.csv", "城市,人口\n深圳,1\n".encode(), "neither the district list"),
        ("partial.csv", b"department,name,task_code,task_type\n", "lacks the column(s) main_item, area_code"),
    ],
)
def test_malformed_files_raise_invalid_input(tmp_path: Path, name: str, data: bytes, fragment: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InvalidInput) as info:
        read_items(path)
    assert fragment in info.value.message and name in info.value.message


def test_both_templates_round_trip(tmp_path: Path) -> None:
    write_template_csv(tmp_path / "t.csv")
    write_template_xlsx(tmp_path / "t.xlsx")
    for name in ("t.csv", "t.xlsx"):
        result = read_items(tmp_path / name)
        assert result.format == "template" and result.problems == []
        (row,) = result.rows
        assert row.content == EXAMPLE.content
        assert (row.department, row.department_code, row.main_item) == (
            "区教科体局",
            "115113010833722043",
            None,
        )


def full_row() -> ImportRow:
    content = ItemContent(
        name="食品经营许可（变更）",
        task_code="511A0088300003-511602000000-000-115113016823646795-1-02",
        catalog_code="511A0088300003",
        item_type=ItemType.LICENSING,
        tier=ItemTier.BUSINESS,
        business_kind=BusinessKind.CHANGE,
        region_code="511602000000",
        applicant_types=[ApplicantType.NATURAL_PERSON, ApplicantType.LEGAL_PERSON],
        conditions=["已取得食品经营许可证", "经营条件发生变化"],
        materials=[
            Material(name="变更申请书", originals=1, copies=0, note="加盖公章"),
            Material(name="营业执照"),
        ],
        legal_limit=TimeLimit(value=20),
        promised_limit=TimeLimit(value=48, unit=TimeUnit.HOUR),
        fees=[Fee(name="工本费", amount_yuan=Decimal("10.50"), basis="川价费〔2019〕1号")],
        anywhere_scope=AnywhereScope.CITY,
        channels=[Channel.WINDOW, Channel.MOBILE],
        required_devices=["IdCardReader"],
        keywords=["食品"],
    )
    return ImportRow(2, "区市场监管局", "115113016823646795", "食品经营许可", content)


def test_template_round_trip_of_every_field(tmp_path: Path) -> None:
    row = full_row()
    write_template_csv(tmp_path / "t.csv", [row])
    write_template_xlsx(tmp_path / "t.xlsx", [row])
    for name in ("t.csv", "t.xlsx"):
        result = read_items(tmp_path / name)
        assert result.problems == [] and result.rows == [row]


def test_xlsx_template_has_header_example_and_notes(tmp_path: Path) -> None:
    write_template_xlsx(tmp_path / "t.xlsx")
    workbook = openpyxl.load_workbook(tmp_path / "t.xlsx")
    items, notes = workbook.worksheets
    assert [c.value for c in items[1]] == HEADERS and items.max_row == 2
    assert "事项名称 name" in HEADERS and notes.max_row == len(HEADERS) + 1


def template_with(tmp_path: Path, **cells: str) -> Path:
    base = dict(zip(HEADERS, [""] * len(HEADERS), strict=True))
    base |= {"实施部门 department": "区民政局", "事项名称 name": "婚姻登记", "事项类型 item_type": "公共服务"}
    base |= {h: v for h in HEADERS for k, v in cells.items() if h.endswith(" " + k)}
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerow(base)
        writer.writerow({h: "" for h in HEADERS})  # blank rows are skipped
    return path


def test_template_accepts_codes_and_labels(tmp_path: Path) -> None:
    result = read_items(
        template_with(tmp_path, item_type="GG", channels="窗口办理;online", kiosk_eligible="yes")
    )
    (row,) = result.rows
    assert row.content.item_type is ItemType.PUBLIC and row.content.kiosk_eligible
    assert row.content.channels == [Channel.WINDOW, Channel.ONLINE]


def test_template_unknown_type_is_an_error_naming_row_and_field(tmp_path: Path) -> None:
    result = read_items(template_with(tmp_path, item_type="行政审批"))
    assert result.rows == []
    (problem,) = result.problems
    assert (problem.row, problem.field, problem.severity) == (2, "item_type", "error")
    assert "行政审批" in problem.message and "行政许可" in problem.message


def test_template_bad_optional_fields_are_warnings(tmp_path: Path) -> None:
    path = template_with(
        tmp_path, legal_limit="二十天", materials="申请书|也许", region_code="5116", required_devices="Fax"
    )
    result = read_items(path)
    assert len(result.rows) == 1 and result.rows[0].content.legal_limit is None
    fields = {p.field for p in result.problems if p.severity == "warning"}
    assert {"legal_limit", "materials", "region_code", "required_devices"} <= fields
    assert all(p.row == 2 for p in result.problems)


def test_template_missing_name_is_an_error(tmp_path: Path) -> None:
    result = read_items(template_with(tmp_path, name=""))
    assert [(p.row, p.field, p.severity) for p in result.problems] == [(2, "name", "error")]


def test_template_without_required_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("事项名称 name,实施编码 task_code\n婚姻登记,\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="department, item_type|item_type, department"):
        read_items(path)
