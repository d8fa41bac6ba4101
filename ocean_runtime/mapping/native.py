"""A subset of jq compiled from the expression's tree (``jq_parse``) to Python functions.

Handing an item to jq costs far more than what most mapping expressions do with it, so the
common shapes are evaluated in Python: paths and literals (``plain``), and, here, what is built
from them with

* string interpolation ``"\\(.a)/\\(.b)"`` and ``tostring``,
* ``+``, the comparisons ``== != < <= > >=``, ``and``, ``or``, ``not``, ``//``,
* ``if … then … elif … else … end`` (``else`` optional), pipes ``|``, parentheses, ``[f]``,
* ``map(f)``, ``length``, ``ascii_downcase``, ``ascii_upcase``.

Every construct of the subset gives exactly one output or an error, and none loops or grows
faster than its input: native evaluation is bounded by construction (so its rare fallbacks to
jq, for a value it cannot decide on, are too). A compiled expression is a function
``input → value`` that

* returns the value jq would give first (a fresh copy, as ``plain.to_jq_value`` makes it);
* raises ``PathError`` exactly when jq raises an error (``.a.b`` on a number, ``"a" + 1``);
* raises ``NotPlain`` when the input holds something it cannot decide on with certainty (a
  float to print, an object to add, a date...) — the caller then asks jq for that item.

Inside an expression, values keep their floats as floats: jq prints a number as it was written
(``2.0`` read from the input, or the literal ``1.0``, interpolate as ``"2.0"``, ``1e3`` as
``"1E+3"``), so only the final result turns integral floats into ints (as jq's output does),
and ``tostring`` leaves every float to jq.

Anything outside the subset is not compiled (``compile_native`` returns None) and goes to jq.
``tests/runtime/mapping/test_native.py`` checks every construct against jq itself, and
``test_differential_fuzz.py`` random expressions of the whole subset.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from ocean_runtime.mapping.jq_parse import parse_tree
from ocean_runtime.mapping.jq_tree import (
    Binary,
    Call,
    Collect,
    Identity,
    If,
    Index,
    Literal,
    Node,
    Pipe,
    Text,
)
from ocean_runtime.mapping.plain import (
    NotPlain,
    PathError,
    constant_step,
    has_non_string_keys,
    jq_equal,
    jq_type,
    path_reader,
    to_jq_value,
)

Evaluator = Callable[[Any], Any]
_JSON_TYPES = (type(None), bool, int, float, str, list, dict)
_LOWER = MappingProxyType(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))
_UPPER = MappingProxyType(str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
_SAFE_INT = 2**53


class _Unsupported(Exception):
    """The expression uses something outside the subset."""


class NativeExpression:
    """A compiled expression of the subset.

    Attributes:
        text: the expression.
        evaluate: ``input → value`` as described in the module docstring.
        evaluate_unfinished: the same before the final conversion (integral floats may still
            be floats; containers are fresh copies), for callers that convert themselves.
    """

    __slots__ = ("evaluate", "evaluate_unfinished", "text")

    def __init__(self, text: str, evaluate: Evaluator) -> None:
        self.text = text
        self.evaluate_unfinished = evaluate
        self.evaluate = _finished(evaluate)


def compile_native(expression: str) -> NativeExpression | None:
    """Compiles a (quote-rewritten) expression of the subset; None when it is outside it."""
    return compile_tree(expression, parse_tree(expression))


def compile_tree(text: str, tree: Node | None) -> NativeExpression | None:
    """Compiles an expression's tree; None when something in it is outside the subset."""
    if tree is None:
        return None
    try:
        evaluate = _compile(tree)
    except (_Unsupported, RecursionError):
        return None
    return NativeExpression(text, evaluate)


def _finished(evaluate: Evaluator) -> Evaluator:
    return lambda data: to_jq_value(evaluate(data))


