"""Upserting entities: bulk requests within Port's limits, one outcome per entity.

``POST /v1/blueprints/{bp}/entities/bulk`` answers per entity: ``entities[]`` for the ones
written (with Port's resolved identifier) and ``errors[]`` for the refused ones. Failures here
are *results*, not exceptions: the caller decides what a refused entity means. Only errors that
mean the whole run is in trouble — bad credentials, Port unreachable — are raised.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ocean_runtime.errors import PortAPIError

from ._tasks import run_all
from .batching import MAX_BATCH_BYTES, MAX_BATCH_LENGTH, Chunk, plan_chunks, serialize
from .session import PortSession, segment

logger = logging.getLogger(__name__)

UNKNOWN_IDENTIFIER = "unknown"


@dataclass(frozen=True)
class UpsertOutcome:
    """What happened to one entity of an upsert call.

    Attributes:
        index: position of the entity in the list given to ``upsert_entities``.
        identifier: on success the identifier Port stored (resolved when the mapping used a
            search identifier); on failure the identifier sent, when it was a plain string.
        ok: whether Port wrote the entity.
        error: Port's error for this entity (``statusCode``, ``error``, ``message``…), or a
            client-side explanation when Port gave none.
    """

    index: int
    identifier: str | None
    ok: bool
    error: dict[str, Any] | None = None

    @property
    def unresolved_search_identifier(self) -> bool:
        """True when the entity's search identifier matched no entity in Port."""
        return self.error is not None and self.error.get("identifier") == UNKNOWN_IDENTIFIER


def upsert_params(
    *, merge: bool, create_missing_related_entities: bool, event_params: Mapping[str, str] | None
) -> list[tuple[str, str]]:
    """The query flags of every entity upsert, in the reference's order.

    ``event_params`` keys may be given with or without the ``ocean_info_`` prefix
    (``{"event_type": "resync", "resync_id": "…"}``).
    """
    return [
        ("upsert", "true"),
        ("merge", flag(merge)),
        ("create_missing_related_entities", flag(create_missing_related_entities)),
        ("validation_only", "false"),
        *event_query(event_params),
    ]


