"""The shortcuts of the engine must give exactly what jq gives.

* plain paths evaluated in Python (``plain``) versus jq itself, on tricky inputs;
* ``jq_reads.keys_read``: jq on the projected item gives the same as on the whole item;
* ``jq_shape.one_output``: expressions it accepts never give 0 or 2+ outputs.

``test_differential_fuzz.py`` checks the same analyses on random expressions.
"""

from __future__ import annotations

import json
from typing import Any

import jq
import pytest

from ocean_runtime.mapping import rewrite_single_quotes
from ocean_runtime.mapping.jq_parse import parse_tree
from ocean_runtime.mapping.jq_reads import keys_read
from ocean_runtime.mapping.jq_shape import needs_own_program, one_output
from ocean_runtime.mapping.plain import (
    NotPlain,
    PathError,
    is_literal,
    parse_plain_path,
    plain_comparison,
    to_jq_value,
)


def root_keys(expression: str) -> frozenset[str] | None:
    return keys_read(parse_tree(expression))


INPUTS: list[Any] = [
    {"a": {"b": {"c": 1}}, "xs": [1, {"k": "v"}, None], "s": "text", "n": 3, "f": 2.0, "g": 0.1, "t": True},
    {"a": {"b": None}, "xs": [], "s": "", "n": 0, "f": -1.5},
    {"a": {"b": 5}, "xs": "not-a-list", "s": None},
    {"a": 1, "xs": {"0": "zero"}},
    {"a": None},
    {"a": [1, 2]},
    {"a": "str"},
    {"a": True},
    {"a-b": 1, "a b": 2, "é": 3, "end": 4},
    {},
    None,
    [1, 2, 3],
    "top-level string",
    7,
]

PATHS = [
    ".",
    ".a",
    ".a.b",
    ".a.b.c",
    ".a.b.c.d",
    '.["a"]',
    '.a["b"]',
    '.a."b"',
    '."a-b"',
    '.["a b"]',
    '."é"',
    ".end",
    ".xs[0]",
    ".xs[1].k",
    ".xs[-1]",
    ".xs[-4]",
    ".xs[9]",
    ".[0]",
    ".[-1]",
    ".a[0]",
    ".a.[0]",
    ".n",
    ".f",
    ".g",
    ".t",
    ".s",
    ".s.x",
    ".n.x",
    ".missing",
    ".missing.deeper",
]


def jq_first(expression: str, data: Any) -> tuple[str, Any]:
    """("value", v) or ("error", None), the way the reference takes jq's answer."""
    try:
        return "value", next(iter(jq.compile(expression).input_value(data)), None)
    except ValueError:
        return "error", None


@pytest.mark.parametrize("expression", PATHS)
def test_plain_paths_match_jq(expression: str) -> None:
    path = parse_plain_path(expression)
    assert path is not None, expression
    for data in INPUTS:
        expected = jq_first(expression, data)
        try:
            got = ("value", path.evaluate(data))
        except PathError:
            got = ("error", None)
        assert json.dumps(got) == json.dumps(expected), (expression, data)


COMPARISONS = [
    f"{path} {op} {literal}"
    for path in (".a", ".a.b", ".n", ".f", ".t", ".s", ".xs", ".xs[0]", ".missing", ".s.x")
    for op in ("==", "!=")
    for literal in ("null", "true", "false", "0", "3", "2.0", "-1.5", '""', '"text"', '"3"', '"x==y"')
]


@pytest.mark.parametrize("expression", COMPARISONS)
def test_plain_comparisons_match_jq(expression: str) -> None:
    comparison = plain_comparison(parse_tree(expression))
    assert comparison is not None, expression
    for data in INPUTS:
        expected = jq_first(expression, data)
        try:
            got = ("value", comparison.evaluate(data))
        except PathError:
            got = ("error", None)
        assert json.dumps(got) == json.dumps(expected), (expression, data)


@pytest.mark.parametrize("expression", [".a == .b", '.a == "x" or .b', ".a | . == 1", ".a == [1]", ".a > 1"])
def test_other_comparisons_go_to_jq(expression: str) -> None:
    assert plain_comparison(parse_tree(expression)) is None


@pytest.mark.parametrize(
    "expression",
    [".a | .b", ".a[]", ".a?", "..", "a", "[0]", '."\\(.x)"', ".a[1:2]", ".a[.b]", "-.a", ".a + 1"],
)
def test_other_expressions_are_not_plain_paths(expression: str) -> None:
    assert parse_plain_path(expression) is None


@pytest.mark.parametrize(
    ("expression", "literal"),
    [
        ('"svc"', True),
        ("42", True),
        ("-1.5e3", True),
        ("null", True),
        ("true", True),
        ('"a\\u00e9"', True),
        ('"\\(.x)"', False),
        (".x", False),
        ('"a" + "b"', False),
        ("[1]", False),
    ],
)
def test_literals(expression: str, literal: bool) -> None:
    assert is_literal(parse_tree(expression)) is literal


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -7, 2**53, 1.0, 2.5, -0.0, 1e-7, "s", [1, 2.0, [3.0]], {"k": {"n": 4.0}}],
)
def test_values_come_back_as_jq_returns_them(value: Any) -> None:
    expected = jq.compile(".").input_value(value).first()
    assert json.dumps(to_jq_value(value)) == json.dumps(expected)


