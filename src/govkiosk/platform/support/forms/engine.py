"""The form engine (表单引擎): validation, visibility, prefill, computed fields and version pinning.

The server's order for a submission is `check_submission`: pinned version → computed fields → hidden
fields dropped → JSON Schema validation and cross-field checks. The kiosk UI runs the same definition
to show steps and fields, but the server never trusts what it computed.
"""

import copy
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from pydantic import BaseModel

from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.support.forms import paths
from govkiosk.platform.support.forms.definition import FormDefinition, Step
from govkiosk.platform.support.forms.expressions import evaluate, truthy
from govkiosk.platform.support.forms.paths import DataPath
from govkiosk.platform.support.forms.validators import (
    Problem,
    id_number_problems,
    mobile_problems,
    region_code_problems,
    uscc_problems,
)

FORMATS: dict[str, Callable[[str], list[Problem]]] = {
    "gb11643": id_number_problems,  # 公民身份号码
    "gb32100": uscc_problems,  # 统一社会信用代码
    "cn-mobile": mobile_problems,  # 手机号码
    "gb2260": region_code_problems,  # 行政区划代码
}


class FieldError(BaseModel):
    """One problem with one field of submitted data, readable for a citizen in Chinese and English."""

    path: str  # data path: applicant.id_number, children.0.name; "" is the form as a whole
    code: str  # the JSON Schema keyword that failed, or "check" for a cross-field rule
    message_zh: str
    message_en: str


class _FormatProblem(ValueError):
    """Raised by a format check to carry the citizen-readable problem to the error translation."""

    def __init__(self, problem: Problem):
        super().__init__(problem.en)
        self.problem = problem


def _asserting(problems: Callable[[str], list[Problem]]) -> Callable[[object], bool]:
    def check(instance: object) -> bool:
        found = problems(instance) if isinstance(instance, str) else []
        if found:
            raise _FormatProblem(found[0])
        return True

    return check


def format_checker() -> FormatChecker:
    """The standard format checker with the Chinese formats gb11643, gb32100, cn-mobile and gb2260."""
    checker = FormatChecker()
    for name, problems in FORMATS.items():
        checker.checks(name, raises=_FormatProblem)(_asserting(problems))
    return checker


FORMAT_CHECKER = format_checker()

_FORMAT_MESSAGES = {
    "date": ("请填写有效日期（年-月-日）", "Enter a valid date (year-month-day)"),
    "email": ("请填写有效的电子邮箱", "Enter a valid e-mail address"),
}
_MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("此项为必填项", "This field is required"),
    "type": ("填写内容的类型不正确", "This value has the wrong type"),
    "minLength": ("至少填写{n}个字符", "Enter at least {n} characters"),
    "maxLength": ("最多填写{n}个字符", "Enter at most {n} characters"),
    "pattern": ("填写格式不正确", "The format is not correct"),
    "enum": ("请从选项中选择", "Choose one of the options"),
    "const": ("填写内容不正确", "This value is not allowed"),
    "minimum": ("不能小于{n}", "Must be at least {n}"),
    "maximum": ("不能大于{n}", "Must be at most {n}"),
    "exclusiveMinimum": ("必须大于{n}", "Must be more than {n}"),
    "exclusiveMaximum": ("必须小于{n}", "Must be less than {n}"),
    "minItems": ("至少添加{n}项", "Add at least {n} entries"),
    "maxItems": ("最多添加{n}项", "Add at most {n} entries"),
    "uniqueItems": ("有重复的项", "There are duplicate entries"),
    "additionalProperties": ("包含表单以外的内容", "Contains fields the form does not have"),
    "unevaluatedProperties": ("包含表单以外的内容", "Contains fields the form does not have"),
    "format": ("填写格式不正确", "The format is not correct"),
}
_DEFAULT = ("填写内容不正确", "This value is not valid")


def _scope(data: Any, item: dict[str, Any] | None) -> Any:
    """The variables of an expression: the form data, plus ``$item`` inside a repeating group."""
    return {**data, "$item": item} if item is not None and isinstance(data, dict) else data


