"""The form expression language (表达式): a small, safe JSON-Logic dialect for conditions and computed fields.

An expression is JSON: a literal (string, number, boolean, null), a list of expressions, or an object
with exactly one operator whose value is its argument list (one argument may be given bare):
``{"==": [{"var": "claim.claimant"}, "spouse"]}``. Nothing is ever passed to Python's ``eval``; only the
operators in `ARITY` exist, and nesting deeper than `MAX_DEPTH` is refused.

Comparisons and arithmetic never raise on citizen data: comparing a number with a string is false,
arithmetic on a missing or non-numeric value gives null. Only a malformed expression raises
`ExpressionError`, and `check` finds those before a definition is accepted.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from govkiosk.platform.support.forms.validators import age_on, china_today, id_birth_date, id_sex

MAX_DEPTH = 32
# operator -> (fewest, most) arguments; None means any number
ARITY: dict[str, tuple[int, int | None]] = {
    "var": (1, 2),
    "==": (2, 2),
    "!=": (2, 2),
    "<": (2, 3),
    "<=": (2, 3),
    ">": (2, 2),
    ">=": (2, 2),
    "and": (1, None),
    "or": (1, None),
    "!": (1, 1),
    "not": (1, 1),
    "in": (2, 2),
    "+": (0, None),
    "-": (1, 2),
    "*": (1, None),
    "cat": (0, None),
    "if": (1, None),
    "count": (1, 1),
    "today": (0, 0),
    "age": (1, 2),
    "birth_date": (1, 1),
    "sex": (1, 1),
}


class ExpressionError(ValueError):
    """A malformed expression: unknown operator, wrong number of arguments or too deep."""


@dataclass(frozen=True)
class _Context:
    data: Any
    today: date


def evaluate(expression: Any, data: Any, *, today: date | None = None) -> Any:
    """The value of an expression over form data (``today`` defaults to today's date in China)."""
    return _eval(expression, _Context(data, today or china_today()), 0)


def truthy(value: Any) -> bool:
    """JSON-Logic truthiness: null, false, 0, "" and [] are false."""
    return bool(value)


def _operation(expression: dict[str, Any], depth: int) -> tuple[str, list[Any]]:
    if depth > MAX_DEPTH:
        raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels")
    if len(expression) != 1:
        raise ExpressionError(f"an operation has exactly one operator, got {sorted(expression)}")
    ((operator, raw),) = expression.items()
    if operator not in ARITY:
        raise ExpressionError(f"unknown operator {operator!r}")
    args = raw if isinstance(raw, list) else [raw]
    fewest, most = ARITY[operator]
    if len(args) < fewest or (most is not None and len(args) > most):
        raise ExpressionError(
            f"operator {operator!r} takes {fewest}..{most or 'any'} arguments, got {len(args)}"
        )
    return operator, args


def _eval(expression: Any, ctx: _Context, depth: int) -> Any:
    if isinstance(expression, list):
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels")
        return [_eval(e, ctx, depth + 1) for e in expression]
    if not isinstance(expression, dict):
        return expression
    operator, args = _operation(expression, depth)
    if operator in _LAZY:
        return _LAZY[operator](args, ctx, depth + 1)
    values = [_eval(a, ctx, depth + 1) for a in args]
    return _EAGER[operator](values, ctx)


def _and(args: list[Any], ctx: _Context, depth: int) -> Any:
    value = None
    for arg in args:
        value = _eval(arg, ctx, depth)
        if not truthy(value):
            return value
    return value


def _or(args: list[Any], ctx: _Context, depth: int) -> Any:
    value = None
    for arg in args:
        value = _eval(arg, ctx, depth)
        if truthy(value):
            return value
    return value


def _if(args: list[Any], ctx: _Context, depth: int) -> Any:
    for i in range(0, len(args) - 1, 2):
        if truthy(_eval(args[i], ctx, depth)):
            return _eval(args[i + 1], ctx, depth)
    return _eval(args[-1], ctx, depth) if len(args) % 2 else None


def _var(values: list[Any], ctx: _Context) -> Any:
    name, default = values[0], values[1] if len(values) > 1 else None
    data = ctx.data
    for part in str(name).split(".") if name not in (None, "") else []:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            data = None
        if data is None:
            return default
    return data


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _comparable(a: Any, b: Any) -> bool:
    return (_number(a) and _number(b)) or (isinstance(a, str) and isinstance(b, str))


def _compare(test: Callable[[Any, Any], bool]) -> Callable[[list[Any], _Context], bool]:
    def compare(values: list[Any], ctx: _Context) -> bool:
        pairs = list(zip(values, values[1:], strict=False))
        return all(_comparable(a, b) and test(a, b) for a, b in pairs)

    return compare


def _arithmetic(values: list[Any], combine: Callable[[list[Any]], Any]) -> Any:
    return combine(values) if all(_number(v) for v in values) else None


def _product(values: list[Any]) -> Any:
    result: Any = 1
    for value in values:
        result *= value
    return result


def _in(values: list[Any], ctx: _Context) -> bool:
    needle, haystack = values
    if isinstance(haystack, str):
        return isinstance(needle, str) and needle in haystack
    return isinstance(haystack, list) and needle in haystack


def _birth(value: Any) -> date | None:
    """A birth date from an ID number or an ISO date string; None when it is neither."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else id_birth_date(value)
    except ValueError:
        return None


def _age(values: list[Any], ctx: _Context) -> int | None:
    born = _birth(values[0])
    on = _birth(values[1]) if len(values) > 1 else ctx.today
    return age_on(born, on) if born and on else None


def _sex(values: list[Any], ctx: _Context) -> str | None:
    try:
        return id_sex(values[0]) if isinstance(values[0], str) else None
    except ValueError:
        return None


def _birth_date(values: list[Any], ctx: _Context) -> str | None:
    born = _birth(values[0]) if isinstance(values[0], str) and len(values[0]) == 18 else None
    return born.isoformat() if born else None


_LAZY: dict[str, Callable[[list[Any], _Context, int], Any]] = {"and": _and, "or": _or, "if": _if}
_EAGER: dict[str, Callable[[list[Any], _Context], Any]] = {
    "var": _var,
    "==": lambda v, c: v[0] == v[1],
    "!=": lambda v, c: v[0] != v[1],
    "<": _compare(lambda a, b: a < b),
    "<=": _compare(lambda a, b: a <= b),
    ">": _compare(lambda a, b: a > b),
    ">=": _compare(lambda a, b: a >= b),
    "!": lambda v, c: not truthy(v[0]),
    "not": lambda v, c: not truthy(v[0]),
    "in": _in,
    "+": lambda v, c: _arithmetic(v, sum),
    "-": lambda v, c: _arithmetic(v, lambda n: n[0] - n[1] if len(n) == 2 else -n[0]),
    "*": lambda v, c: _arithmetic(v, _product),
    "cat": lambda v, c: "".join("" if x is None else str(x) for x in v),
    "count": lambda v, c: len(v[0]) if isinstance(v[0], list) else 0,
    "today": lambda v, c: c.today.isoformat(),
    "age": _age,
    "birth_date": _birth_date,
    "sex": _sex,
}


def check(expression: Any) -> list[str]:
    """What is malformed in an expression, without evaluating it; empty when it is well formed."""
    try:
        list(_walk(expression, 0))
    except ExpressionError as error:
        return [str(error)]
    return []


def variables(expression: Any) -> set[str]:
    """The literal variable names an expression reads (``{"var": "a.b"}`` gives ``a.b``)."""
    return set(_walk(expression, 0))


def _walk(expression: Any, depth: int) -> Iterator[str]:
    if isinstance(expression, list):
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels")
        for item in expression:
            yield from _walk(item, depth + 1)
        return
    if not isinstance(expression, dict):
        return
    operator, args = _operation(expression, depth)
    if operator == "var" and isinstance(args[0], str):
        yield args[0]
    for arg in args:
        yield from _walk(arg, depth + 1)
