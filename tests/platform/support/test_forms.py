"""The form engine: definitions, visibility, validation, prefill, computed fields, pinning and expressions."""

import copy
from datetime import date
from typing import Any

import pytest

from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.support.forms import (
    ExpressionError,
    FormDefinition,
    check_pinned,
    check_submission,
    compute,
    evaluate,
    parse_definition,
    prefill,
    strip_hidden,
    validate,
    visible_steps,
)
from govkiosk.platform.support.forms.examples import EXAMPLES, example_definition
from govkiosk.platform.support.forms.expressions import MAX_DEPTH, check
from govkiosk.sim.demo_catalog import DEMO_DEPARTMENTS, DEMO_ITEMS

TODAY = date(2025, 6, 1)
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def make_id(born: date, sequence: int, region: str = "440304") -> str:
    """A valid ID number (GB 11643), written apart from the code under test."""
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


WOMAN = make_id(date(1992, 3, 8), 122)  # even 17th digit
MAN = make_id(date(1990, 6, 15), 133)


def materials_of(item_name: str) -> list[str]:
    item = next(i for i in DEMO_ITEMS if i["name"] == item_name)
    return [m["name"] for m in item["materials"]]


def example(item_name: str, item_version: int = 1) -> FormDefinition:
    raw = example_definition(item_name, item_id=7, item_version=item_version)
    return parse_definition(raw, material_names=materials_of(item_name))


def registration_data() -> dict[str, Any]:
    return {
        "applicant": {
            "name": "张丽",
            "id_number": WOMAN,
            "mobile": "13812345678",
            "hukou_region": "440304",
            "address": "深圳市福田区福中三路1号",
        },
        "insurance": {"start_date": "2025-06-01", "medical_tier": "tier1"},
        "materials": {"id_card": ["materials/2025/06/abc.jpg"]},
        "signature": "signatures/2025/06/abc.png",
    }


def maternity_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "applicant": {"name": "张丽", "id_number": WOMAN, "mobile": "13812345678"},
        "claim": {"claimant": "self"},
        "delivery": {"date": "2025-05-20", "mode": "normal", "hospital": "深圳市妇幼保健院"},
        "children": [{"name": "李小宝", "sex": "male", "registered": "no"}],
        "bank": {"bank_name": "中国银行", "account_no": "6217000012345678"},
        "materials": {"birth_certificate": ["materials/birth.jpg"]},
        "signature": "signatures/s.png",
    }
    data.update(changes)
    return data


def paths_of(errors: list[Any]) -> set[str]:
    return {e.path for e in errors}


@pytest.mark.parametrize("item_name", sorted(EXAMPLES))
def test_examples_are_valid_definitions_for_demo_items(item_name: str) -> None:
    definition = example(item_name)
    assert definition.item_id == 7
    assert definition.to_json()["schema"]["$schema"].endswith("2020-12/schema")


def test_a_complete_registration_is_valid() -> None:
    definition = example("灵活就业人员参保登记")
    data, errors = check_submission(definition, registration_data(), item_version=1, today=TODAY)
    assert errors == []
    assert data["applicant"]["age"] == 33  # computed from the ID number


@pytest.mark.parametrize(
    ("field", "value", "zh"),
    [
        ("id_number", WOMAN[:17] + ("1" if WOMAN[17] != "1" else "2"), "身份证号码校验位不正确"),
        ("mobile", "1381234567", "手机号码应为以1开头的11位数字"),
        ("hukou_region", "440399", "行政区划代码不存在"),
    ],
)
def test_chinese_formats_give_citizen_messages(field: str, value: str, zh: str) -> None:
    data = registration_data()
    data["applicant"][field] = value
    errors = validate(example("灵活就业人员参保登记"), data, today=TODAY)
    assert [(e.path, e.code, e.message_zh) for e in errors] == [(f"applicant.{field}", "format", zh)]
    assert errors[0].message_en and value not in errors[0].message_en  # the value itself is not echoed