def visible_steps(
    definition: FormDefinition, data: dict[str, Any], *, today: date | None = None
) -> list[Step]:
    """The steps shown for this data, in order."""
    return [s for s in definition.ui.steps if s.when is None or truthy(evaluate(s.when, data, today=today))]


def hidden_paths(
    definition: FormDefinition, data: dict[str, Any], *, today: date | None = None
) -> list[DataPath]:
    """The data paths hidden by a step's or a widget's ``when``; everything under them is hidden too."""
    schema, hidden = definition.json_schema, []
    shown = {s.id for s in visible_steps(definition, data, today=today)}
    for step in definition.ui.steps:
        if step.id not in shown:
            hidden += [p for f in step.fields for p, _ in paths.expand(schema, f, data)]
    for path, widget in definition.ui.widgets.items():
        if widget.when is None:
            continue
        for concrete, item in paths.expand(schema, path, data):
            if not truthy(evaluate(widget.when, _scope(data, item), today=today)):
                hidden.append(concrete)
    return hidden


def _is_hidden(path: DataPath, hidden: list[DataPath]) -> bool:
    return any(paths.is_under(path, h) for h in hidden)


def validate(definition: FormDefinition, data: Any, *, today: date | None = None) -> list[FieldError]:
    """Every problem with visible fields of the data (a field hidden by a ``when`` is never required)."""
    data_dict = data if isinstance(data, dict) else {}
    hidden = hidden_paths(definition, data_dict, today=today)
    found: dict[tuple[str, str, str], FieldError] = {}
    validator = Draft202012Validator(definition.json_schema, format_checker=FORMAT_CHECKER)
    for error in validator.iter_errors(_with_required_objects(definition.json_schema, data)):
        for path, field_error in _describe(error):
            if not _is_hidden(path, hidden):
                found.setdefault((field_error.path, field_error.code, field_error.message_en), field_error)
    for path, field_error in _check_errors(definition, data_dict, today):
        if not _is_hidden(path, hidden):
            found.setdefault((field_error.path, field_error.code, field_error.message_en), field_error)
    return sorted(found.values(), key=lambda e: (e.path, e.code))


def _with_required_objects(root: dict[str, Any], data: Any, node: dict[str, Any] | None = None) -> Any:
    """A copy of the data where a missing required object is empty, so errors name its missing fields."""
    node = paths.resolve(root, root if node is None else node)
    if not isinstance(data, dict) or node.get("type") != "object":
        return data
    result = dict(data)
    for name, child in node.get("properties", {}).items():
        child = paths.resolve(root, child)
        if name not in result and name in node.get("required", []) and child.get("type") == "object":
            result[name] = {}
        if name in result:
            result[name] = _with_required_objects(root, result[name], child)
    return result


def _describe(error: ValidationError) -> Iterator[tuple[DataPath, FieldError]]:
    """Citizen-readable field errors for one JSON Schema error."""
    path: DataPath = tuple(error.absolute_path)
    keyword = str(error.validator)
    if keyword == "required" and isinstance(error.instance, dict):
        zh, en = _MESSAGES["required"]
        for name in error.validator_value:
            if name not in error.instance:
                yield (
                    (*path, name),
                    FieldError(path=paths.join((*path, name)), code=keyword, message_zh=zh, message_en=en),
                )
        return
    zh, en = _message(error)
    yield path, FieldError(path=paths.join(path), code=keyword, message_zh=zh, message_en=en)


def _message(error: ValidationError) -> tuple[str, str]:
    if error.validator == "format":
        if isinstance(error.cause, _FormatProblem):
            return error.cause.problem
        return _FORMAT_MESSAGES.get(str(error.validator_value), _MESSAGES["format"])
    zh, en = _MESSAGES.get(str(error.validator), _DEFAULT)
    value = error.validator_value
    return zh.format(n=value), en.format(n=value)