def checked(value: Any) -> Any:
    """A copy of a value read from the input, with floats kept as they are.

    Raises:
        NotPlain: it holds something jq would have to convert (see ``plain.to_jq_value``).
    """
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is list:
        return [item if type(item) is str else checked(item) for item in value]
    # Subclasses (a StrEnum, an IntEnum) become the exact type jq would see through JSON, so
    # the operations below can rely on `type(x) is str` and friends.
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        if -_SAFE_INT <= value <= _SAFE_INT:
            return int(value)
        raise NotPlain
    if isinstance(value, float):
        if value != value or abs(value) > _SAFE_INT:  # nan, infinities, huge
            raise NotPlain
        return float(value)
    if isinstance(value, list):
        return [checked(item) for item in value]
    if isinstance(value, dict):
        if has_non_string_keys(value):
            raise NotPlain
        return {key: checked(item) for key, item in value.items()}
    raise NotPlain


# -- jq's operations on jq values -----------------------------------------------------------


def truthy(value: Any) -> bool:
    """jq's truth: everything but ``null`` and ``false``."""
    return value is not None and value is not False


def tostring(value: Any) -> str:
    """``tostring``: strings as they are, scalars as JSON; floats and containers go to jq."""
    if type(value) is str:
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int and -_SAFE_INT <= value <= _SAFE_INT:
        return str(value)
    raise NotPlain  # jq's number and JSON formatting is left to jq


def add(left: Any, right: Any) -> Any:
    """``left + right``: null is neutral; numbers, strings and arrays of the same type add."""
    if left is None:
        return right
    if right is None:
        return left
    kind = type(left)
    if kind is str and type(right) is str:
        return left + right
    if kind is list and type(right) is list:
        return left + right
    if kind in (int, float) and type(right) in (int, float):
        return checked(left + right)
    if kind is dict and type(right) is dict:
        raise NotPlain  # object merge: key order is jq's business
    raise PathError(f"{jq_type(left)} and {jq_type(right)} cannot be added")


def _rank(value: Any) -> int:
    if value is None:
        return 0
    if value is False:
        return 1
    if value is True:
        return 2
    kind = type(value)
    if kind is int or kind is float:
        return 3
    if kind is str:
        return 4
    if kind is list:
        return 5
    return 6


def compare(left: Any, right: Any) -> int:
    """jq's order: null < false < true < numbers < strings < arrays < objects."""
    left_rank, right_rank = _rank(left), _rank(right)
    if left_rank != right_rank:
        return -1 if left_rank < right_rank else 1
    if left_rank == 3:
        return -1 if left < right else (1 if left > right else 0)
    if left_rank == 4:
        # Code-point order is jq's byte order for valid text; lone surrogates are jq's call.
        if not (left.isascii() and right.isascii()) and not (_valid_text(left) and _valid_text(right)):
            raise NotPlain
        return -1 if left < right else (1 if left > right else 0)
    if left_rank >= 5:
        raise NotPlain
    return 0


def _valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False  # a lone surrogate: jq would have replaced it
    return True


_NUMBERS = (int, float)
_NUMERIC_ORDERINGS: Mapping[str, Callable[[Any, Any], bool]] = MappingProxyType(
    {
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
    }
)
_ORDERINGS: Mapping[str, Callable[[int], bool]] = MappingProxyType(
    {
        "<": lambda order: order < 0,
        "<=": lambda order: order <= 0,
        ">": lambda order: order > 0,
        ">=": lambda order: order >= 0,
    }
)


def _length(value: Any) -> Any:
    if value is None:
        return 0
    kind = type(value)
    if kind is str or kind is list:
        return len(value)
    if kind is dict:
        if has_non_string_keys(value):
            raise NotPlain
        return len(value)
    if kind is int or kind is float:
        return abs(value)
    if kind is bool:
        raise PathError("boolean has no length")
    raise NotPlain


def _case(table: Mapping[int, int], name: str) -> Evaluator:
    def convert(value: Any) -> Any:
        if type(value) is str:
            return value.translate(table)
        if isinstance(value, _JSON_TYPES):
            raise PathError(f"{name} input must be a string")
        raise NotPlain

    return convert


def _not(value: Any) -> bool:
    return not truthy(value)


_FUNCTIONS: Mapping[str, Evaluator] = MappingProxyType(
    {
        "length": _length,
        "not": _not,
        "tostring": tostring,
        "ascii_downcase": _case(_LOWER, "ascii_downcase"),
        "ascii_upcase": _case(_UPPER, "ascii_upcase"),
    }
)


# -- combinators: small closures, the per-item hot path --------------------------------------


