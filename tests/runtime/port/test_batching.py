"""plan_chunks: entity count and exact byte limits."""

from __future__ import annotations

import json

import pytest

from ocean_runtime.port.batching import plan_chunks, serialize


def entity(n: int, padding: int = 0) -> dict[str, object]:
    return {"identifier": f"e{n}", "blueprint": "svc", "properties": {"pad": "x" * padding}}


def test_count_limit_splits_25_into_20_and_5() -> None:
    plan = plan_chunks([entity(n) for n in range(25)])
    assert [len(chunk.indexes) for chunk in plan.chunks] == [20, 5]
    assert plan.chunks[1].indexes == list(range(20, 25))


def test_body_is_the_exact_request_json() -> None:
    entities = [entity(n) for n in range(3)] + [{"identifier": "é", "title": "ünïcode"}]
    (chunk,) = plan_chunks(entities).chunks
    assert json.loads(chunk.body) == {"entities": entities}
    assert "é".encode() in chunk.body  # UTF-8 on the wire, not \u escapes


@pytest.mark.parametrize("max_bytes", [300, 1000, 4096])
def test_byte_limit_is_measured_on_the_real_bytes(max_bytes: int) -> None:
    entities = [entity(n, padding=n * 7 % 120) for n in range(60)]
    plan = plan_chunks(entities, max_bytes=max_bytes)
    assert all(len(chunk.body) <= max_bytes for chunk in plan.chunks)
    assert [i for chunk in plan.chunks for i in chunk.indexes] == list(range(60))
    # greedy: each chunk is full, i.e. the next entity would not have fitted
    for chunk, following in zip(plan.chunks, plan.chunks[1:], strict=False):
        first_next = serialize(entities[following.indexes[0]])
        assert len(chunk.body) + 1 + len(first_next) > max_bytes or len(chunk.indexes) == 20


def test_a_chunk_exactly_at_the_limit_is_kept_whole() -> None:
    entities = [entity(0), entity(1)]
    exact = len(b'{"entities":[]}') + len(serialize(entities[0])) + 1 + len(serialize(entities[1]))
    assert [c.indexes for c in plan_chunks(entities, max_bytes=exact).chunks] == [[0, 1]]
    assert [c.indexes for c in plan_chunks(entities, max_bytes=exact - 1).chunks] == [[0], [1]]


def test_an_oversized_entity_goes_alone() -> None:
    entities = [entity(0), entity(1, padding=5000), entity(2)]
    plan = plan_chunks(entities, max_bytes=1000)
    assert [chunk.indexes for chunk in plan.chunks] == [[0], [1], [2]]


def test_unserializable_entities_are_reported_not_sent() -> None:
    entities = [entity(0), {"identifier": "nan", "properties": {"x": float("nan")}}, entity(2)]
    plan = plan_chunks(entities)
    assert [chunk.indexes for chunk in plan.chunks] == [[0, 2]]
    assert list(plan.unserializable) == [1]


def test_no_entities_no_chunks() -> None:
    assert plan_chunks([]).chunks == []


@pytest.mark.parametrize(
    "entity",
    [
        {"identifier": "a", "properties": {"score": float("nan")}},
        {"identifier": "a", "properties": {"scores": [1.0, None, float("inf")]}},
        {"identifier": "a", "properties": {"deep": {"x": [{"y": float("-inf")}]}}},
    ],
)
def test_non_finite_numbers_are_refused_not_turned_into_null(entity: dict) -> None:
    with pytest.raises(ValueError):
        serialize(entity)


def test_serialize_matches_the_standard_library_on_what_orjson_would_refuse_or_rewrite() -> None:
    for entity in (
        {"identifier": "a", "properties": {"n": None, "f": 1.5, "big": 2**70}},
        {"identifier": "ü", "title": "naïve ✓", "properties": {1: "int key"}},
    ):
        expected = json.dumps(entity, separators=(",", ":"), ensure_ascii=False).encode()
        assert serialize(entity) == expected
