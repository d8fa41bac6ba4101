"""The operators of search rules on one value: SQL conditions over a single SQL expression.

``scalar(operator, x, value, where)`` returns ``(sql, params)`` testing the expression ``x``
(a column, a ``json_extract`` or the ``v`` of a ``json_each`` row) against ``value``. Negated
operators (``!=``, ``notIn``, ...) are built by ``ocean_harbor.rules`` from their positive twin.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ocean_harbor.errors import invalid

Sql = tuple[str, list[Any]]

MAX_NAME_LENGTH = 1024
SQLITE_INTEGERS = range(-(2**63), 2**63)


def checked_name(name: str, where: str) -> str:
    """A property or relation name that can be written into SQL: printable, UTF-8, not huge.

    Raises:
        HarborError: 422 naming the rule.
    """
    if len(name) > MAX_NAME_LENGTH or not name.isprintable() or not _utf8(name):
        raise invalid(
            f"{where} must be printable text of at most {MAX_NAME_LENGTH} characters, got {_shown(name)}."
        )
    return name


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which JSON's \uD800-style escapes can carry
        return False
    return True


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _text(value: Any, operator: str, where: str) -> str:
    if not isinstance(value, str):
        raise invalid(f"{where}.value must be a string for operator '{operator}', got {_shown(value)}.")
    if not _utf8(value):
        raise invalid(f"{where}.value is not valid Unicode text (a lone surrogate).")
    return value


def _list(value: Any, operator: str, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise invalid(f"{where}.value must be an array for operator '{operator}', got {_shown(value)}.")
    return value


def scalar(operator: str, x: str, value: Any, where: str) -> Sql:
    """A condition on one SQL expression ``x``."""
    build = SCALAR_OPERATORS.get(operator)
    if build is None:
        raise invalid(f"{where}.operator {_shown(operator)} is not a supported operator.")
    return build(x, value, where)


def _eq(x: str, v: Any, w: str) -> Sql:
    return (f"{x} IS NULL", []) if v is None else (f"{x} = ?", [_bindable(v, w)])


def _in(x: str, v: Any, w: str) -> Sql:
    values = [_bindable(item, w) for item in _list(v, "in", w)]
    return (f"{x} IN ({','.join('?' * len(values))})", values) if values else ("0", [])


def _compare(symbol: str) -> Callable[[str, Any, str], Sql]:
    def build(x: str, v: Any, w: str) -> Sql:
        return f"{x} {symbol} ?", [_bindable(v, w)]

    return build


def _between(x: str, v: Any, w: str) -> Sql:
    if not isinstance(v, dict) or "from" not in v or "to" not in v:
        raise invalid(f'{w}.value must be {{"from": ..., "to": ...}} for operator \'between\'.')
    return f"({x} >= ? AND {x} <= ?)", [_bindable(v["from"], w), _bindable(v["to"], w)]


def _contains(x: str, v: Any, w: str) -> Sql:
    return f"instr({x}, ?) > 0", [_text(v, "contains", w)]


def _begins(x: str, v: Any, w: str) -> Sql:
    text = _text(v, "beginsWith", w)
    return f"substr({x}, 1, {len(text)}) = ?", [text]


def _ends(x: str, v: Any, w: str) -> Sql:
    text = _text(v, "endsWith", w)
    return (f"{x} IS NOT NULL", []) if not text else (f"substr({x}, -{len(text)}) = ?", [text])


def _not_empty(x: str, v: Any, w: str) -> Sql:
    return f"({x} IS NOT NULL AND {x} != '')", []


def _bindable(value: Any, where: str) -> Any:
    """``value`` as SQLite can bind it; numbers beyond 64-bit integers compare as JSON's doubles."""
    if isinstance(value, dict | list):
        raise invalid(f"{where}.value must be a string, number or boolean, got {_shown(value)}.")
    if isinstance(value, int) and not isinstance(value, bool) and value not in SQLITE_INTEGERS:
        try:
            return float(value)
        except OverflowError:
            raise invalid(f"{where}.value is a number too large for JSON: {_shown(value)}.") from None
    if isinstance(value, str) and not _utf8(value):
        raise invalid(f"{where}.value is not valid Unicode text (a lone surrogate).")
    return value


SCALAR_OPERATORS: dict[str, Callable[[str, Any, str], Sql]] = {
    "=": _eq,
    "in": _in,
    ">": _compare(">"),
    "<": _compare("<"),
    ">=": _compare(">="),
    "<=": _compare("<="),
    "between": _between,
    "contains": _contains,
    "beginsWith": _begins,
    "endsWith": _ends,
    "isNotEmpty": _not_empty,
}
