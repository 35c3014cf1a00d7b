"""The form definition (表单定义): a JSON Schema 2020-12 data contract plus a UI schema; see docs/forms.md."""

import re
from collections.abc import Iterable
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.support.forms import expressions, paths

WidgetKind = Literal[
    "id_number",
    "phone",
    "region",
    "date",
    "choice",
    "group",
    "signature",
    "material",
    "text",
    "textarea",
    "number",
]
# JSON types each widget can edit; a widget on a field of another type is a definition error.
WIDGET_TYPES: dict[str, set[str]] = {
    "id_number": {"string"},
    "phone": {"string"},
    "region": {"string"},
    "date": {"string"},
    "choice": {"string", "integer", "number", "boolean", "array"},
    "group": {"array"},
    "signature": {"string"},
    "material": {"string", "array"},
    "text": {"string"},
    "textarea": {"string"},
    "number": {"number", "integer"},
}
_PREFILL_SOURCE = re.compile(r"^(identity\.[A-Za-z_]\w*|elicence\.[^.\s]+\.[A-Za-z_][\w.]*)$")
_ID = r"^[a-z][a-z0-9_-]{0,63}$"


class Text(BaseModel):
    """A text in Chinese and English."""

    model_config = ConfigDict(extra="forbid")

    zh: str = Field(min_length=1, max_length=500)
    en: str = Field(min_length=1, max_length=500)


class Step(BaseModel):
    """One screen of the form; shown only when its condition holds."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    title: Text
    fields: list[str] = Field(min_length=1, description="field paths, in display order")
    when: Any = Field(default=None, description="an expression; the step is shown when it is true")


class Widget(BaseModel):
    """How one field is edited, with the widget's options."""

    model_config = ConfigDict(extra="forbid")

    widget: WidgetKind
    label: Text | None = Field(default=None, description="defaults to the schema's title")
    help: Text | None = None
    when: Any = Field(default=None, description="an expression; the field is shown when it is true")
    readonly: bool = Field(default=False, description="shown but not editable (prefilled or computed)")
    options: dict[str, Text] | None = Field(default=None, description="choice: value -> label")
    material: str | None = Field(default=None, description="material: the item material it collects")
    root: str | None = Field(default=None, pattern=r"^\d{6}$", description="region: the picker's top")


class Check(BaseModel):
    """A cross-field rule: when ``rule`` is false the field at ``path`` gets ``message``."""

    model_config = ConfigDict(extra="forbid")

    path: str
    rule: Any
    message: Text


class UiSchema(BaseModel):
    """Steps, widgets, prefill sources, computed fields and cross-field checks."""

    model_config = ConfigDict(extra="forbid")

    steps: list[Step] = Field(min_length=1)
    widgets: dict[str, Widget] = Field(default_factory=dict)
    prefill: dict[str, str] = Field(
        default_factory=dict, description="field path -> identity.x | elicence.t.x"
    )
    computed: dict[str, Any] = Field(default_factory=dict, description="field path -> expression")
    checks: list[Check] = Field(default_factory=list)


class FormDefinition(BaseModel):
    """A versioned form for one version of one service item."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(pattern=_ID)
    version: int = Field(ge=1)
    item_id: int = Field(ge=0)
    item_version: int = Field(ge=1)
    json_schema: dict[str, Any] = Field(alias="schema")
    ui: UiSchema

    def to_json(self) -> dict[str, Any]:
        """The definition as JSON, with the schema under ``schema``."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


def parse_definition(
    raw: dict[str, Any] | FormDefinition, *, material_names: Iterable[str]
) -> FormDefinition:
    """A checked definition; `InvalidInput` lists every problem, each starting with the path it is about."""
    if isinstance(raw, FormDefinition):
        definition = raw
    else:
        try:
            definition = FormDefinition.model_validate(raw)
        except ValidationError as error:
            raise InvalidInput(_pydantic_message(error), code="form_definition_invalid") from error
    problems = definition_problems(definition, material_names=material_names)
    if problems:
        raise InvalidInput(
            "form definition is invalid: " + "; ".join(problems), code="form_definition_invalid"
        )
    return definition


