"""Codes of service items (政务服务事项编码) after GB/T 39554.1-2020, and the identifiers inside them.

What the codes look like
------------------------
GB/T 39554.1-2020《全国一体化政务服务平台 政务服务事项基本目录及实施清单 第1部分：编码要求》 defines a
catalog code (基本编码) per item of the basic catalogue and an implementation code (实施编码) per item
as implemented by one body in one region. The standard text itself was not available to us (the web
search found only its title and summary, plus older provincial rules such as DB22/T 2848-2017 and
DB52/T 1264-2018, whose catalog code is a 2-character type code such as ``XK`` + main-item code +
sub-item code). The structure below is therefore taken from the data README and verified against all
1,135 rows of the real district list (``shared/data/catalog/guangan-district-items.csv``)::

    511A0138000000 - 511602000000 - 000 - 115113010833722043 - 1 - 00
    catalog code     region code    fixed  implementing body's  body   business item
    (基本编码)        (12 digits)           USCC (18 chars)      nature (业务办理项)

* Region code (行政区划代码): GB/T 2260 6 digits + 3 digits street + 3 digits community.
* The digit before the business item is 1 in 1,110 rows and 2 in 22 rows (all "(市级)" items of a city
  bureau's district branch); we read it as the implementing body's nature (实施主体性质: 1 statutory body,
  2 authorised, 3 entrusted). Inferred, not confirmed.
* Catalog codes of this (Sichuan) platform come in two shapes:
  - provincial: ``51`` + category digit + type letter/digit + 8 or 10 digits. Category ``1`` is an
    administrative-power item (行政权力事项) whose fourth character is the type letter; category ``2`` is
    a public-service item (公共服务事项, any fourth character); category ``3`` mixes kinds (no type).
  - prefixed: ``G-000007-001`` = type letter - main item (6 digits) - sub-item (3 digits).
* Type letters, cross-tabulated against the source's ``task_type`` column (national 事项类型 numbers
  1 许可, 5 给付, 7 确认, 8 奖励, 9 裁决, 10 其他, 20 公共服务): A → 许可 XK (536/536 rows of 511A),
  E → 裁决 CJ, F → 确认 QR, G → 给付 GF, H → 奖励 JL (prefix only), Z → 其他 QT (152 of 153). Other letters
  (B, C, D …) never occur on power items in the data, so they map to no type rather than a guess. One
  prefixed ``A-`` row is typed 20 (public service) in the source: we report that as an inconsistency.

Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from 0-9 A-H J-N P-R T-U W-Y;
position 1 registration authority, 2 organisation kind, 3-8 region, 9-17 organisation code (组织机构代码,
GB 11714, 8 characters + its own check character), 18 the check character (weights 3^i mod 31).
"""

import re
from dataclasses import dataclass, field

from govkiosk.platform.catalog.schemas import CodeIssue, ItemContent, ItemType

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_ORG_CODE = re.compile(r"^([0-9A-Z]{8})-?([0-9X])$")

TYPE_LETTERS: dict[str, ItemType] = {
    "A": ItemType.LICENSING,
    "E": ItemType.ADJUDICATION,
    "F": ItemType.CONFIRMATION,
    "G": ItemType.BENEFIT,
    "H": ItemType.REWARD,
    "Z": ItemType.OTHER_POWER,
}

_TASK_CODE = re.compile(
    r"^(?P<catalog>.+?)-(?P<region>\d{12})-(?P<fixed>[^-]*)-(?P<body>.+)-(?P<nature>\d)-(?P<business>\d{2})$"
)
_PREFIXED_CATALOG = re.compile(r"^(?P<letter>[A-Z])-(?P<main>\d+)-(?P<sub>\d+)")
_PROVINCIAL_CATALOG = re.compile(r"^\d{2}(?P<category>\d)(?P<letter>[0-9A-Z])\d{8}(\d{2})?$")


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015) for its first 17."""
    if len(first17) != 17 or any(c not in USCC_ALPHABET for c in first17):
        raise ValueError(f"{first17!r} is not 17 characters of the USCC alphabet")
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The 9th character of an organisation code (组织机构代码, GB 11714) for its first 8."""
    if not re.fullmatch(r"[0-9A-Z]{8}", first8):
        raise ValueError(f"{first8!r} is not 8 digits or capital letters")
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_org_code(code: str) -> list[str]:
    """Problems of an organisation code, 9 characters or ``XXXXXXXX-X``; empty when valid."""
    match = _ORG_CODE.match(code)
    if not match:
        return [f"organisation code {code} is not 8 digits/capital letters and a check character"]
    expected = org_code_check_char(match.group(1))
    if match.group(2) != expected:
        return [f"organisation code {code} has check character {match.group(2)}, expected {expected}"]
    return []


def validate_uscc(code: str) -> list[str]:
    """Problems of a unified social credit code (统一社会信用代码); empty when valid."""
    if len(code) != 18:
        return [f"USCC {code} has {len(code)} characters, a USCC has 18"]
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        listed = ", ".join(repr(c) for c in bad)
        return [f"USCC {code} has characters outside 0-9 A-H J-N P-R T-U W-Y: {listed}"]
    problems = []
    if not code[2:8].isdigit():
        problems.append(f"USCC {code} has region part {code[2:8]}, expected 6 digits")
    if validate_org_code(code[8:17]):
        problems.append(f"USCC {code} embeds organisation code {code[8:17]} whose check character is wrong")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        problems.append(f"USCC {code} has check character {code[17]}, expected {expected}")
    return problems


