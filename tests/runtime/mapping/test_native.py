"""The jq subset evaluated in Python (``native``) must give exactly what jq gives.

Every expression below runs on every input through jq itself and through ``compile_native``:
a native value must be jq's first output (same JSON text: 1 is not 1.0, key order counts), a
native error must be a jq error; ``NotPlain`` (the native side leaving that input to jq) is
allowed but must stay the exception.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

import pytest

from ocean_runtime.mapping.jq_expr import NoOutput, compile_jq, first_output, rewrite_single_quotes
from ocean_runtime.mapping.jq_parse import parse_tree
from ocean_runtime.mapping.native import compile_native
from ocean_runtime.mapping.plain import NotPlain, PathError, plain_comparison
from ocean_runtime.mapping.plan import CompiledExpression, Strategy


class Colour(StrEnum):
    RED = "red"


class Size(IntEnum):
    BIG = 1000


INPUTS: list[Any] = [
    {
        "a": {"b": {"c": 1}, "k": "v"},
        "xs": [1, {"k": "v"}, None],
        "ws": ["ab", "Cd", "É-z"],
        "s": "text",
        "n": 3,
        "f": 2.0,
        "g": 0.1,
        "t": True,
        "no": False,
        "z": 0,
        "e": "",
    },
    {"a": {"b": None}, "xs": [], "ws": [], "s": "", "n": 0, "f": -1.5, "t": False, "e": "x"},
    {"a": {"b": 5}, "xs": "not-a-list", "ws": "AbC", "s": None, "n": -7, "t": None},
    {"a": 1, "xs": {"0": "zero"}, "ws": [1, None, True], "s": "Ünïcödé 🚀", "n": 2**60, "f": 1e300},
    {"a": None, "s": "ABC xyz", "n": 1.5, "ws": [[1], {"k": 2}]},
    {"a": [1, 2], "s": "u", "n": 1000, "xs": [1, 2], "ws": ["a", "b"]},
    {"a": "str", "s": 'a\u007fb"c\\d\n', "n": 100, "t": 1},
    {"a": True, "s": "zz", "n": 99.5, "f": 3.0},
    {"a-b": 1, "a b": 2, "é": 3, "end": 4, "s": "v"},
    {"s": ("t", 1), "n": datetime(2024, 5, 1, 12, 0), "a": {1: "int key"}, "xs": ("a", "b")},
    {"s": Colour.RED, "n": Size.BIG, "ws": [Colour.RED, "x"], "e": Colour.RED},
    {},
    None,
    [1, 2, 3],
    "top-level string",
    7,
    True,
]

SUPPORTED = [
    # paths and literals
    ".",
    ".a",
    ".a.b",
    ".a.b.c",
    ".xs[0]",
    ".xs[-1]",
    ".xs[1].k",
    '.["a"]',
    '.a["b"]',
    '."a-b"',
    '.["a b"]',
    ".a | .b",
    ".a | .b | .c",
    "(.a).b",
    "(.xs)[1].k",
    ".a.[0]",
    '"x"',
    "1e3",
    "1.0",
    "true",
    "null",
    "[]",
    # string interpolation and tostring
    '"\\(.s)"',
    '"\\(.n)-\\(.s)"',
    '"x\\(.a.b)y"',
    '"\\(.f)"',
    '"\\(.t)|\\(.no)|\\(.missing)"',
    '"\\(.xs)"',
    '"\\t\\(.s)\\u00e9\\"q\\""',
    '"https://github.com/\\(.s)/tree/\\(.e)"',
    ".s | tostring",
    ".n | tostring",
    ".t | tostring",
    ".xs | tostring",
    ".a.b | tostring",
    # +
    '.s + "x"',
    '"x" + .s + "y"',
    ".s + .n",
    ".n + .n",
    ".n + 1",
    ".f + .g",
    ".xs + .xs",
    ".ws + .ws",
    ".a + .a",
    ".missing + .s",
    ".s + null",
    "null + null",
    ".t + .t",
    ".t + null",
    '.s + ":" + .e',
    '"a" + "b"',
    '.s + "-" + .n',
    '"x" + null + .s',
    ".n + 1 + .f",
    # comparisons and logic
    ".n == 3",
    ".n != 3",
    ".n >= 1",
    ".n < 1.5",
    ".n > 99",
    '.s < "u"',
    '.s >= "text"',
    ".s >= .n",
    ".missing < 0",
    ".t > false",
    ".no <= .t",
    ".xs < .s",
    ".xs == .xs",
    ".a == .a",
    ".f == 2",
    ".t and .n",
    ".missing or .s",
    ".no or .z",
    ".n | not",
    "(.t and .missing) or .s",
    ".s.x and true",
    "false and .s.x",
    # alternatives
    '.missing // "d"',
    '.a.b.c // "d"',
    '.s.x // "caught"',
    ".t // 1",
    ".no // .z",
    "false // null",
    ".missing.deep // .s",
    '(.s | ascii_downcase) // "d"',
    '.e // "empty string is truthy"',
    # conditionals
    'if .n > 1 then "big" elif .n == 0 then "zero" else "small" end',
    "if .t then .s end",
    "if .s.x then 1 else 2 end",
    'if .n >= 1000 then "high" elif .n >= 100 then "medium" else "low" end',
    # map, length, case
    ".xs | map(tostring)",
    ".ws | map(ascii_upcase)",
    ".xs | map(.k)",
    '.ws | map("topic:" + .)',
    ".a | map(.)",
    ".s | map(.)",
    ".s | length",
    ".xs | length",
    ".a | length",
    ".n | length",
    ".f | length",
    ".t | length",
    ".missing | length",
    ".s | ascii_downcase",
    ".n | ascii_downcase",
    "[.s]",
    "[.n] + [.s]",
]

UNSUPPORTED = [
    ".xs[]",
    ".a, .b",
    "select(.t)",
    ".xs[1:]",
    ".a as $x | $x",
    "try .a catch 1",
    ".a?",
    "{a: .s}",
    ".n - 1",
    ".n * 2",
    '"\\(.xs[])"',
    "env.HOME",
    "$ENV.HOME",
    "..",
    "@base64",
    "keys",
    "empty",
    "first(.xs[])",
    "def f: .; f",
    ".a.b # comment",
    ".xs[.n]",
    "-1",
]


def jq_answer(expression: str, data: Any) -> tuple[str, Any]:
    """("value", first output) or ("error", None) or ("none", None), as the reference reads jq."""
    try:
        return "value", first_output(compile_jq(expression), data)
    except NoOutput:
        return "none", None
    except ValueError:
        return "error", None


def native_answer(expression: str, data: Any) -> tuple[str, Any]:
    compiled = compile_native(rewrite_single_quotes(expression))
    assert compiled is not None, f"{expression!r} should be in the native subset"
    try:
        return "value", compiled.evaluate(data)
    except PathError:
        return "error", None
    except NotPlain:
        return "jq", None


def as_text(answer: tuple[str, Any]) -> tuple[str, str]:
    """JSON text keeps what Python equality hides: 1 vs 1.0 vs true, key order."""
    return answer[0], json.dumps(answer[1], ensure_ascii=False)


@pytest.mark.parametrize("expression", SUPPORTED)
def test_native_matches_jq(expression: str) -> None:
    left_to_jq = 0
    for data in INPUTS:
        ours = native_answer(expression, data)
        if ours[0] == "jq":
            left_to_jq += 1
            continue
        assert as_text(ours) == as_text(jq_answer(expression, data)), f"{expression!r} on {data!r}"
    # Leaving an input to jq is for the odd value (dates, floats to print), not the rule.
    assert left_to_jq <= len(INPUTS) // 2, f"{expression!r} left {left_to_jq} inputs to jq"


@pytest.mark.parametrize("expression", UNSUPPORTED)
def test_outside_the_subset_is_not_compiled(expression: str) -> None:
    compile_jq(expression)  # valid jq...
    assert compile_native(rewrite_single_quotes(expression)) is None  # ...but jq's job


def test_results_are_fresh_copies() -> None:
    item = {"xs": [1, 2], "ws": ["a"]}
    compiled = compile_native(".xs + .ws")
    assert compiled is not None
    result = compiled.evaluate(item)
    result.append("changed")
    assert item == {"xs": [1, 2], "ws": ["a"]}
    empty = compile_native("[]")
    assert empty is not None
    first = empty.evaluate(None)
    first.append(1)
    assert empty.evaluate(None) == []


@pytest.mark.parametrize(
    "expression", ['.s == "red"', '.s != "red"', ".n == 1000", '.ws[0] == "red"', '.s + "!" == "red!"']
)
def test_string_and_int_subclasses_compare_as_jq_sees_them(expression: str) -> None:
    """A StrEnum/IntEnum reaches jq as its JSON value; comparisons must agree with that."""
    data = {"s": Colour.RED, "n": Size.BIG, "ws": [Colour.RED]}
    plain = plain_comparison(parse_tree(expression))
    native = compile_native(expression)
    evaluators = [e for e in (plain, native) if e is not None]
    assert evaluators
    for evaluator in evaluators:
        assert evaluator.evaluate(data) is jq_answer(expression, data)[1]


REALISTIC = [
    ".full_name",
    '.visibility != "public"',
    '"\\(.html_url)/tree/\\(.default_branch)"',
    'if .stargazers_count >= 1000 then "high" elif .stargazers_count >= 100 then "medium" else "low" end',
    '.topics | map("topic:" + .)',
    '.full_name + ":" + .item',
    ".owner.login",
    ".archived == false",
    ".name | ascii_downcase",
    '.description // "none"',
]


@pytest.mark.parametrize("expression", REALISTIC)
def test_realistic_expressions_are_evaluated_without_jq(expression: str) -> None:
    """The shapes of a typical mapping never reach jq (the reason mapping is fast)."""
    compiled = CompiledExpression.compile(expression, "resources[0].port.entity.mappings.x")
    assert compiled.strategy is Strategy.PATH