def test_uscc_and_date_formats() -> None:
    definition = example("生育津贴申领")
    good = maternity_data()
    good["applicant"]["employer_uscc"] = DEMO_DEPARTMENTS[0]["code"]
    assert validate(definition, compute(definition, good, today=TODAY), today=TODAY) == []
    bad = maternity_data(delivery={"date": "2025-02-30", "mode": "normal", "hospital": "深圳市妇幼保健院"})
    bad["applicant"]["employer_uscc"] = DEMO_DEPARTMENTS[0]["code"][:17] + "0"
    messages = {e.path: e.message_zh for e in validate(definition, bad, today=TODAY)}
    assert messages["applicant.employer_uscc"] == "统一社会信用代码不正确，请核对"
    assert messages["delivery.date"] == "请填写有效日期（年-月-日）"


def test_missing_fields_are_named_one_by_one() -> None:
    errors = validate(example("社会保险参保证明打印"), {}, today=TODAY)
    assert [(e.path, e.message_zh, e.message_en) for e in errors] == [
        ("period.from", "此项为必填项", "This field is required"),
        ("period.to", "此项为必填项", "This field is required"),
        ("purpose", "此项为必填项", "This field is required"),
    ]


def test_fields_outside_the_form_are_refused() -> None:
    data = {"purpose": "school", "period": {"from": "2024-01-01", "to": "2025-05-31"}, "note": "x"}
    errors = validate(example("社会保险参保证明打印"), data, today=TODAY)
    assert [(e.path, e.code, e.message_zh) for e in errors] == [
        ("", "additionalProperties", "包含表单以外的内容")
    ]


def test_spouse_step_is_shown_and_required_only_when_the_spouse_gave_birth() -> None:
    definition = example("生育津贴申领")
    self_birth = maternity_data()
    assert "spouse" not in [s.id for s in visible_steps(definition, self_birth)]
    assert validate(definition, self_birth, today=TODAY) == []
    spouse_birth = maternity_data(applicant={"name": "李明", "id_number": MAN, "mobile": "13912345678"})
    spouse_birth["claim"] = {"claimant": "spouse"}
    assert "spouse" in [s.id for s in visible_steps(definition, spouse_birth)]
    assert paths_of(validate(definition, spouse_birth, today=TODAY)) == {"spouse.name", "spouse.id_number"}


def test_hidden_values_are_neither_checked_nor_kept() -> None:
    definition = example("生育津贴申领")
    data = maternity_data(spouse={"name": "", "id_number": "not a number"})  # stale answers, claimant is self
    assert validate(definition, data, today=TODAY) == []
    assert "spouse" not in strip_hidden(definition, data)


def test_repeating_group_items_are_validated_with_their_own_conditions() -> None:
    definition = example("生育津贴申领")
    children = [
        {"name": "大宝", "sex": "male", "registered": "no", "id_number": "garbage"},  # hidden: not registered
        {"name": "二宝", "sex": "female", "registered": "yes"},  # shown and missing
        {"name": "", "sex": "other", "registered": "yes", "id_number": make_id(date(2025, 5, 20), 12)},
    ]
    errors = validate(definition, maternity_data(children=children), today=TODAY)
    assert {(e.path, e.code) for e in errors} == {
        ("children.1.id_number", "required"),
        ("children.2.name", "minLength"),
        ("children.2.sex", "enum"),
    }
    assert paths_of(validate(definition, maternity_data(children=[]), today=TODAY)) == {"children"}


def test_prefill_from_identity_and_elicences() -> None:
    definition = example("生育津贴申领")
    identity = {"name": "李明", "id_number": MAN, "sex": "male"}
    elicences = {"结婚证": {"spouse_name": "张丽", "spouse_id_number": WOMAN}}
    assert prefill(definition, identity, elicences) == {
        "applicant": {"name": "李明", "id_number": MAN},
        "spouse": {"name": "张丽", "id_number": WOMAN},
    }
    assert prefill(definition, {"name": "李明"}, {}) == {"applicant": {"name": "李明"}}
    registration = example("灵活就业人员参保登记")
    filled = prefill(registration, identity, {"居民身份证": {"address": "深圳市南山区"}})
    assert filled["applicant"]["address"] == "深圳市南山区"


