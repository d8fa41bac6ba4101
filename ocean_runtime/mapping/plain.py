"""Expressions simple enough to evaluate in Python with jq's exact results.

Most mapping leaves are plain paths (``.full_name``, ``.owner.login``, ``.items[0]``) or
literals (``'"service"'``). Feeding a ~2 KB item to jq costs far more than the lookup itself,
so these never go to jq. The rules below mirror jq (``tests/runtime/mapping/test_fast_paths.py``
checks them against jq itself):

* ``.k`` on an object gives the value or null, on null gives null, on anything else is an
  *error* (``.a.b`` on ``{"a": 1}``), which the mapping reports like any jq error;
* ``.[n]`` on an array gives the element or null (negative counts from the end), on null gives
  null, on anything else is an error;
* the value comes out as jq would give it back: a fresh copy, integral floats as ints.

Anything else (a value jq would have to convert, e.g. a ``datetime`` or a tuple) raises
``NotPlain`` and the caller evaluates that one value with jq instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ocean_runtime.mapping.jq_parse import parse_tree
from ocean_runtime.mapping.jq_tree import Binary, Identity, Index, Literal, Negate, Node

_SAFE_INT = 2**53
_STRING_ONLY = frozenset({str})


class NotPlain(Exception):
    """The value needs jq's own conversion; evaluate it with jq instead."""


class PathError(Exception):
    """jq would raise an error here (e.g. indexing a number); the mapping treats it as null."""


@dataclass(frozen=True)
class PlainPath:
    """A path of object keys and array indices from the root, e.g. ``.a["b"][0]``."""

    steps: tuple[str | int, ...]

    def evaluate(self, value: Any) -> Any:
        """Returns what jq returns for this path on ``value``.

        Raises:
            PathError: jq raises an error for this input.
            NotPlain: the input holds values only jq can convert faithfully.
        """
        return to_jq_value(self.walk(value))

    def walk(self, value: Any) -> Any:
        """The value the path leads to, as it is in the input (not copied, not converted).

        Raises like ``evaluate``, except for what the found value holds.
        """
        for step in self.steps:
            if value is None:
                continue
            if isinstance(step, str):
                if isinstance(value, dict):
                    if step not in value and has_non_string_keys(value):
                        raise NotPlain  # jq would see the keys as strings: {1: x} has "1"
                    value = value.get(step)
                    continue
            elif isinstance(value, list):
                value = value[step] if -len(value) <= step < len(value) else None
                continue
            if isinstance(value, dict | list | str | int | float):
                raise PathError(f"Cannot index {jq_type(value)} with {jq_type(step)}")
            raise NotPlain
        return value


@dataclass(frozen=True)
class PlainComparison:
    """``PATH == LITERAL`` or ``PATH != LITERAL`` (``.archived == false``), with jq's equality."""

    path: PlainPath
    equal: bool
    literal: Any

    def __post_init__(self) -> None:
        # Selectors run on every item: read the path cheaply (see ``path_reader``).
        object.__setattr__(self, "_read", path_reader(self.path.steps))

    def evaluate(self, value: Any) -> bool:
        """Raises like ``PlainPath.evaluate``; else the comparison's result."""
        found = self._read(value)  # type: ignore[attr-defined]
        literal = self.literal
        if found is None or type(found) is bool:
            if literal is None or type(literal) is bool:
                return (found is literal) is self.equal
        elif isinstance(found, str) and type(literal) is str:
            return (found == literal) is self.equal  # a StrEnum is the string jq would see
        return jq_equal(to_jq_value(found), literal) is self.equal


