"""Incremental-sync cursors: ``GET/PUT/POST /v1/integration/{id}/cursor?kind=&index=``.

One cursor per (integration, kind, resource index), stored as a document (collection
``cursors``). ``GET`` answers ``{"cursor": {...}}`` or ``{"cursor": null}``; ``PUT`` replaces an
existing cursor and answers 404 when there is none (clients then ``POST``, which creates or
replaces). The cursor body is any JSON object — Ocean stores ``{"primary": "<iso datetime>"}``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocean_harbor.errors import invalid, not_found, read_object
from ocean_harbor.http_utils import in_thread, ok
from ocean_harbor.store import Store, dumps, loads, now_iso

COLLECTION = "cursors"


def _key(request: Request) -> tuple[str, str, int]:
    """(integration, kind, index) of the request; 422 when ``kind`` or ``index`` is bad."""
    kind = request.query_params.get("kind")
    if not kind:
        raise invalid("query parameter kind is required, e.g. ?kind=issue&index=0.")
    raw_index = request.query_params.get("index", "0")
    try:
        index = int(raw_index)
    except ValueError:
        raise invalid(f"query parameter index must be an integer, got {raw_index!r}.") from None
    if index < 0:
        raise invalid(f"query parameter index must not be negative, got {index}.")
    return request.path_params["id"], kind, index


def _document_id(integration: str, kind: str, index: int) -> str:
    return f"{integration}/{index}/{kind}"


def _require_integration(conn: Any, integration: str) -> None:
    if conn.execute("SELECT 1 FROM integrations WHERE identifier = ?", (integration,)).fetchone() is None:
        raise not_found(f"Integration with identifier {integration} not found")


def _get(store: Store, integration: str, kind: str, index: int) -> dict[str, Any] | None:
    with store.read() as conn:
        _require_integration(conn, integration)
        row = conn.execute(
            "SELECT body FROM documents WHERE collection = ? AND identifier = ?",
            (COLLECTION, _document_id(integration, kind, index)),
        ).fetchone()
    if row is None:
        return None
    cursor: dict[str, Any] = loads(row["body"])["cursor"]
    return cursor


def _save(
    store: Store, integration: str, kind: str, index: int, cursor: dict[str, Any], *, create: bool
) -> None:
    now = now_iso()
    body = dumps({"integration": integration, "kind": kind, "index": index, "cursor": cursor})
    identifier = _document_id(integration, kind, index)
    with store.write() as conn:
        _require_integration(conn, integration)
        if not create:
            updated = conn.execute(
                "UPDATE documents SET body = ?, updated_at = ? WHERE collection = ? AND identifier = ?",
                (body, now, COLLECTION, identifier),
            ).rowcount
            if updated == 0:
                raise not_found(f"No cursor for kind {kind} (index {index}) of integration {integration}")
            return
        conn.execute(
            "INSERT INTO documents (collection, identifier, blueprint, body, created_at, updated_at)"
            " VALUES (?, ?, NULL, ?, ?, ?) ON CONFLICT (collection, identifier)"
            " DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            (COLLECTION, identifier, body, now, now),
        )


def cursor_routes(store: Store) -> list[Route]:
    """The ``/v1/integration/{id}/cursor`` routes."""

    async def get(request: Request) -> Response:
        integration, kind, index = _key(request)
        return ok(cursor=await in_thread(_get, store, integration, kind, index))

    async def put(request: Request) -> Response:
        integration, kind, index = _key(request)
        cursor = await read_object(request)
        await in_thread(_save, store, integration, kind, index, cursor, create=False)
        return ok(cursor=cursor)

    async def post(request: Request) -> Response:
        integration, kind, index = _key(request)
        cursor = await read_object(request)
        await in_thread(_save, store, integration, kind, index, cursor, create=True)
        return ok(cursor=cursor)

    path = "/v1/integration/{id}/cursor"
    return [
        Route(path, get, methods=["GET"]),
        Route(path, put, methods=["PUT"]),
        Route(path, post, methods=["POST"]),
    ]
