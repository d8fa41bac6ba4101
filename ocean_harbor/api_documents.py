"""Actions, scorecards and pages: stored as documents (``documents`` table), not interpreted.

Creating one whose identifier exists answers 409 (clients creating defaults ignore that). A page
without an identifier gets one from its title.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocean_harbor.catalog import get_blueprint
from ocean_harbor.errors import HarborError, invalid, not_found, read_object
from ocean_harbor.http_utils import in_thread, ok
from ocean_harbor.store import Store, dumps, loads, now_iso


def _slug(title: Any) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", str(title)).strip("_") or "page"


def _create(
    store: Store, collection: str, body: dict[str, Any], blueprint: str | None = None
) -> dict[str, Any]:
    identifier = body.get("identifier")
    if identifier is None and collection == "pages":
        identifier = _slug(body.get("title"))
    if not isinstance(identifier, str) or not identifier:
        raise invalid("body/identifier is required (a non-empty string).")
    now = now_iso()
    doc = {**body, "identifier": identifier, "createdAt": now, "updatedAt": now}
    if blueprint:
        doc["blueprint"] = blueprint
    with store.write() as conn:
        if blueprint and get_blueprint(conn, blueprint) is None:
            raise not_found(f"Blueprint with identifier {blueprint} not found")
        exists = conn.execute(
            "SELECT 1 FROM documents WHERE collection = ? AND identifier = ?", (collection, identifier)
        ).fetchone()
        if exists:
            raise HarborError(
                409, "conflict", f"{collection[:-1].capitalize()} with identifier {identifier} exists"
            )
        conn.execute(
            "INSERT INTO documents (collection, identifier, blueprint, body, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (collection, identifier, blueprint, dumps(doc), now, now),
        )
    return doc


def _list(store: Store, collection: str, blueprint: str | None = None) -> list[dict[str, Any]]:
    sql, params = "SELECT body FROM documents WHERE collection = ?", [collection]
    if blueprint:
        sql, params = sql + " AND blueprint = ?", [*params, blueprint]
    with store.read() as conn:
        return [loads(row["body"]) for row in conn.execute(sql + " ORDER BY identifier", params)]


def _get(store: Store, collection: str, identifier: str) -> dict[str, Any]:
    with store.read() as conn:
        row = conn.execute(
            "SELECT body FROM documents WHERE collection = ? AND identifier = ?", (collection, identifier)
        ).fetchone()
    if row is None:
        raise not_found(f"{collection[:-1].capitalize()} with identifier {identifier} not found")
    doc: dict[str, Any] = loads(row["body"])
    return doc


def _delete(store: Store, collection: str, identifier: str) -> None:
    with store.write() as conn:
        deleted = conn.execute(
            "DELETE FROM documents WHERE collection = ? AND identifier = ?", (collection, identifier)
        ).rowcount
    if not deleted:
        raise not_found(f"{collection[:-1].capitalize()} with identifier {identifier} not found")


def document_routes(store: Store) -> list[Route]:
    """Routes for actions, scorecards and pages."""

    async def create_action(request: Request) -> Response:
        return ok(action=await in_thread(_create, store, "actions", await read_object(request)))

    async def list_actions(request: Request) -> Response:
        return ok(actions=await in_thread(_list, store, "actions"))

    async def create_scorecard(request: Request) -> Response:
        body, bp = await read_object(request), request.path_params["bp"]
        return ok(scorecard=await in_thread(_create, store, "scorecards", body, bp))

    async def list_scorecards(request: Request) -> Response:
        return ok(scorecards=await in_thread(_list, store, "scorecards", request.path_params["bp"]))

    async def create_page(request: Request) -> Response:
        return ok(page=await in_thread(_create, store, "pages", await read_object(request)))

    async def list_pages(request: Request) -> Response:
        return ok(pages=await in_thread(_list, store, "pages"))

    async def get_page(request: Request) -> Response:
        return ok(page=await in_thread(_get, store, "pages", request.path_params["id"]))

    async def delete_page(request: Request) -> Response:
        await in_thread(_delete, store, "pages", request.path_params["id"])
        return ok()

    return [
        Route("/v1/actions", create_action, methods=["POST"]),
        Route("/v1/actions", list_actions, methods=["GET"]),
        Route("/v1/blueprints/{bp}/scorecards", create_scorecard, methods=["POST"]),
        Route("/v1/blueprints/{bp}/scorecards", list_scorecards, methods=["GET"]),
        Route("/v1/pages", create_page, methods=["POST"]),
        Route("/v1/pages", list_pages, methods=["GET"]),
        Route("/v1/pages/{id}", get_page, methods=["GET"]),
        Route("/v1/pages/{id}", delete_page, methods=["DELETE"]),
    ]
