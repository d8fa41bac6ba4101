"""Split entities into bulk-upsert requests that respect Port's limits.

Port accepts at most 20 entities and about 1 MiB per ``…/entities/bulk`` request. The reference
*estimates* the size from the first ten entities (×1.5), which both wastes requests and can
still overshoot when later entities are bigger. Here each entity is serialised once and the
chunk is built from those exact bytes, so the measured size is the size on the wire.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ocean_runtime import compact_json

MAX_BATCH_LENGTH = 20
MAX_BATCH_BYTES = 1024 * 1024

_OPEN = b'{"entities":['
_CLOSE = b"]}"
_SEPARATOR = b","


def serialize(value: Any) -> bytes:
    """Compact JSON, UTF-8, refusing NaN/Infinity (Port would reject the whole request)."""
    return compact_json.dumps(value, allow_nan=False, ensure_ascii=False)


@dataclass(frozen=True)
class Chunk:
    """One bulk request: which input positions it carries and its exact body."""

    indexes: list[int]
    body: bytes


@dataclass(frozen=True)
class ChunkPlan:
    """The requests to send, plus entities that could not even be serialised."""

    chunks: list[Chunk]
    unserializable: dict[int, str]


def plan_chunks(
    entities: Sequence[dict[str, Any]],
    *,
    max_length: int = MAX_BATCH_LENGTH,
    max_bytes: int = MAX_BATCH_BYTES,
) -> ChunkPlan:
    """Group ``entities`` in input order into chunks of ≤ ``max_length`` and ≤ ``max_bytes``.

    An entity bigger than ``max_bytes`` on its own still goes out, alone: Port decides (a 413
    sends it through the single-entity endpoint).

    Args:
        entities: entity bodies as mapped.
        max_length: most entities per request.
        max_bytes: most bytes per request body, envelope included.
    """
    if max_length < 1 or max_bytes < 1:
        raise ValueError("max_length and max_bytes must be positive")
    chunks: list[Chunk] = []
    unserializable: dict[int, str] = {}
    indexes: list[int] = []
    parts: list[bytes] = []
    size = len(_OPEN) + len(_CLOSE)

    def close_chunk() -> None:
        chunks.append(Chunk(indexes=list(indexes), body=_OPEN + _SEPARATOR.join(parts) + _CLOSE))
        indexes.clear()
        parts.clear()

    for index, entity in enumerate(entities):
        try:
            part = serialize(entity)
        except (TypeError, ValueError) as exc:
            unserializable[index] = f"the entity is not valid JSON: {exc}"
            continue
        added = len(part) + (len(_SEPARATOR) if parts else 0)
        if parts and (len(parts) >= max_length or size + added > max_bytes):
            close_chunk()
            size = len(_OPEN) + len(_CLOSE)
            added = len(part)
        indexes.append(index)
        parts.append(part)
        size += added
    if parts:
        close_chunk()
    return ChunkPlan(chunks=chunks, unserializable=unserializable)