def jq_equal(left: Any, right: Any) -> bool:
    """jq's ``==`` on jq values: same type and same value (``1 == 1.0``, but ``1 != true``)."""
    if isinstance(left, bool) or isinstance(right, bool) or left is None or right is None:
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if type(left) is not type(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(jq_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(jq_equal(left[key], right[key]) for key in left)
    return bool(left == right)


def plain_comparison(tree: Node | None) -> PlainComparison | None:
    """``PlainComparison`` for a tree ``PATH ==/!= LITERAL``, else None."""
    if not isinstance(tree, Binary) or tree.op not in ("==", "!="):
        return None
    path = plain_path(tree.left)
    if path is None or not is_literal(tree.right):
        return None
    literal = literal_value(tree.right)
    if isinstance(literal, int | float) and not isinstance(literal, bool) and abs(literal) > _SAFE_INT:
        return None  # jq compares such literals with its own precision
    return PlainComparison(path, tree.op == "==", literal)


def plain_path(tree: Node | None) -> PlainPath | None:
    """``PlainPath`` for a tree of constant index steps on the input (``.a["b"][0]``), else None."""
    steps: list[str | int] = []
    node = tree
    while isinstance(node, Index) and not node.optional:
        step = constant_step(node.key)
        if step is None:
            return None
        steps.append(step)
        node = node.target
    if not isinstance(node, Identity):
        return None
    return PlainPath(tuple(reversed(steps)))


def parse_plain_path(expression: str) -> PlainPath | None:
    """``PlainPath`` for a (quote-rewritten) path expression, else None."""
    return plain_path(parse_tree(expression))


def constant_step(key: Node) -> str | int | None:
    """An index step known without evaluating anything: ``"name"``, ``0``, ``-1``; else None."""
    if isinstance(key, Literal):
        if type(key.value) is str:
            return key.value
        if key.text is not None and type(key.value) is int and key.value <= _SAFE_INT:
            return key.value
    if isinstance(key, Negate) and isinstance(key.inner, Literal):
        step = constant_step(key.inner)
        if type(step) is int:
            return -step
    return None


def is_literal(tree: Node | None) -> bool:
    """True if the tree is a JSON scalar literal (``"x"``, ``1.5``, ``-1``, ``true``, ``null``)."""
    if isinstance(tree, Negate):
        return isinstance(tree.inner, Literal) and tree.inner.text is not None
    return isinstance(tree, Literal)


def literal_value(tree: Node) -> Any:
    """The value of a tree ``is_literal`` accepts."""
    if isinstance(tree, Negate):
        assert isinstance(tree.inner, Literal)
        return -tree.inner.value
    assert isinstance(tree, Literal)
    return tree.value


def path_reader(steps: tuple[str | int, ...]) -> Callable[[Any], Any]:
    """``PlainPath(steps).walk`` made cheap for the common case: object keys on objects.

    The returned function gives the value as it is in the input (not copied, not converted)
    and raises like ``PlainPath.walk``.
    """
    walk = PlainPath(steps).walk
    if not steps or not all(type(step) is str for step in steps):
        return walk
    if len(steps) == 1:
        (key,) = steps

        def read_key(value: Any) -> Any:
            if type(value) is dict:
                found = value.get(key)
                if found is not None or key in value or not has_non_string_keys(value):
                    return found
            return walk(value)

        return read_key
    keys = steps

    def read_keys(value: Any) -> Any:
        found = value
        for key in keys:
            if type(found) is not dict:
                return walk(value)  # null, an error or a conversion on the way: the full rules
            child = found.get(key)
            if child is None and (key not in found and has_non_string_keys(found)):
                return walk(value)
            found = child
        return found

    return read_keys


def to_jq_value(value: Any) -> Any:
    """A copy of ``value`` as jq would hand it back (integral floats become ints).

    Raises:
        NotPlain: ``value`` holds something jq would have to convert (tuples, dates, big or
            non-finite numbers, non-string keys).
    """
    kind = type(value)
    if kind is str or value is None or kind is bool:  # the common cases first, cheaply
        return value
    if kind is int and -_SAFE_INT <= value <= _SAFE_INT:
        return value
    if kind is list:
        return [item if type(item) is str else to_jq_value(item) for item in value]
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int):
        if -_SAFE_INT <= value <= _SAFE_INT:
            return value
        raise NotPlain
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) > _SAFE_INT:
            raise NotPlain
        return int(value) if value.is_integer() else value
    if isinstance(value, list):
        return [to_jq_value(item) for item in value]
    if isinstance(value, dict):
        copy = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotPlain
            copy[key] = to_jq_value(item)
        return copy
    raise NotPlain


def has_non_string_keys(obj: dict[Any, Any]) -> bool:
    """True if some key is not a plain ``str`` (jq sees such keys converted to strings)."""
    return not set(map(type, obj)) <= _STRING_ONLY


def make_json_compatible(value: Any) -> Any:
    """Dates become ISO strings and keys strings — what the reference does before retrying jq."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): make_json_compatible(item) for key, item in value.items()}
    if isinstance(value, list):
        return [make_json_compatible(item) for item in value]
    return value


def jq_type(value: Any) -> str:
    """The jq type name of a value (``null``, ``boolean``, ``number``, ``string``, ``array``, ``object``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
