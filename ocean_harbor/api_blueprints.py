"""Blueprints: list, create, get, patch (top-level keys merged) and delete.

A blueprint that still has entities is not deleted (409, as Port refuses it); use
``DELETE /v1/blueprints/{bp}/all-entities?delete_blueprint=true`` (see ``api_migrations``).
Relations must target existing blueprints (or the blueprint itself).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocean_harbor.blueprint_schema import normalize_blueprint, relation_targets
from ocean_harbor.catalog import all_blueprints, count_entities, get_blueprint
from ocean_harbor.errors import HarborError, not_found, read_object
from ocean_harbor.http_utils import in_thread, ok
from ocean_harbor.store import Store, dumps, now_iso


def _check_targets(conn: sqlite3.Connection, doc: dict[str, Any]) -> None:
    for name, relation in doc["relations"].items():
        target = relation["target"]
        if target != doc["identifier"] and get_blueprint(conn, target) is None:
            raise HarborError(
                404,
                "not_found",
                f"body/relations/{name}/target: blueprint '{target}' does not exist; create it first",
            )


def save_blueprint(
    conn: sqlite3.Connection, doc: dict[str, Any], created_at: str, now: str
) -> dict[str, Any]:
    """Writes a normalized blueprint document (insert or replace) and returns it."""
    doc = {**doc, "createdAt": created_at, "updatedAt": now}
    conn.execute(
        "INSERT INTO blueprints (identifier, body, created_at, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (identifier) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        (doc["identifier"], dumps(doc), created_at, now),
    )
    return doc


def _create(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    doc = normalize_blueprint(body)
    now = now_iso()
    with store.write() as conn:
        if get_blueprint(conn, doc["identifier"]) is not None:
            raise HarborError(
                409, "conflict", f"Blueprint with identifier {doc['identifier']} already exists"
            )
        _check_targets(conn, doc)
        return save_blueprint(conn, doc, now, now)


def _patch(store: Store, identifier: str, body: dict[str, Any]) -> dict[str, Any]:
    now = now_iso()
    with store.write() as conn:
        current = get_blueprint(conn, identifier)
        if current is None:
            raise not_found(f"Blueprint with identifier {identifier} not found")
        doc = normalize_blueprint({**current, **body, "identifier": identifier})
        _check_targets(conn, doc)
        # Relations that no longer exist leave no links behind.
        kept = list(doc["relations"])
        conn.execute(
            f"DELETE FROM entity_links WHERE blueprint = ? AND relation NOT IN ({','.join('?' * len(kept))})",
            (identifier, *kept),
        )
        return save_blueprint(conn, doc, current.get("createdAt", now), now)


def delete_blueprint_row(conn: sqlite3.Connection, identifier: str) -> None:
    """Deletes a blueprint with no entities; relations of other blueprints targeting it go too."""
    conn.execute("DELETE FROM blueprints WHERE identifier = ?", (identifier,))
    now = now_iso()
    for other in all_blueprints(conn).values():
        if identifier in relation_targets(other):
            other["relations"] = {n: r for n, r in other["relations"].items() if r["target"] != identifier}
            save_blueprint(conn, other, other.get("createdAt", now), now)


def _delete(store: Store, identifier: str) -> None:
    with store.write() as conn:
        if get_blueprint(conn, identifier) is None:
            raise not_found(f"Blueprint with identifier {identifier} not found")
        entities = count_entities(conn, identifier)
        if entities:
            raise HarborError(
                409,
                "has_dependents",
                f"Blueprint {identifier} still has {entities} entities; delete them first "
                f"(DELETE /v1/blueprints/{identifier}/all-entities?delete_blueprint=true deletes both)",
            )
        delete_blueprint_row(conn, identifier)


def _get(store: Store, identifier: str) -> dict[str, Any]:
    with store.read() as conn:
        doc = get_blueprint(conn, identifier)
    if doc is None:
        raise not_found(f"Blueprint with identifier {identifier} not found")
    return doc


def _list(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        return list(all_blueprints(conn).values())


def blueprint_routes(store: Store) -> list[Route]:
    """The ``/v1/blueprints`` routes for blueprint documents."""

    async def list_all(request: Request) -> Response:
        return ok(blueprints=await in_thread(_list, store))

    async def create(request: Request) -> Response:
        return ok(blueprint=await in_thread(_create, store, await read_object(request)))

    async def get(request: Request) -> Response:
        return ok(blueprint=await in_thread(_get, store, request.path_params["bp"]))

    async def patch(request: Request) -> Response:
        body = await read_object(request)
        return ok(blueprint=await in_thread(_patch, store, request.path_params["bp"], body))

    async def delete(request: Request) -> Response:
        await in_thread(_delete, store, request.path_params["bp"])
        return ok()

    return [
        Route("/v1/blueprints", list_all, methods=["GET"]),
        Route("/v1/blueprints", create, methods=["POST"]),
        Route("/v1/blueprints/{bp}", get, methods=["GET"]),
        Route("/v1/blueprints/{bp}", patch, methods=["PATCH"]),
        Route("/v1/blueprints/{bp}", delete, methods=["DELETE"]),
    ]