@pytest.mark.parametrize("value", [2**60, float("nan"), float("inf"), (1, 2), {1: "x"}, object()])
def test_values_jq_must_convert_are_left_to_jq(value: Any) -> None:
    with pytest.raises(NotPlain):
        to_jq_value(value)


READS = [
    '.visibility != "public"',
    '"\\(.html_url)/tree/\\(.default_branch)"',
    'if .n >= 2 then "high" elif .n >= 1 then "medium" else "low" end',
    ".xs | map(tostring)",
    ".a.b // .s",
    ".a[.s]",
    "first(.xs[])",
    "[limit(2; .xs[]?)]",
    'try (.s | tonumber) catch "bad"',
    "{k: .n, s}",
    "{(.s): .n}",
    '.["a b"] + 1',
    '."a-b"',
    ".a as $x | .n",
    ".a as {b: $b} | $b",
    "reduce (.xs[]? // empty) as $x (0; . + 1)",
    '[.xs[]? | select(type == "number")] | add',
    "any(.xs[]?; . == 1)",
    '@base64 "\\(.s)"',
    "env.HOME != null",
    "-.n",
    "label $out | .n",
    '"\\(.s + "\\(.n)")"',
    ".xs[1:]",
    ".[0]",
]


@pytest.mark.parametrize("expression", READS)
def test_projection_to_the_keys_read_changes_nothing(expression: str) -> None:
    keys = root_keys(expression)
    assert keys is not None, expression
    program = jq.compile(f"[{expression}]")
    for data in INPUTS:
        if not isinstance(data, dict):
            continue
        projected = {key: data[key] for key in keys if key in data}
        try:
            expected: Any = program.input_value(data).first()
        except ValueError as exc:
            expected = f"error: {exc}"
        try:
            got: Any = program.input_value(projected).first()
        except ValueError as exc:
            got = f"error: {exc}"
        assert json.dumps(got) == json.dumps(expected), (expression, data, keys)


@pytest.mark.parametrize(
    "expression",
    [
        ".",
        "keys",
        "length",
        "to_entries",
        "..",
        ".[]",
        "map(.x)",
        "select(.a)",
        "tojson",
        "@base64",
        ". as $r | $r.a",
        "{a: .}",
        '"\\(.)"',
        "def f: .a; f",
        ".a = 1",
        ".a |= 1",
        "del(.a)",
        "paths",
        'getpath(["a"])',
        'has("a")',
        "not",
        "error",
        ". as [$a] ?// $a | $a",
        ".a # comment",
        "input",
    ],
)
def test_expressions_that_may_read_the_whole_item(expression: str) -> None:
    assert root_keys(expression) is None


ONE = [
    ".a",
    ".a.b",
    '"\\(.a)"',
    ".a + .b",
    "if .a then 1 else 2 end",
    ".a // .b",
    "try .a catch null",
    "[.xs[]]",
    "{a: .a, b: .b}",
    ".xs | map(. + 1)",
    ".a as $x | $x",
    "$__loc__",
    ".a[0]",
    ".a[1:]",
    ".s | ascii_downcase",
    "[.xs[]?] | length",
    "not",
    "reduce .xs[] as $x (0; .)",
    "reduce .xs[]? as $x (null; . + $x)",
]
MANY_OR_NONE = [
    ".xs[]",
    ".a, .b",
    "empty",
    "select(.a)",
    ".a?",
    "try .a",
    "first(.xs[])",
    "..",
    "range(2)",
    "{a: (.a, .b)}",
    '"\\(.xs[])"',
    ".a[.xs[]]",
    "limit(1; .xs[])",
    "def f: 1; f",
    "[.xs[]][]",
    "recurse",
    "foreach .xs[] as $x (0; .)",
    ".a.b?",
]


@pytest.mark.parametrize("expression", ONE)
def test_one_output_expressions(expression: str) -> None:
    assert one_output(parse_tree(expression))
    program = jq.compile(expression)
    for data in INPUTS:
        try:
            outputs = program.input_value(data).all()
        except ValueError:
            continue  # an error is allowed: it maps to null either way
        assert len(outputs) == 1, (expression, data)


@pytest.mark.parametrize("expression", MANY_OR_NONE)
def test_expressions_that_may_not_give_one_output(expression: str) -> None:
    assert not one_output(parse_tree(expression))


@pytest.mark.parametrize(
    ("expression", "alone"),
    [
        ("input", True),
        ("$__loc__", True),
        (".a # note", True),
        ("halt_error", True),
        (".input", False),
        ('"input"', False),
        ('"#tag"', False),
        (".a", False),
        ('"\\(input)"', True),
    ],
)
def test_expressions_needing_their_own_program(expression: str, alone: bool) -> None:
    assert needs_own_program(rewrite_single_quotes(expression)) is alone
