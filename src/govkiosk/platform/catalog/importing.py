"""Import of service items (政务服务事项) from files into validated rows; no database is touched.

Two formats are read, told apart by their header row:
* the real district list (columns department, main_item, name, task_code, task_type, area_code, dept_code);
* our template (CSV or Excel), one readable column per ``ItemContent`` field, headed ``事项名称 name``.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import openpyxl
from openpyxl.styles import Font
from pydantic import ValidationError

from govkiosk.contracts.terminal_api import DeviceClass
from govkiosk.platform.catalog.codes import is_valid_body_code, parse_task_code, validate_item_codes
from govkiosk.platform.catalog.schemas import (
    ITEM_TYPE_LABELS,
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

Severity = Literal["error", "warning"]

# The source platform's item-type numbers are the national 事项类型 codes. 1, 5, 7, 8, 9, 10 and 20 occur
# in the district list and agree with the items' names (许可, 救助/补贴, 认定, 表彰, 裁决, 备案, 咨询/查询);
# 2, 3, 4 and 6 follow the same national order.
TASK_TYPE_NUMBERS: dict[str, ItemType] = {
    "1": ItemType.LICENSING,
    "2": ItemType.PENALTY,
    "3": ItemType.COERCION,
    "4": ItemType.LEVY,
    "5": ItemType.BENEFIT,
    "6": ItemType.INSPECTION,
    "7": ItemType.CONFIRMATION,
    "8": ItemType.REWARD,
    "9": ItemType.ADJUDICATION,
    "10": ItemType.OTHER_POWER,
    "20": ItemType.PUBLIC,
}
NO_MAIN_ITEM = "未分类"
DISTRICT_COLUMNS = ("department", "main_item", "name", "task_code", "task_type", "area_code", "dept_code")
_REQUIRED_FIELDS = {"name", "item_type"}
_SOURCE_COLUMNS = {"item_type": "task_type"}  # the district-list column a field comes from


@dataclass(frozen=True)
class ImportRow:
    """One importable row: where it came from, its department, its main item (主项) and its content."""

    row: int
    department: str
    department_code: str | None
    main_item: str | None
    content: ItemContent


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one field of one row; an error keeps the row out, a warning does not."""

    row: int
    field: str
    message: str
    severity: Severity


@dataclass
class ImportResult:
    """The rows that can be imported and the problems found, in file order."""

    format: Literal["district", "template"]
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def errors(self) -> list[RowProblem]:
        """Problems that kept a row out."""
        return [p for p in self.problems if p.severity == "error"]


Table = tuple[list[str], Iterator[tuple[int, list[str]]]]


def read_items(path: Path | str) -> ImportResult:
    """Read service items from a district-list CSV or a template CSV/XLSX, detecting the format."""
    path = Path(path)
    header, records = _read_table(path)
    keys = [h.strip() for h in header]
    if {"name", "task_code", "task_type"} <= set(keys):
        _require(path, keys, DISTRICT_COLUMNS)
        result = _read_district(keys, records)
    else:
        result = _read_template(path, keys, records)
    _reject_duplicates(result)
    return result


def _require(path: Path, keys: list[str], required: tuple[str, ...] | set[str]) -> None:
    missing = [k for k in required if k not in keys]
    if missing:
        raise InvalidInput(f"{path.name}: header row lacks the column(s) {', '.join(missing)}")


# --- files -----------------------------------------------------------------------------------------


def _read_table(path: Path) -> Table:
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, data)
    if suffix not in (".csv", ".txt", "") or b"\x00" in data[:4096]:
        raise InvalidInput(f"{path.name}: not a CSV or XLSX file")
    return _read_csv(path, data)