def _constant(value: Any) -> Evaluator:
    if isinstance(value, list | dict):
        text = json.dumps(value)
        return lambda data: json.loads(text)  # a fresh copy every time

    def constant(data: Any) -> Any:
        return value

    constant.constant = value  # type: ignore[attr-defined]  # lets `+` inline string constants
    return constant


def _pipe(left: Evaluator, right: Evaluator) -> Evaluator:
    return lambda data: right(left(data))


def _alternative(left: Evaluator, right: Evaluator) -> Evaluator:
    def alternative(data: Any) -> Any:
        value = left(data)  # an error on the left is not swallowed (jq 1.7+)
        return value if value is not None and value is not False else right(data)

    return alternative


def _and(left: Evaluator, right: Evaluator) -> Evaluator:
    return lambda data: truthy(left(data)) and truthy(right(data))


def _or(left: Evaluator, right: Evaluator) -> Evaluator:
    return lambda data: truthy(left(data)) or truthy(right(data))


def _comparison(operator: str, left: Evaluator, right: Evaluator) -> Evaluator:
    if operator == "==":
        return lambda data: jq_equal(left(data), right(data))
    if operator == "!=":
        return lambda data: not jq_equal(left(data), right(data))
    holds = _ORDERINGS[operator]
    numeric = _NUMERIC_ORDERINGS[operator]

    def ordered(data: Any) -> bool:
        first, second = left(data), right(data)
        if type(first) in _NUMBERS and type(second) in _NUMBERS:
            return numeric(first, second)  # checked values: finite, no bools
        return holds(compare(first, second))

    return ordered


def _sum(operands: list[Evaluator]) -> Evaluator:
    """``a + b + c ...`` (left to right).

    Generated as one small function with string constants inlined: concatenating strings
    (``.org + "/" + .name``) is the common case and is done in one expression; anything else
    is folded with ``add``.
    """
    if len(operands) == 1:
        return operands[0]
    namespace: dict[str, Any] = {"_fold": _fold_sum}
    reads, terms, checks = [], [], []
    for position, operand in enumerate(operands):
        constant = getattr(operand, "constant", None)
        if type(constant) is str:
            namespace[f"c{position}"] = constant
            terms.append(f"c{position}")
        else:
            namespace[f"o{position}"] = operand
            reads.append(f"v{position} = o{position}(data)")
            terms.append(f"v{position}")
            checks.append(f"type(v{position}) is str")
    if not reads:
        return _constant("".join(namespace[term] for term in terms))
    source = (
        "def summed(data):\n"
        f"    {'; '.join(reads)}\n"
        f"    if {' and '.join(checks)}:\n"
        f"        return {' + '.join(terms)}\n"
        f"    return _fold([{', '.join(terms)}])\n"
    )
    exec(source, namespace)  # noqa: S102 - our own text: names and positions only
    summed: Evaluator = namespace["summed"]
    return summed


def _fold_sum(values: list[Any]) -> Any:
    total = values[0]
    for value in values[1:]:
        total = add(total, value)
    return total


def _interpolation(literals: list[str], parts: list[Evaluator]) -> Evaluator:
    if len(parts) == 1:
        before, after = literals
        only = parts[0]

        def interpolate_one(data: Any) -> str:
            value = only(data)
            return before + (value if type(value) is str else tostring(value)) + after

        return interpolate_one
    if len(parts) == 2:
        first_text, middle, last_text = literals
        first, second = parts

        def interpolate_two(data: Any) -> str:
            one, two = first(data), second(data)
            return (
                first_text
                + (one if type(one) is str else tostring(one))
                + middle
                + (two if type(two) is str else tostring(two))
                + last_text
            )

        return interpolate_two

    def interpolate(data: Any) -> str:
        pieces = [literals[0]]
        for part, literal in zip(parts, literals[1:], strict=True):
            pieces.append(tostring(part(data)))
            pieces.append(literal)
        return "".join(pieces)

    return interpolate


def _conditional(branches: list[tuple[Evaluator, Evaluator]], otherwise: Evaluator) -> Evaluator:
    def conditional(data: Any) -> Any:
        for test, then in branches:
            if truthy(test(data)):
                return then(data)
        return otherwise(data)

    return conditional


