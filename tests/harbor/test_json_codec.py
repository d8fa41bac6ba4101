"""``json_codec``: orjson's speed with the standard library's results, including where they differ."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from starlette.responses import JSONResponse

from ocean_harbor import json_codec

# Values both libraries write byte for byte alike, and values orjson refuses or writes otherwise.
CORPUS: list[Any] = [
    {"a": 1, "b": "é ü 日本", "c": [1.5, None, True, False], "d": {"x": '\u2028 \n \t " \\'}},
    {"big": 2**70, "small": -(2**63), "edge": 2**64},
    {"surrogate": "\ud800"},
    {"title": None, "n": 0.1, "neg": -0.0},
    [],
    "plain",
    {"emoji": "🚀", "control": "\x01\x1f"},
]
NON_FINITE: list[Any] = [
    {"x": None, "y": float("nan")},
    [None, [float("inf")]],
    {"deep": {"list": [1, {"z": -math.inf}], "n": None}},
]


def _stdlib_column(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize("value", CORPUS + NON_FINITE)
def test_columns_are_written_as_the_standard_library_writes_them(value: Any) -> None:
    assert json_codec.dumps(value) == _stdlib_column(value)


@pytest.mark.parametrize("value", CORPUS)
def test_responses_are_rendered_as_starlette_renders_them(value: Any) -> None:
    try:
        expected: Any = JSONResponse(value).body
    except UnicodeEncodeError as refused:  # a lone surrogate has no UTF-8: it was a 500 before too
        expected = type(refused)
    try:
        got: Any = json_codec.response_bytes(value)
    except UnicodeEncodeError as refused:
        got = type(refused)
    assert got == expected


@pytest.mark.parametrize("value", NON_FINITE)
def test_responses_refuse_nan_and_infinity_as_before(value: Any) -> None:
    with pytest.raises(ValueError, match="Out of range float values"):
        json_codec.response_bytes(value)


def test_exponent_floats_read_back_as_the_same_number() -> None:
    values = [1e16, 1e-7, 1.7976931348623157e308, 5e-324]
    assert json.loads(json_codec.dumps(values)) == values


@pytest.mark.parametrize(
    "text",
    [
        '{"big": 123456789012345678901234567890}',
        "[-9223372036854775809, 18446744073709551616, 9223372036854775807]",
        "[1e400, -1e400, 1.00000000000000000000001]",
        "[NaN, Infinity, -Infinity]",
        '"\\ud800"',
        '{"a": "é"}',
        '{"a": 1, "a": 2}',
    ],
)
def test_reading_gives_what_the_standard_library_gives(text: str) -> None:
    expected = json.loads(text)
    for raw in (text, text.encode(), text.encode("utf-16")):
        got = json_codec.loads(raw)
        assert repr(got) == repr(expected)  # repr: NaN != NaN


@pytest.mark.parametrize("text", ['{"a": ', "{'a': 1}", "[1,]", "\ufeff{}", "1 2"])
def test_bad_json_raises_the_standard_library_error(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as got:
        json_codec.loads(text)
    assert str(got.value) == str(expected.value)


async def test_an_entity_beyond_orjson_round_trips_through_the_api(catalog: Any, kit: Any) -> None:
    entity = {
        "identifier": "huge",
        "title": "Grüße 🚀",
        "properties": {"stars": 2**70, "description": "\u2028 é", "meta": {"k": None}},
    }
    response = await kit.bulk(catalog, "service", [entity])
    assert response.status_code == 200, response.text
    stored = (await catalog.get("/v1/blueprints/service/entities/huge")).json()["entity"]
    assert stored["title"] == entity["title"]
    assert stored["properties"] == entity["properties"]