def _decode(path: Path, data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(f"{path.name}: text is neither UTF-8 nor GB18030")


def _read_csv(path: Path, data: bytes) -> Table:
    reader = csv.reader(io.StringIO(_decode(path, data), newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise InvalidInput(f"{path.name}: no header row") from exc
    rows = [(number, row) for number, row in enumerate(reader, start=2)]
    return header, iter(rows)


def _read_xlsx(path: Path, data: bytes) -> Table:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidInput(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
    values = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    if not values:
        raise InvalidInput(f"{path.name}: the first sheet is empty")
    header = [_cell(v) for v in values[0]]
    return header, iter([(n, [_cell(v) for v in row]) for n, row in enumerate(values[1:], start=2)])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _records(
    keys: list[str], records: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, dict[str, str]]]:
    for number, row in records:
        values = {k: (row[i].strip() if i < len(row) else "") for i, k in enumerate(keys) if k}
        if any(values.values()):
            yield number, values


# --- the district list -----------------------------------------------------------------------------


def _read_district(keys: list[str], records: Iterator[tuple[int, list[str]]]) -> ImportResult:
    result = ImportResult(format="district")
    for number, values in _records(keys, records):
        problems: list[RowProblem] = []
        data = _district_content(number, values, problems)
        dept_code = values["dept_code"] or None
        if dept_code and not is_valid_body_code(dept_code):
            problems.append(
                _warn(
                    number, "dept_code", f"{dept_code} is neither a valid USCC nor a valid organisation code"
                )
            )
        main_item = values["main_item"] if values["main_item"] not in ("", NO_MAIN_ITEM) else None
        _finish(result, number, data, problems, values["department"], dept_code, main_item)
    return result


def _district_content(number: int, values: dict[str, str], problems: list[RowProblem]) -> dict[str, Any]:
    parsed = parse_task_code(values["task_code"])
    data: dict[str, Any] = {"name": values["name"], "task_code": values["task_code"] or None}
    data["catalog_code"] = parsed.catalog_code
    item_type = TASK_TYPE_NUMBERS.get(values["task_type"])
    if item_type is None:
        problems.append(
            _error(number, "task_type", f"{values['task_type']!r} is not a known item-type number")
        )
    data["item_type"] = item_type
    data["tier"] = ItemTier.BUSINESS if parsed.business_code not in (None, "00") else ItemTier.SUB
    region = values["area_code"] or parsed.region_code
    if region and re.fullmatch(r"\d{12}", region):
        data["region_code"] = region
        data["handling_level"] = handling_level(region)
    elif region:
        problems.append(_warn(number, "area_code", f"{region} is not a 12-digit region code"))
    return data


def handling_level(region_code: str) -> HandlingLevel:
    """The handling level (行使层级) a 12-digit region code stands for, from its trailing zeros."""
    if region_code.startswith("100000") or set(region_code) == {"0"}:
        return HandlingLevel.NATIONAL
    if region_code.endswith("0" * 10):
        return HandlingLevel.PROVINCE
    if region_code.endswith("0" * 8):
        return HandlingLevel.CITY
    if region_code.endswith("0" * 6):
        return HandlingLevel.DISTRICT
    if region_code.endswith("0" * 3):
        return HandlingLevel.STREET
    return HandlingLevel.COMMUNITY


# --- the template format ---------------------------------------------------------------------------

LIST_SEPARATOR = "；"
PART_SEPARATOR = "|"
_SPLIT = re.compile(r"[；;\n]")
_TRUE, _FALSE = {"是", "true", "yes", "y", "1", "√"}, {"否", "false", "no", "n", "0", "×"}

_LABELS: dict[type, dict[Any, str]] = {
    ItemType: {t: labels[0] for t, labels in ITEM_TYPE_LABELS.items()},
    ItemTier: {ItemTier.MAIN: "主项", ItemTier.SUB: "子项", ItemTier.BUSINESS: "业务办理项"},
    BusinessKind: dict(zip(BusinessKind, ["新设", "变更", "延续", "注销", "其他"], strict=True)),
    HandlingLevel: dict(
        zip(HandlingLevel, ["国家级", "省级", "市级", "县级", "乡镇街道级", "村社区级"], strict=True)
    ),
    ApplicantType: {ApplicantType.NATURAL_PERSON: "自然人", ApplicantType.LEGAL_PERSON: "法人"},
    TimeUnit: {TimeUnit.WORKING_DAY: "工作日", TimeUnit.CALENDAR_DAY: "自然日", TimeUnit.HOUR: "小时"},
    AnywhereScope: dict(
        zip(AnywhereScope, ["不通办", "全区通办", "全市通办", "全省通办", "跨省通办"], strict=True)
    ),
    Channel: dict(
        zip(Channel, ["窗口办理", "网上办理", "掌上办理", "自助终端办理", "快递申请"], strict=True)
    ),
}
_DEVICE_CLASSES: tuple[str, ...] = DeviceClass.__args__  # type: ignore[attr-defined]

# (key, Chinese label, how to fill it in); the header of a column is "label key".
COLUMNS: list[tuple[str, str, str]] = [
    ("department", "实施部门", "required; the department's name"),
    ("department_code", "部门编码", "the department's USCC (统一社会信用代码) or organisation code"),
    ("main_item", "所属主项", "name of the main item (主项) above this one; empty = none"),
    ("name", "事项名称", "required"),
    ("task_code", "实施编码", "implementation code, e.g. 511A0138000000-511602000000-000-<USCC>-1-00"),
    ("catalog_code", "基本编码", "catalog code, the first part of the implementation code"),
    ("item_type", "事项类型", "required; " + "/".join(_LABELS[ItemType].values())),
    ("tier", "事项层级", "/".join(_LABELS[ItemTier].values()) + "; default 子项"),
    ("business_kind", "业务类型", "for business items: " + "/".join(_LABELS[BusinessKind].values())),
    ("handling_level", "行使层级", "/".join(_LABELS[HandlingLevel].values()) + "; default 县级"),
    ("region_code", "行政区划代码", "12 digits, e.g. 511602000000"),
    ("applicant_types", "服务对象", "自然人；法人"),
    ("conditions", "受理条件", "one condition per entry, entries separated by ；"),
    (
        "materials",
        "申请材料",
        "entries separated by ；, each 名称|是否必需(是/否)|原件数|复印件数|可替代电子证照|备注",
    ),
    ("legal_limit", "法定办结时限", "e.g. 20工作日, 5自然日, 24小时, 即办"),
    ("promised_limit", "承诺办结时限", "e.g. 10工作日 or 即办"),
    ("fees", "收费", "entries separated by ；, each 收费项目|金额(元)|收费依据; empty = free"),
    ("anywhere_scope", "通办范围", "/".join(_LABELS[AnywhereScope].values())),
    ("channels", "办理渠道", "；-separated: " + "/".join(_LABELS[Channel].values())),
    ("kiosk_eligible", "可自助终端办理", "是/否"),
    ("required_devices", "所需设备", "；-separated device classes: " + "/".join(_DEVICE_CLASSES)),
    ("topics", "主题", "life events, ；-separated, e.g. 生育；就业"),
    ("keywords", "关键词", "extra search terms, ；-separated"),
    ("description", "事项说明", "free text"),
]
HEADERS = [f"{label} {key}" for key, label, _ in COLUMNS]
NOTES = [note for _, _, note in COLUMNS]
ROW_KEYS = {"department", "department_code", "main_item"}
_KEYS_BY_LABEL = {label: key for key, label, _ in COLUMNS} | {key: key for key, _, _ in COLUMNS}


def header_key(header: str) -> str:
    """The field key of a template header ("事项名称 name", "name" or "事项名称"); empty when unknown."""
    words = header.split()
    return next((_KEYS_BY_LABEL[w] for w in reversed(words) if w in _KEYS_BY_LABEL), "")


def _split(text: str, separator: re.Pattern[str] = _SPLIT) -> list[str]:
    return [part.strip() for part in separator.split(text) if part.strip()]


def _enum(kind: type) -> Any:
    lookup = {label: member for member, label in _LABELS[kind].items()}
    lookup |= {str(member.value).lower(): member for member in _LABELS[kind]}

    def parse(text: str) -> Any:
        member = lookup.get(text.strip()) or lookup.get(text.strip().lower())
        if member is None:
            raise ValueError(f"expected one of {'/'.join(_LABELS[kind].values())}")
        return member

    return parse


def _bool(text: str) -> bool:
    if text.strip().lower() in _TRUE:
        return True
    if text.strip().lower() in _FALSE:
        return False
    raise ValueError("expected 是 or 否")


def _int(text: str, what: str) -> int:
    if not text.strip().isdigit():
        raise ValueError(f"{what} {text!r} is not a whole number")
    return int(text)


def _time_limit(text: str) -> TimeLimit:
    if text.strip() == "即办":
        return TimeLimit(value=0)
    match = re.fullmatch(r"(\d+)\s*个?\s*(\S*)", text.strip())
    if not match:
        raise ValueError("expected a number and a unit, e.g. 20工作日")
    unit = _enum(TimeUnit)(match.group(2)) if match.group(2) else TimeUnit.WORKING_DAY
    return TimeLimit(value=int(match.group(1)), unit=unit)


def _material(entry: str) -> Material:
    name, required, originals, copies, elicence, note = (entry.split(PART_SEPARATOR) + [""] * 6)[:6]
    return Material(
        name=name.strip(),
        required=_bool(required) if required.strip() else True,
        originals=_int(originals, "originals") if originals.strip() else 0,
        copies=_int(copies, "copies") if copies.strip() else 1,
        elicence_type=elicence.strip() or None,
        note=note.strip() or None,
    )


def _fee(entry: str) -> Fee:
    name, amount, basis = (entry.split(PART_SEPARATOR) + [""] * 3)[:3]
    try:
        amount_yuan = Decimal(amount.strip() or "0")
    except InvalidOperation as exc:
        raise ValueError(f"amount {amount!r} is not a number of yuan") from exc
    return Fee(name=name.strip(), amount_yuan=amount_yuan, basis=basis.strip() or None)


def _device(text: str) -> str:
    match = next((d for d in _DEVICE_CLASSES if d.lower() == text.lower()), None)
    if match is None:
        raise ValueError(f"unknown device class; expected one of {'/'.join(_DEVICE_CLASSES)}")
    return match


def _each(parse: Any) -> Any:
    def parse_list(text: str) -> list[Any]:
        try:
            return [parse(entry) for entry in _split(text)]
        except ValidationError as exc:
            raise ValueError("; ".join(e["msg"] for e in exc.errors())) from exc

    return parse_list


PARSERS: dict[str, Any] = {
    "item_type": _enum(ItemType),
    "tier": _enum(ItemTier),
    "business_kind": _enum(BusinessKind),
    "handling_level": _enum(HandlingLevel),
    "anywhere_scope": _enum(AnywhereScope),
    "applicant_types": _each(_enum(ApplicantType)),
    "channels": _each(_enum(Channel)),
    "required_devices": _each(_device),
    "conditions": _split,
    "topics": _split,
    "keywords": _split,
    "materials": _each(_material),
    "fees": _each(_fee),
    "legal_limit": _time_limit,
    "promised_limit": _time_limit,
    "kiosk_eligible": _bool,
}


def _render_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(_render_value(v) for v in value)
    if isinstance(value, TimeLimit):
        return (
            "即办"
            if value.value == 0 and value.unit is TimeUnit.WORKING_DAY
            else f"{value.value}{_LABELS[TimeUnit][value.unit]}"
        )
    if isinstance(value, Material):
        parts = [value.name, _render_value(value.required), str(value.originals), str(value.copies)]
        parts += [value.elicence_type or "", value.note or ""]
        while not parts[-1]:
            parts.pop()
        return PART_SEPARATOR.join(parts)
    if isinstance(value, Fee):
        return PART_SEPARATOR.join([value.name, str(value.amount_yuan), value.basis or ""])
    return _LABELS.get(type(value), {}).get(value, str(value))


def render_row(
    department: str, department_code: str | None, main_item: str | None, content: ItemContent
) -> list[str]:
    """One template row for an item: its department, main item and every content field."""
    row = {"department": department, "department_code": department_code, "main_item": main_item}
    row |= {key: getattr(content, key) for key, _, _ in COLUMNS if key not in ROW_KEYS}
    return [_render_value(row[key]) for key, _, _ in COLUMNS]


EXAMPLE = ImportRow(
    row=2,
    department="区教科体局",
    department_code="115113010833722043",
    main_item=None,
    content=ItemContent(
        name="适龄儿童、少年因身体状况需要延缓入学或者休学审批",
        task_code="511A0138000000-511602000000-000-115113010833722043-1-00",
        catalog_code="511A0138000000",
        item_type=ItemType.LICENSING,
        region_code="511602000000",
        applicant_types=[ApplicantType.NATURAL_PERSON],
        conditions=["适龄儿童、少年因身体状况需要延缓入学或者休学"],
        materials=[
            Material(name="申请表", originals=1, copies=0),
            Material(name="居民户口簿", originals=1, copies=1, elicence_type="居民户口簿"),
            Material(name="医院诊断证明", required=False, originals=1, copies=0),
        ],
        legal_limit=TimeLimit(value=20),
        promised_limit=TimeLimit(value=5),
        channels=[Channel.WINDOW, Channel.ONLINE, Channel.KIOSK],
        kiosk_eligible=True,
        required_devices=["IdCardReader", "DocumentScanner"],
        topics=["教育"],
        keywords=["缓学", "休学"],
        description="example row: replace it with the department's own items",
    ),
)


# --- our template ----------------------------------------------------------------------------------


def _read_template(path: Path, header: list[str], records: Iterator[tuple[int, list[str]]]) -> ImportResult:
    keys = [header_key(h) for h in header]
    if not any(keys):
        raise InvalidInput(
            f"{path.name}: header row is neither the district list ({', '.join(DISTRICT_COLUMNS)}) "
            "nor the item template (e.g. '事项名称 name')"
        )
    _require(path, keys, {"department", "name", "item_type"})
    result = ImportResult(format="template")
    for number, values in _records(keys, records):
        problems: list[RowProblem] = []
        data: dict[str, Any] = {}
        for key, text in values.items():
            if key in ROW_KEYS or not text:
                continue
            try:
                data[key] = PARSERS.get(key, str)(text)
            except ValueError as exc:
                _problem(problems, number, key, f"{text!r}: {exc}")
        department_code = values.get("department_code") or None
        main_item = values.get("main_item") or None
        _finish(result, number, data, problems, values.get("department", ""), department_code, main_item)
    return result


def _problem(problems: list[RowProblem], number: int, key: str, message: str) -> None:
    maker = _error if key in _REQUIRED_FIELDS else _warn
    problems.append(maker(number, key, message))


# --- shared ----------------------------------------------------------------------------------------


def _finish(
    result: ImportResult,
    number: int,
    data: dict[str, Any],
    problems: list[RowProblem],
    department: str,
    department_code: str | None,
    main_item: str | None,
) -> None:
    """Validate the collected fields, dropping unusable optional ones, and add the row or its errors."""
    if not department:
        problems.append(_error(number, "department", "no department given"))
    content = _validate(number, data, problems)
    if content is not None:
        problems += [_warn(number, i.field, i.message) for i in validate_item_codes(content)]
    result.problems += problems
    if content is not None and not any(p.severity == "error" for p in problems):
        result.rows.append(ImportRow(number, department, department_code, main_item, content))


def _validate(number: int, data: dict[str, Any], problems: list[RowProblem]) -> ItemContent | None:
    for _ in range(len(data) + 1):
        try:
            return ItemContent.model_validate({k: v for k, v in data.items() if v is not None})
        except ValidationError as exc:
            for err in exc.errors():
                key = str(err["loc"][0]) if err["loc"] else "row"
                if key in _REQUIRED_FIELDS and data.get(key) is None and err["type"] == "missing":
                    if not any(p.field in (key, _SOURCE_COLUMNS.get(key)) for p in problems):
                        problems.append(_error(number, key, "missing"))
                    return None
                _problem(problems, number, key, err["msg"])
                if key in _REQUIRED_FIELDS or key not in data:
                    return None
                data.pop(key)
    return None


def _reject_duplicates(result: ImportResult) -> None:
    first_row: dict[str, int] = {}
    kept = []
    for row in result.rows:
        code = row.content.task_code
        if code and code in first_row:
            message = f"task code {code} of row {row.row} repeats the one of row {first_row[code]}"
            result.problems.append(_error(row.row, "task_code", message))
            continue
        if code:
            first_row[code] = row.row
        kept.append(row)
    result.rows = kept
    result.problems.sort(key=lambda p: p.row)


def _warn(row: int, field_name: str, message: str) -> RowProblem:
    return RowProblem(row, field_name, message, "warning")


def _error(row: int, field_name: str, message: str) -> RowProblem:
    return RowProblem(row, field_name, message, "error")


# --- writing templates -----------------------------------------------------------------------------


def _template_rows(rows: list[ImportRow] | None) -> list[list[str]]:
    return [render_row(r.department, r.department_code, r.main_item, r.content) for r in rows or [EXAMPLE]]


def write_template_csv(path: Path | str, rows: list[ImportRow] | None = None) -> None:
    """Write the item template as CSV (UTF-8 with BOM, so Excel opens it), with the rows or one example."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        writer.writerows(_template_rows(rows))


def write_template_xlsx(path: Path | str, rows: list[ImportRow] | None = None) -> None:
    """Write the item template as an Excel workbook, with the rows or one example and a notes sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "事项 items"
    sheet.append(HEADERS)
    for row in _template_rows(rows):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, header in enumerate(HEADERS, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = max(14, len(header) + 6)
    sheet.freeze_panes = "B2"
    notes = workbook.create_sheet("填写说明 notes")
    notes.append(["列 column", "填写说明 how to fill in"])
    for header, note in zip(HEADERS, NOTES, strict=True):
        notes.append([header, note])
    workbook.save(Path(path))