def _map(function: Evaluator) -> Evaluator:
    def mapped(data: Any) -> Any:
        if type(data) is list:
            return [function(element) for element in data]
        if isinstance(data, dict | tuple) or not isinstance(data, _JSON_TYPES):
            raise NotPlain  # object values / converted input: jq's iteration order and conversion
        raise PathError(f"Cannot iterate over {jq_type(data)}")

    return mapped


def _path(term: Evaluator | None, steps: tuple[str | int, ...]) -> Evaluator:
    """Index steps after a term; ``term`` None means the input itself."""
    if term is None and not steps:
        return checked
    walk = path_reader(steps)
    if term is None and len(steps) == 1 and type(steps[0]) is str:
        key = steps[0]

        def read_key(data: Any) -> Any:
            if type(data) is dict:
                value: Any = data.get(key)
                kind = type(value)
                if kind is str or kind is bool or (kind is int and -_SAFE_INT <= value <= _SAFE_INT):
                    return value
            return checked(walk(data))

        return read_key
    if term is None:
        return lambda data: checked(walk(data))
    if not steps:
        return term
    return lambda data: checked(walk(term(data)))


def _identity_collect(inner: Evaluator) -> Evaluator:
    return lambda data: [inner(data)]


# -- the tree → combinators -------------------------------------------------------------------


def _compile(node: Node) -> Evaluator:
    if isinstance(node, Identity):
        return checked
    if isinstance(node, Index):
        return _compile_path(node)
    if isinstance(node, Literal):
        return _constant(_literal(node))
    if isinstance(node, Text) and node.format is None:
        return _compile_text(node)
    if isinstance(node, Pipe):
        return _pipe(_compile(node.left), _compile(node.right))
    if isinstance(node, Binary):
        return _compile_binary(node)
    if isinstance(node, If):
        branches = [(_compile(test), _compile(then)) for test, then in node.branches]
        otherwise = checked if node.otherwise is None else _compile(node.otherwise)  # no else: `.`
        return _conditional(branches, otherwise)
    if isinstance(node, Collect):
        return _constant([]) if node.inner is None else _identity_collect(_compile(node.inner))
    if isinstance(node, Call):
        if node.name == "map" and len(node.args) == 1:
            return _map(_compile(node.args[0]))
        if node.name in _FUNCTIONS and not node.args:
            return _FUNCTIONS[node.name]
    raise _Unsupported


def _literal(node: Literal) -> Any:
    """A literal's value; numbers jq would print differently from Python are floats or refused."""
    value = node.value
    if node.text is None:
        return value
    if type(value) is int and value <= _SAFE_INT:
        return value
    if isinstance(value, float) and math.isfinite(value) and abs(value) <= _SAFE_INT:
        return value  # a float: `tostring` and interpolation leave it to jq (`1.0`, `1E+3`)
    raise _Unsupported


def _compile_path(node: Index) -> Evaluator:
    """``T.a.b[0]``: the longest chain of constant, non-optional steps on one term."""
    steps: list[str | int] = []
    term: Node = node
    while isinstance(term, Index):
        if term.optional:
            raise _Unsupported
        steps.append(_constant_step(term.key))
        term = term.target
    steps.reverse()
    base = None if isinstance(term, Identity) else _compile(term)
    return _path(base, tuple(steps))


def _constant_step(key: Node) -> str | int:
    step = constant_step(key)
    if step is None:
        raise _Unsupported  # computed indices and slices are jq's
    return step


def _compile_text(node: Text) -> Evaluator:
    literals: list[str] = [""]
    parts: list[Evaluator] = []
    for piece in node.pieces:
        if isinstance(piece, str):
            literals[-1] += piece
        else:
            parts.append(_compile(piece))
            literals.append("")
    return _interpolation(literals, parts)


def _compile_binary(node: Binary) -> Evaluator:
    if node.op == "+":
        operands: list[Node] = []
        term: Node = node
        while isinstance(term, Binary) and term.op == "+":
            operands.append(term.right)
            term = term.left
        operands.append(term)
        return _sum([_compile(operand) for operand in reversed(operands)])
    left, right = _compile(node.left), _compile(node.right)
    if node.op in ("==", "!=", "<", "<=", ">", ">="):
        return _comparison(node.op, left, right)
    if node.op == "and":
        return _and(left, right)
    if node.op == "or":
        return _or(left, right)
    if node.op == "//":
        return _alternative(left, right)
    raise _Unsupported