def _check_errors(
    definition: FormDefinition, data: dict[str, Any], today: date | None
) -> Iterator[tuple[DataPath, FieldError]]:
    """Cross-field checks; a check applies only when its field has a value."""
    for check in definition.ui.checks:
        for concrete, item in paths.expand(definition.json_schema, check.path, data):
            if paths.get(data, concrete) is None:
                continue
            if not truthy(evaluate(check.rule, _scope(data, item), today=today)):
                yield (
                    concrete,
                    FieldError(
                        path=paths.join(concrete),
                        code="check",
                        message_zh=check.message.zh,
                        message_en=check.message.en,
                    ),
                )


def prefill(
    definition: FormDefinition, identity: dict[str, Any], elicences: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Initial form data from the identity session (身份核验) and the citizen's e-licences (电子证照).

    ``identity.<field>`` reads the verified identity; ``elicence.<type>.<field>`` reads a field of the
    e-licence of that type (e.g. ``elicence.居民户口簿.address``). Missing sources leave the field empty.
    """
    data: dict[str, Any] = {}
    for path, source in definition.ui.prefill.items():
        kind, _, rest = source.partition(".")
        if kind == "identity":
            value = paths.get(identity, tuple(rest.split(".")))
        else:
            licence_type, _, field = rest.partition(".")
            value = paths.get(elicences.get(licence_type), tuple(field.split(".")))
        if value is not None:
            _put(data, tuple(paths.split(path)), value)
    return data


def compute(definition: FormDefinition, data: dict[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """A copy of the data with every computed field (计算字段) evaluated, in definition order."""
    result = copy.deepcopy(data)
    for path, expression in definition.ui.computed.items():
        for concrete, item in list(paths.expand(definition.json_schema, path, result)):
            value = evaluate(expression, _scope(result, item), today=today)
            if value is None:
                _discard(result, concrete)
            else:
                _put(result, concrete, value)
    return result


def strip_hidden(
    definition: FormDefinition, data: dict[str, Any], *, today: date | None = None
) -> dict[str, Any]:
    """A copy of the data without the values of hidden fields (stale answers are not submitted)."""
    result = copy.deepcopy(data)
    for path in sorted(hidden_paths(definition, data, today=today), key=len, reverse=True):
        _discard(result, path)
    return result


def _put(data: dict[str, Any], path: DataPath, value: Any) -> None:
    target: Any = data
    for part in path[:-1]:
        if isinstance(target, dict):
            target = target.setdefault(part, {})
        elif isinstance(target, list) and isinstance(part, int) and part < len(target):
            target = target[part]
        else:
            return  # the data has another shape here; validation reports it
    last = path[-1]
    if isinstance(target, list):
        if isinstance(last, int) and last < len(target):
            target[last] = value
    elif isinstance(target, dict):
        target[last] = value


def _discard(data: dict[str, Any], path: DataPath) -> None:
    parent = paths.get(data, path[:-1])
    if isinstance(parent, dict):
        parent.pop(path[-1], None)


def check_pinned(definition: FormDefinition, item_version: int, *, item_id: int | None = None) -> None:
    """Refuse a submission whose form was built for another item, or another version of the item."""
    if item_id is not None and definition.item_id != item_id:
        raise InvalidInput(
            f"form {definition.id} v{definition.version} belongs to item {definition.item_id}, not {item_id}",
            code="form_item_mismatch",
        )
    if definition.item_version != item_version:
        raise InvalidInput(
            f"form {definition.id} v{definition.version} was built for item version "
            f"{definition.item_version}, "
            f"the submission is for version {item_version}",
            code="form_version_mismatch",
        )


def check_submission(
    definition: FormDefinition,
    data: dict[str, Any],
    *,
    item_version: int,
    item_id: int | None = None,
    today: date | None = None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """The data as it will be stored (computed, hidden fields dropped) and its problems; checks pinning."""
    check_pinned(definition, item_version, item_id=item_id)
    computed = compute(definition, data, today=today)
    cleaned = strip_hidden(definition, computed, today=today)
    return cleaned, validate(definition, cleaned, today=today)