def test_computed_fields_with_a_total_and_per_item_values() -> None:
    definition = example("生育津贴申领")
    twins = [
        {"name": "大宝", "sex": "female", "registered": "yes", "id_number": make_id(date(2025, 5, 20), 11)},
        {"name": "二宝", "sex": "male", "registered": "no"},
    ]
    data = maternity_data(children=twins)
    data["delivery"]["mode"] = "difficult"
    computed = compute(definition, data, today=TODAY)
    assert computed["delivery"]["leave_days"] == 178 + 30 + 15
    assert [c["sex"] for c in computed["children"]] == ["male", "male"]  # from the ID number, then as chosen
    assert data["delivery"].get("leave_days") is None  # the input is not changed
    assert compute(definition, maternity_data(), today=TODAY)["delivery"]["leave_days"] == 178


def test_cross_field_checks_use_today_and_other_fields() -> None:
    definition = example("社会保险参保证明打印")
    ok = {"purpose": "school", "period": {"from": "2024-01-01", "to": "2025-05-31"}}
    assert validate(definition, ok, today=TODAY) == []
    backwards = {"purpose": "school", "period": {"from": "2025-05-01", "to": "2025-01-31"}}
    errors = validate(definition, backwards, today=TODAY)
    assert [(e.path, e.code, e.message_zh) for e in errors] == [
        ("period.to", "check", "截止日期不能早于起始日期")
    ]
    future = {"purpose": "school", "period": {"from": "2025-01-01", "to": "2025-07-01"}}
    assert [e.message_en for e in validate(definition, future, today=TODAY)] == [
        "The end date cannot be in the future"
    ]


def test_retirement_age_check_on_a_computed_field() -> None:
    definition = example("灵活就业人员参保登记")
    data = registration_data()
    data["applicant"]["id_number"] = make_id(date(1960, 1, 1), 122)
    _, errors = check_submission(definition, data, item_version=1, today=TODAY)
    assert [(e.path, e.code) for e in errors] == [("applicant.age", "check")]


def test_form_versions_are_pinned_to_the_item_version() -> None:
    definition = example("社会保险参保证明打印", item_version=3)
    check_pinned(definition, 3)
    with pytest.raises(InvalidInput) as refused:
        check_pinned(definition, 4)
    assert refused.value.code == "form_version_mismatch" and "item version 3" in refused.value.message
    with pytest.raises(InvalidInput):
        check_submission(definition, {}, item_version=2)
    with pytest.raises(InvalidInput, match="belongs to item 7"):
        check_pinned(definition, 3, item_id=8)