def event_query(event_params: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """``ocean_info_*`` query parameters telling Port which event caused a write (audit log)."""
    return [
        (key if key.startswith("ocean_info_") else f"ocean_info_{key}", str(value))
        for key, value in (event_params or {}).items()
    ]


class EntitiesAPI:
    """Bulk and single entity upserts.

    Args:
        session: the Port session.
        max_batch_length: most entities per bulk request.
        max_batch_bytes: most bytes of JSON per bulk request.
    """

    def __init__(
        self,
        session: PortSession,
        *,
        max_batch_length: int = MAX_BATCH_LENGTH,
        max_batch_bytes: int = MAX_BATCH_BYTES,
    ) -> None:
        self._session = session
        self._max_length = max_batch_length
        self._max_bytes = max_batch_bytes

    async def upsert_entities(
        self,
        blueprint: str,
        entities: Sequence[dict[str, Any]],
        *,
        merge: bool = True,
        create_missing_related_entities: bool = True,
        event_params: Mapping[str, str] | None = None,
    ) -> list[UpsertOutcome]:
        """Write ``entities`` of one blueprint; one outcome per entity, in input order.

        Raises:
            PortAuthError: the credentials were refused (nothing is known about the entities).
            PortUnreachableError: Port could not be reached.
        """
        params = upsert_params(
            merge=merge,
            create_missing_related_entities=create_missing_related_entities,
            event_params=event_params,
        )
        plan = plan_chunks(entities, max_length=self._max_length, max_bytes=self._max_bytes)
        outcomes = {
            index: _failed(index, entities[index], {"error": "invalid_entity", "message": reason})
            for index, reason in plan.unserializable.items()
        }
        chunk_results = await run_all(
            self._upsert_chunk(blueprint, chunk, entities, params) for chunk in plan.chunks
        )
        for results in chunk_results:
            outcomes.update((outcome.index, outcome) for outcome in results)
        return [outcomes[index] for index in range(len(entities))]

    async def upsert_entity(
        self,
        blueprint: str,
        entity: dict[str, Any],
        *,
        merge: bool = True,
        create_missing_related_entities: bool = True,
        event_params: Mapping[str, str] | None = None,
    ) -> UpsertOutcome:
        """Write one entity through ``POST /v1/blueprints/{bp}/entities`` (outcome index 0)."""
        params = upsert_params(
            merge=merge,
            create_missing_related_entities=create_missing_related_entities,
            event_params=event_params,
        )
        return await self._upsert_single(blueprint, 0, entity, params)

    async def _upsert_chunk(
        self, blueprint: str, chunk: Chunk, entities: Sequence[dict[str, Any]], params: list[tuple[str, str]]
    ) -> list[UpsertOutcome]:
        path = f"/v1/blueprints/{segment(blueprint)}/entities/bulk"
        try:
            body = await self._session.request(
                "POST", path, content=chunk.body, params=params, exporter=True, retryable=True
            )
        except PortAPIError as exc:
            if exc.status == 413:
                logger.info(
                    "Port found %d %s entities (%d bytes) too large for one request; sending them one by one",
                    len(chunk.indexes),
                    blueprint,
                    len(chunk.body),
                )
                return await run_all(
                    self._upsert_single(blueprint, index, entities[index], params) for index in chunk.indexes
                )
            logger.warning(
                "Port refused a bulk upsert of %d %s entities: %s", len(chunk.indexes), blueprint, exc
            )
            error = error_from_api(exc)
            return [_failed(index, entities[index], error) for index in chunk.indexes]
        return parse_bulk_answer(body, chunk.indexes, entities)

    async def _upsert_single(
        self, blueprint: str, index: int, entity: dict[str, Any], params: list[tuple[str, str]]
    ) -> UpsertOutcome:
        path = f"/v1/blueprints/{segment(blueprint)}/entities"
        try:
            content = serialize(entity)
        except (TypeError, ValueError) as exc:
            return _failed(index, entity, {"error": "invalid_entity", "message": f"not valid JSON: {exc}"})
        try:
            body = await self._session.request(
                "POST", path, content=content, params=params, exporter=True, retryable=True
            )
        except PortAPIError as exc:
            return _failed(index, entity, error_from_api(exc))
        stored = body.get("entity") if isinstance(body, dict) else None
        identifier = stored.get("identifier") if isinstance(stored, dict) else None
        return UpsertOutcome(
            index, identifier if isinstance(identifier, str) else _sent_identifier(entity), True
        )


def parse_bulk_answer(
    body: Any, indexes: Sequence[int], entities: Sequence[dict[str, Any]]
) -> list[UpsertOutcome]:
    """Turn a bulk answer into outcomes for the input positions ``indexes`` (request order)."""
    written = body.get("entities") if isinstance(body, dict) else None
    refused = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(written, list) and not isinstance(refused, list):
        error = {
            "error": "unreadable_answer",
            "message": f"Port's bulk answer has no entities/errors: {body!r:.300}",
        }
        return [_failed(index, entities[index], error) for index in indexes]
    by_position: dict[int, UpsertOutcome] = {}
    for item in written or []:
        position = _position(item, len(indexes))
        if position is not None:
            index = indexes[position]
            resolved = item.get("identifier")
            identifier = resolved if isinstance(resolved, str) else _sent_identifier(entities[index])
            by_position[position] = UpsertOutcome(index, identifier, True)
    for item in refused or []:
        position = _position(item, len(indexes))
        if position is not None:  # an error wins over a contradictory success
            index = indexes[position]
            by_position[position] = _failed(index, entities[index], dict(item))
    return [
        by_position.get(position)
        or _failed(
            index,
            entities[index],
            {
                "error": "missing_result",
                "message": f"Port's bulk answer did not mention entity #{position} of the request",
            },
        )
        for position, index in enumerate(indexes)
    ]


def error_from_api(exc: PortAPIError) -> dict[str, Any]:
    """Port's error body as an outcome error, with the status code."""
    if isinstance(exc.body, dict):
        return {"statusCode": exc.status, **exc.body}
    return {"statusCode": exc.status, "error": "http_error", "message": str(exc.body)[:500]}


def _position(item: Any, size: int) -> int | None:
    position = item.get("index") if isinstance(item, dict) else None
    return position if isinstance(position, int) and 0 <= position < size else None


def _failed(index: int, entity: dict[str, Any], error: dict[str, Any]) -> UpsertOutcome:
    return UpsertOutcome(index, _sent_identifier(entity), False, error)


def _sent_identifier(entity: Any) -> str | None:
    identifier = entity.get("identifier") if isinstance(entity, dict) else None
    return identifier if isinstance(identifier, str) else None


def flag(value: bool) -> str:
    """A boolean query flag as Port spells it."""
    return "true" if value else "false"