def _pydantic_message(error: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
    return "form definition is invalid: " + "; ".join(parts)


def definition_problems(definition: FormDefinition, *, material_names: Iterable[str]) -> list[str]:
    """Everything wrong with a parsed definition, each message starting with its path."""
    try:
        Draft202012Validator.check_schema(definition.json_schema)
    except SchemaError as error:
        where = "/".join(str(p) for p in error.path)
        return [f"schema{'/' + where if where else ''}: not a valid JSON Schema 2020-12: {error.message}"]
    schema = definition.json_schema
    if paths.resolve(schema, schema).get("type") != "object":
        return ["schema: the root of a form schema must be of type object"]
    ui = definition.ui
    return [
        *_step_problems(schema, ui),
        *_widget_problems(schema, ui, set(material_names)),
        *_prefill_problems(schema, ui),
        *_expression_problems(schema, ui),
        *_coverage_problems(schema, ui),
    ]


def _missing(schema: dict[str, Any], where: str, path: str) -> list[str]:
    return (
        []
        if paths.schema_at(schema, path) is not None
        else [f"{where}: {path!r} is not a field of the schema"]
    )


def _step_problems(schema: dict[str, Any], ui: UiSchema) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for i, step in enumerate(ui.steps):
        if step.id in seen:
            problems.append(f"ui.steps.{i}.id: step id {step.id!r} is used twice")
        seen.add(step.id)
        for j, path in enumerate(step.fields):
            problems += _missing(schema, f"ui.steps.{i}.fields.{j}", path)
    return problems


def _widget_problems(schema: dict[str, Any], ui: UiSchema, materials: set[str]) -> list[str]:
    problems: list[str] = []
    for path, widget in ui.widgets.items():
        where = f"ui.widgets.{path}"
        node = paths.schema_at(schema, path)
        if node is None:
            problems.append(f"{where}: {path!r} is not a field of the schema")
            continue
        kinds = _types(node)
        if kinds and not kinds & WIDGET_TYPES[widget.widget]:
            problems.append(f"{where}: widget {widget.widget!r} cannot edit a field of type {sorted(kinds)}")
        problems += _widget_option_problems(schema, where, node, widget, materials)
    return problems


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("type")
    return {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else set()


def _widget_option_problems(
    schema: dict[str, Any], where: str, node: dict[str, Any], widget: Widget, materials: set[str]
) -> list[str]:
    if widget.widget == "material":
        if widget.material not in materials:
            return [
                f"{where}: material slot {widget.material!r} is not a material of the item "
                f"{sorted(materials)}"
            ]
    elif widget.widget == "choice":
        values = choice_values(schema, node)
        if widget.options is not None and set(widget.options) != {str(v) for v in values}:
            return [f"{where}: choice options {sorted(widget.options)} differ from the schema's enum"]
        if not values:
            return [f"{where}: a choice needs an enum (or oneOf of const) in the schema"]
    elif widget.widget == "group":
        items = paths.resolve(schema, node.get("items", {}))
        if items.get("type") != "object":
            return [f"{where}: a group edits an array of objects"]
    return []


def choice_values(schema: dict[str, Any], node: dict[str, Any]) -> list[Any]:
    """The values a choice field allows: its enum, its oneOf consts, or those of its array items."""
    if paths.is_array(node):
        node = paths.resolve(schema, node.get("items", {}))
    if "enum" in node:
        return list(node["enum"])
    return [
        option["const"] for option in node.get("oneOf", []) if isinstance(option, dict) and "const" in option
    ]


def _prefill_problems(schema: dict[str, Any], ui: UiSchema) -> list[str]:
    problems: list[str] = []
    for path, source in ui.prefill.items():
        where = f"ui.prefill.{path}"
        problems += _missing(schema, where, path)
        if not _PREFILL_SOURCE.match(source):
            problems.append(
                f"{where}: source {source!r} is neither identity.<field> nor elicence.<type>.<field>"
            )
        if paths.inside_array(schema, path):
            problems.append(f"{where}: a field inside a repeating group cannot be prefilled")
    return problems


def _expression_problems(schema: dict[str, Any], ui: UiSchema) -> list[str]:
    located: list[tuple[str, Any]] = [(f"ui.steps.{i}.when", s.when) for i, s in enumerate(ui.steps)]
    located += [(f"ui.widgets.{p}.when", w.when) for p, w in ui.widgets.items()]
    located += [(f"ui.computed.{p}", e) for p, e in ui.computed.items()]
    located += [(f"ui.checks.{i}.rule", c.rule) for i, c in enumerate(ui.checks)]
    problems = [m for p in ui.computed for m in _missing(schema, f"ui.computed.{p}", p)]
    problems += [m for i, c in enumerate(ui.checks) for m in _missing(schema, f"ui.checks.{i}.path", c.path)]
    for where, expression in located:
        found = expressions.check(expression)
        problems += [f"{where}: {message}" for message in found]
        if not found:
            problems += [f"{where}: {m}" for m in _variable_problems(schema, expression)]
    return problems


def _variable_problems(schema: dict[str, Any], expression: Any) -> list[str]:
    problems = []
    for name in sorted(expressions.variables(expression)):
        field = ".".join(p for p in name.removeprefix("$item.").split(".") if not p.isdigit())
        if not name.startswith("$item.") and paths.schema_at(schema, field) is None:
            problems.append(f"variable {name!r} is not a field of the schema")
    return problems


def _coverage_problems(schema: dict[str, Any], ui: UiSchema) -> list[str]:
    covered = [paths.split(f) for step in ui.steps for f in step.fields]
    exempt = set(ui.computed)
    problems = []
    for path in paths.required_paths(schema):
        segments = paths.split(path)
        # covered when a step shows the field, a group or object around it, or a field inside it
        if path not in exempt and not any(
            segments[: len(c)] == c or c[: len(segments)] == segments for c in covered
        ):
            problems.append(f"schema: required field {path!r} is in no step")
    return problems
