"""Searching entities: the rules language, and the datasource listing reconcile relies on.

``POST /v1/entities/search`` takes a rules query (see ``ocean_harbor.rules``) and repeated
``include`` / ``exclude`` query parameters; it answers exactly the included fields.

``POST /v1/blueprints/entities/datasource-entities`` lists the entities a client owns:
``{"datasource_prefix", "datasource_suffix", "before"?, "limit"?, "from"?}`` → entities whose
``$datasource`` starts with the prefix and ends with the suffix and (with ``before``) were last
updated strictly earlier, ordered by (datasource, blueprint, identifier), ``limit`` per page (at
most 10,000, default 5,000) with an opaque ``next`` cursor (``null`` on the last page).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocean_harbor.catalog import search
from ocean_harbor.entity_json import ENTITY_COLUMNS, row_to_entity, row_to_spliced_entity
from ocean_harbor.errors import expect, invalid, read_json
from ocean_harbor.http_utils import in_thread, ok
from ocean_harbor.store import Store, format_time, parse_time

MAX_PAGE = 10_000
DEFAULT_PAGE = 5_000
_TEXT_MAX = "\U0010ffff"  # sorts after every other character: "prefix" <= x < "prefix" + _TEXT_MAX


def encode_cursor(entity: dict[str, Any], datasource: str) -> str:
    """An opaque cursor pointing just after ``entity`` in (datasource, blueprint, identifier) order."""
    key = [datasource, entity["blueprint"], entity["identifier"]]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def decode_cursor(cursor: str) -> list[str]:
    """Reads a cursor made by ``encode_cursor``; a foreign one is a 422."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, list) or len(key) != 3 or not all(isinstance(part, str) for part in key):
        raise invalid(f"body/from is not a cursor returned by this endpoint: {cursor!r}.")
    return key


def _owned_page(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    prefix = expect(body, "datasource_prefix", str, required=False) or ""
    suffix = expect(body, "datasource_suffix", str, required=False) or ""
    limit = expect(body, "limit", int, required=False)
    limit = DEFAULT_PAGE if limit is None else limit
    if not 1 <= limit <= MAX_PAGE:
        raise invalid(f"body/limit must be between 1 and {MAX_PAGE}, got {limit}.")
    # Ordered by the entities_owner index: each page seeks to its cursor instead of sorting.
    conditions, params = ["e.datasource IS NOT NULL"], []
    cursor = expect(body, "from", str, required=False)
    if cursor:
        conditions.append("(e.datasource, e.blueprint, e.identifier) > (?, ?, ?)")
        params += decode_cursor(cursor)
    elif prefix:
        conditions.append("e.datasource >= ?")
        params.append(prefix)
    if prefix:
        conditions.append("e.datasource < ?")
        params.append(prefix + _TEXT_MAX)
    if suffix:
        conditions.append(f"substr(e.datasource, -{len(suffix)}) = ?")
        params.append(suffix)
    before = expect(body, "before", str, required=False)
    if before:
        try:
            params.append(format_time(parse_time(before)))
        except ValueError:
            raise invalid(f"body/before must be an ISO-8601 date-time, got {before!r}.") from None
        conditions.append("e.updated_at < ?")
    with store.read() as conn:
        rows = conn.execute(
            f"SELECT {ENTITY_COLUMNS} FROM entities e WHERE {' AND '.join(conditions)}"
            " ORDER BY e.datasource, e.blueprint, e.identifier LIMIT ?",
            (*params, limit + 1),
        ).fetchall()
    spliced = [row_to_spliced_entity(row) for row in rows[:limit]]
    page = [entity or row_to_entity(row) for entity, row in zip(spliced, rows, strict=False)]
    more = len(rows) > limit
    return {
        "entities": page,
        "next": encode_cursor(page[-1], rows[limit - 1]["datasource"]) if more else None,
        # Spliced columns hold no NaN/Infinity: the answer needs no check for them (json_codec).
        "finite": all(entity is not None for entity in spliced),
    }


def _search(store: Store, query: Any, include: list[str], exclude: list[str]) -> list[dict[str, Any]]:
    with store.read() as conn:
        return list(search(conn, query, include=include, exclude=exclude))


def search_routes(store: Store) -> list[Route]:
    """The search routes (the literal datasource path precedes ``/v1/blueprints/{bp}/...``)."""

    async def datasource_entities(request: Request) -> Response:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise invalid("The request body must be an object with datasource_prefix / datasource_suffix.")
        page = await in_thread(_owned_page, store, body)
        if page.pop("finite"):
            return Response(orjson.dumps({"ok": True, **page}), media_type="application/json")
        return ok(**page)

    async def search_entities(request: Request) -> Response:
        query = await read_json(request)
        include, exclude = request.query_params.getlist("include"), request.query_params.getlist("exclude")
        return ok(entities=await in_thread(_search, store, query, include, exclude))

    return [
        Route("/v1/blueprints/entities/datasource-entities", datasource_entities, methods=["POST"]),
        Route("/v1/entities/search", search_entities, methods=["POST"]),
    ]
