"""Migrations: "delete all entities of a blueprint" (and optionally the blueprint itself).

Port runs these asynchronously and hands back a migration id to poll. The harbor does the work
within the request and records the migration as ``COMPLETED``, so a client polling
``GET /v1/migrations/{id}`` sees it finished on the first look.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocean_harbor import runs
from ocean_harbor.api_blueprints import delete_blueprint_row
from ocean_harbor.catalog import get_blueprint
from ocean_harbor.deletion import purge_blueprint
from ocean_harbor.errors import not_found
from ocean_harbor.http_utils import flag, in_thread, ok, user_agent
from ocean_harbor.store import Store, dumps, loads, now_iso


def _delete_all(store: Store, blueprint: str, delete_blueprint: bool, datasource: str | None) -> str:
    now = now_iso()
    migration_id = f"migration_{uuid.uuid4().hex[:16]}"
    with store.write() as conn:
        if get_blueprint(conn, blueprint) is None:
            raise not_found(f"Blueprint with identifier {blueprint} not found")
        deleted = purge_blueprint(conn, blueprint)
        if delete_blueprint:
            delete_blueprint_row(conn, blueprint)
        runs.count(conn, datasource, blueprint, deleted=deleted)
        migration = {
            "id": migration_id,
            "actor": "harbor",
            "sourceBlueprint": blueprint,
            "mapping": {},
            "status": "COMPLETED",
            "deletedEntities": deleted,
            "deleteBlueprint": delete_blueprint,
            "createdAt": now,
            "updatedAt": now,
        }
        conn.execute(
            "INSERT INTO migrations (id, body, created_at) VALUES (?, ?, ?)",
            (migration_id, dumps(migration), now),
        )
    return migration_id


def _get(store: Store, migration_id: str) -> dict[str, Any]:
    with store.read() as conn:
        row = conn.execute("SELECT body FROM migrations WHERE id = ?", (migration_id,)).fetchone()
    if row is None:
        raise not_found(f"Migration with id {migration_id} not found")
    migration: dict[str, Any] = loads(row["body"])
    return migration


def migration_routes(store: Store) -> list[Route]:
    """``DELETE /v1/blueprints/{bp}/all-entities`` and ``GET /v1/migrations/{id}``."""

    async def delete_all(request: Request) -> Response:
        bp, with_blueprint = request.path_params["bp"], flag(request, "delete_blueprint", False)
        migration_id = await in_thread(_delete_all, store, bp, with_blueprint, user_agent(request))
        return ok(migrationId=migration_id)

    async def get(request: Request) -> Response:
        return ok(migration=await in_thread(_get, store, request.path_params["id"]))

    return [
        Route("/v1/blueprints/{bp}/all-entities", delete_all, methods=["DELETE"]),
        Route("/v1/migrations/{id}", get, methods=["GET"]),
    ]