def _broken(change: Any, item_name: str = "生育津贴申领") -> str:
    raw = copy.deepcopy(example_definition(item_name, item_id=7))
    change(raw)
    with pytest.raises(InvalidInput) as refused:
        parse_definition(raw, material_names=materials_of(item_name))
    return refused.value.message


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            lambda d: d["ui"]["steps"][0]["fields"].append("applicant.phne"),
            "ui.steps.0.fields.1: 'applicant.phne'",
        ),
        (
            lambda d: d["ui"]["widgets"].update({"bank.iban": {"widget": "text"}}),
            "ui.widgets.bank.iban: 'bank.iban'",
        ),
        (
            lambda d: d["ui"]["widgets"]["delivery.date"].update(widget="slider"),
            "ui.widgets.delivery.date.widget",
        ),
        (
            lambda d: d["ui"]["widgets"]["materials.bank_card"].update(material="户口簿"),
            "material slot '户口簿'",
        ),
        (lambda d: d["schema"].update(type="objekt"), "schema/type: not a valid JSON Schema 2020-12"),
        (lambda d: d["ui"]["steps"].pop(4), "schema: required field 'bank' is in no step"),
        (
            lambda d: d["ui"]["widgets"]["delivery.mode"]["options"].pop("normal"),
            "ui.widgets.delivery.mode: choice",
        ),
        (
            lambda d: d["ui"]["widgets"].update({"delivery.date": {"widget": "number"}}),
            "cannot edit a field of type",
        ),
        (
            lambda d: d["ui"]["prefill"].update({"spouse.name": "session.name"}),
            "ui.prefill.spouse.name: source",
        ),
        (lambda d: d["ui"]["prefill"].update({"children.name": "identity.name"}), "inside a repeating group"),
        (
            lambda d: d["ui"]["steps"][2].update(when={"eval": "1"}),
            "ui.steps.2.when: unknown operator 'eval'",
        ),
        (lambda d: d["ui"]["computed"].update({"delivery.days": 1}), "ui.computed.delivery.days"),
        (lambda d: d["ui"]["checks"][0].update(rule={"var": "delivery.dat"}), "variable 'delivery.dat'"),
        (lambda d: d["ui"]["steps"][1].update(id="applicant"), "step id 'applicant' is used twice"),
    ],
)
def test_bad_definitions_are_rejected_naming_the_path(change: Any, fragment: str) -> None:
    assert fragment in _broken(change)


def test_expressions() -> None:
    data = {"a": {"b": 3}, "s": "spouse", "kids": [{"n": 1}, {"n": 2}], "id": WOMAN}
    cases: list[tuple[Any, Any]] = [
        ({"==": [{"var": "s"}, "spouse"]}, True),
        ({"and": [{">": [{"var": "a.b"}, 2]}, {"<": [1, {"var": "a.b"}, 5]}]}, True),
        ({"or": [False, {"!": {"var": "missing"}}]}, True),
        ({"not": [{"in": ["x", ["a", "b"]]}]}, True),
        ({"+": [{"var": "a.b"}, 1, {"*": [2, 3]}, {"-": [1]}]}, 9),
        ({"+": [{"var": "missing"}, 1]}, None),  # arithmetic on a missing value is null, not an error
        ({"<": ["2", 3]}, False),  # a string is not compared with a number
        ({"cat": ["No.", {"var": "kids.1.n"}]}, "No.2"),
        ({"if": [{"var": "missing"}, "yes", {"var": "s"}]}, "spouse"),
        ({"count": {"var": "kids"}}, 2),
        ({"today": []}, "2025-06-01"),
        ({"age": {"var": "id"}}, 33),
        ({"age": ["2000-02-29", "2025-02-28"]}, 24),
        ({"sex": {"var": "id"}}, "female"),
        ({"birth_date": {"var": "id"}}, "1992-03-08"),
        ({"var": ["missing", "default"]}, "default"),
        ("__import__('os').system('true')", "__import__('os').system('true')"),  # a string is only a string
    ]
    for expression, expected in cases:
        assert evaluate(expression, data, today=TODAY) == expected, expression


@pytest.mark.parametrize(
    "expression",
    [{"exec": ["x"]}, {"==": [1]}, {"==": 1, "!=": 2}, {"if": [{"lambda": []}, 1, 2]}],
)
def test_malformed_expressions_are_refused(expression: Any) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression, {})
    assert check(expression) != []


def test_deep_nesting_is_refused() -> None:
    shallow: Any = True
    for _ in range(MAX_DEPTH - 1):
        shallow = {"!": [shallow]}
    evaluate(shallow, {})
    deep: Any = True
    for _ in range(MAX_DEPTH + 5):
        deep = {"!": [deep]}
    with pytest.raises(ExpressionError, match="deeper"):
        evaluate(deep, {})
    assert "deeper" in check(deep)[0]
    nested_lists: Any = 1
    for _ in range(MAX_DEPTH + 5):
        nested_lists = [nested_lists]
    with pytest.raises(ExpressionError):
        evaluate(nested_lists, {})