def is_valid_body_code(code: str) -> bool:
    """Whether a department code is a valid USCC or a valid organisation code."""
    return not validate_uscc(code) or not validate_org_code(code)


@dataclass(frozen=True)
class TaskCode:
    """A parsed implementation code (实施编码); parts are None where the code does not have them."""

    raw: str
    catalog_code: str | None
    region_code: str | None = None
    fixed: str | None = None
    body_code: str | None = None
    body_nature: str | None = None
    business_code: str | None = None
    problems: tuple[CodeIssue, ...] = field(default=())

    @property
    def valid(self) -> bool:
        """No problems were found."""
        return not self.problems


def _issue(message: str) -> CodeIssue:
    return CodeIssue(field="task_code", message=message)


def catalog_code_problems(catalog_code: str) -> list[str]:
    """Problems with the shape of a catalog code (基本编码); empty when it has a known shape."""
    prefixed = _PREFIXED_CATALOG.fullmatch(catalog_code)
    if prefixed:
        if len(prefixed.group("main")) != 6 or len(prefixed.group("sub")) != 3:
            return [f"catalog code {catalog_code} should be letter-6 digits-3 digits"]
        return []
    if _PROVINCIAL_CATALOG.match(catalog_code):
        return []
    return [f"catalog code {catalog_code} has neither the provincial nor the letter-prefixed shape"]


def _parts_problems(parts: dict[str, str]) -> list[str]:
    problems = catalog_code_problems(parts["catalog"])
    if parts["fixed"] != "000":
        problems.append(f"segment after the region code is {parts['fixed']}, expected 000")
    if parts["nature"] not in "123":
        problems.append(f"implementing body's nature {parts['nature']} is not 1, 2 or 3")
    body = parts["body"]
    problems += [f"implementing body's {message}" for message in validate_uscc(body)]
    if len(body) != 18 and not validate_org_code(body):
        problems[-1] += " (it is an organisation code 组织机构代码)"
    return problems


def parse_task_code(code: str) -> TaskCode:
    """Split an implementation code (实施编码) into its parts; problems are returned, never raised."""
    raw = code
    code = code.strip()
    if not code:
        return TaskCode(raw=raw, catalog_code=None, problems=(_issue("implementation code is empty"),))
    match = _TASK_CODE.match(code)
    if match:
        parts = match.groupdict()
        problems = _parts_problems(parts)
        return TaskCode(
            raw=raw,
            catalog_code=parts["catalog"],
            region_code=parts["region"],
            fixed=parts["fixed"],
            body_code=parts["body"],
            body_nature=parts["nature"],
            business_code=parts["business"],
            problems=tuple(_issue(p) for p in problems),
        )
    return _parse_partial(raw, code)


def _parse_partial(raw: str, code: str) -> TaskCode:
    """Salvage the catalog code (and an 18-character body code) from a code of the wrong shape."""
    prefixed = _PREFIXED_CATALOG.match(code)
    catalog = prefixed.group(0) if prefixed else code.split("-", 1)[0]
    rest = [part for part in code[len(catalog) :].split("-") if part]
    body = next((part for part in rest if len(part) == 18), None)
    message = (
        f"implementation code {code} is not catalog code-12-digit region code-000-USCC-1-"
        "2-digit business item code"
    )
    if not any(re.fullmatch(r"\d{12}", part) for part in rest):
        message += "; it has no 12-digit region code"
    problems = [_issue(message)] + [_issue(p) for p in catalog_code_problems(catalog)]
    return TaskCode(raw=raw, catalog_code=catalog or None, body_code=body, problems=tuple(problems))


def item_type_from_code(catalog_code: str) -> ItemType | None:
    """The item type a catalog code's type letter or category stands for; None when it says nothing."""
    prefixed = _PREFIXED_CATALOG.match(catalog_code)
    if prefixed:
        return TYPE_LETTERS.get(prefixed.group("letter"))
    provincial = _PROVINCIAL_CATALOG.match(catalog_code)
    if not provincial:
        return None
    if provincial.group("category") == "1":
        return TYPE_LETTERS.get(provincial.group("letter"))
    if provincial.group("category") == "2":
        return ItemType.PUBLIC
    return None


def validate_item_codes(content: ItemContent) -> list[CodeIssue]:
    """Everything wrong with an item's codes: parse problems and disagreements with its other fields."""
    if not content.task_code:
        if content.item_type is ItemType.CONVENIENCE:
            return []  # convenience items are locally defined and need no national code
        return [_issue("item has no implementation code (实施编码)")]
    parsed = parse_task_code(content.task_code)
    issues = list(parsed.problems)
    if parsed.region_code and content.region_code and parsed.region_code != content.region_code:
        issues.append(
            CodeIssue(
                field="region_code",
                message=f"region code {content.region_code} differs from {parsed.region_code} "
                "in the task code",
            )
        )
    if content.catalog_code and parsed.catalog_code and content.catalog_code != parsed.catalog_code:
        issues.append(
            CodeIssue(
                field="catalog_code",
                message=f"catalog code {content.catalog_code} differs from {parsed.catalog_code} "
                "at the start of the task code",
            )
        )
    issues += _type_issues(content.item_type, content.catalog_code or parsed.catalog_code)
    return issues


def _type_issues(item_type: ItemType, catalog_code: str | None) -> list[CodeIssue]:
    coded = item_type_from_code(catalog_code) if catalog_code else None
    if coded is None or coded is item_type:
        return []
    return [
        CodeIssue(
            field="item_type",
            message=f"item type {item_type.value} differs from {coded.value} "
            f"implied by catalog code {catalog_code}",
        )
    ]
