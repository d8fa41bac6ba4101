"""Deciding whether Port already holds an entity as mapped: the JSON-equality rules."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from ocean_runtime.sync.compare import is_unchanged

# Values that Python's == confuses but JSON (and Port's schema) does not, and some that are alike.
TRICKY: list[Any] = [
    True, 1, 1.0, 0, False, 0.0, -0.0, 2**70, float(2**70), "1", "true", "", [], {}, [1, 2], [2, 1],
    [1, 2.0], [True], {"a": 1}, {"a": 1.0}, {"a": True}, {"b": 1, "a": 2}, {"a": 2, "b": 1},
    {"a": [1, {"x": None}]}, {"a": [1, {"x": False}]}, {"a": [1, {}]}, ("t",), ["t"], 1e16, 1e-7,
    float("inf"), float("nan"), "naïve ✓",
]  # fmt: skip


def as_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


@pytest.mark.parametrize(("held", "mapped"), list(itertools.product(TRICKY, repeat=2)))
def test_a_property_is_unchanged_exactly_when_its_json_is_the_same(held: Any, mapped: Any) -> None:
    current = {"identifier": "e", "properties": {"p": held}}
    wanted = {"identifier": "e", "properties": {"p": mapped}}
    assert is_unchanged(current, wanted) == (as_text(held) == as_text(mapped))


def test_null_and_a_missing_key_are_the_same_and_unmapped_keys_are_ignored() -> None:
    current = {"identifier": "e", "title": "t", "properties": {"a": 1, "extra": 5}, "relations": {}}
    assert is_unchanged(current, {"identifier": "e", "title": "t", "properties": {"a": 1, "b": None}})
    assert not is_unchanged(current, {"identifier": "e", "title": "t", "properties": {"a": True}})
    assert not is_unchanged(current, {"identifier": "e", "title": "T", "properties": {"a": 1}})
    assert not is_unchanged(current, {"identifier": "e", "relations": {"owner": "x"}})
