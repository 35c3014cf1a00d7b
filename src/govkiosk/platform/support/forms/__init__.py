"""The form engine (表单引擎): form definitions, Chinese validators, validation, prefill and computed fields.

See docs/forms.md for the definition format.
"""

from govkiosk.platform.support.forms.definition import (
    FormDefinition,
    Step,
    UiSchema,
    Widget,
    definition_problems,
    parse_definition,
)
from govkiosk.platform.support.forms.engine import (
    FieldError,
    check_pinned,
    check_submission,
    compute,
    hidden_paths,
    prefill,
    strip_hidden,
    validate,
    visible_steps,
)
from govkiosk.platform.support.forms.expressions import ExpressionError, evaluate

__all__ = [
    "ExpressionError",
    "FieldError",
    "FormDefinition",
    "Step",
    "UiSchema",
    "Widget",
    "check_pinned",
    "check_submission",
    "compute",
    "definition_problems",
    "evaluate",
    "hidden_paths",
    "parse_definition",
    "prefill",
    "strip_hidden",
    "validate",
    "visible_steps",
]
