"""Entities of one blueprint: single and bulk upsert, get, list, single and bulk delete.

Query flags of the upserts: ``upsert`` (default true), ``merge`` (default false),
``create_missing_related_entities`` (default false), ``validation_only`` (default false). The
writer's ``User-Agent`` becomes the entity's ``$datasource`` and every upsert stamps ``updatedAt``.

Limits (Port's): a bulk request holds at most 20 entities (more → 422) and an upsert body at most
1 MiB of entities plus a small envelope (more → 413, the status that makes clients fall back to
one request per entity; refused while it streams in, see ``body_limits``).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocean_harbor import runs
from ocean_harbor.catalog import all_blueprints, blueprint_set, get_entity
from ocean_harbor.deletion import delete_entities
from ocean_harbor.entity_json import ENTITY_COLUMNS, project, row_to_entity
from ocean_harbor.errors import HarborError, expect, invalid, not_found, read_json
from ocean_harbor.group_commit import GroupCommitter
from ocean_harbor.http_utils import flag, in_thread, ok, raw_segments, user_agent
from ocean_harbor.store import Store, now_iso
from ocean_harbor.upsert import Outcome, Upserter, UpsertOptions

MAX_BULK_ENTITIES = 20


def _options(request: Request) -> UpsertOptions:
    return UpsertOptions(
        upsert=flag(request, "upsert", True),
        merge=flag(request, "merge", False),
        create_missing_related_entities=flag(request, "create_missing_related_entities", False),
        validation_only=flag(request, "validation_only", False),
    )


async def _limited_body(request: Request) -> Any:
    # BodyLimitMiddleware refuses a body over 1 MiB + the envelope while it streams in (413).
    return await read_json(request)


def _upsert(
    store: Store,
    blueprint: str,
    bodies: list[Any],
    options: UpsertOptions,
    datasource: str | None,
) -> list[Outcome]:
    with store.write() as conn:
        blueprints = blueprint_set(conn)
        if blueprint not in blueprints.documents:
            raise not_found(f"Blueprint with identifier {blueprint} not found")
        upserter = Upserter(conn, blueprint, blueprints, options, datasource, now_iso())
        upserter.prefetch(bodies)
        outcomes = [upserter.upsert(index, body) for index, body in enumerate(bodies)]
        if not options.validation_only:
            upserter.finish()
            failures = [o for o in outcomes if not o.ok]
            runs.count(
                conn, datasource, blueprint, upserted=len(outcomes) - len(failures), failed=len(failures)
            )
            integration = runs.integration_of(datasource)
            for failure in failures if integration else []:
                runs.add_problem(
                    conn,
                    integration or "",
                    category="failed_entity",
                    message=failure.message,
                    blueprint=blueprint,
                    identifier=failure.identifier,
                    detail={"statusCode": failure.status, "error": failure.error},
                )
    return outcomes


def _delete(
    store: Store,
    blueprint: str,
    identifiers: list[str],
    dependents: bool,
    datasource: str | None,
) -> dict[str, Any]:
    with store.write() as conn:
        blueprints = all_blueprints(conn)
        if blueprint not in blueprints:
            raise not_found(f"Blueprint with identifier {blueprint} not found")
        result = delete_entities(
            conn, blueprint, identifiers, delete_dependents=dependents, blueprints=blueprints
        )
        runs.count(conn, datasource, blueprint, deleted=len(result.deleted) + len(result.dependents))
    body: dict[str, Any] = {"deletedEntities": result.deleted}
    if result.dependents:
        body["deletedDependents"] = [{"blueprint": bp, "identifier": i} for bp, i in result.dependents]
    if result.refused:
        body["errors"] = [
            {"identifier": i, "statusCode": 409, "error": "has_dependents", "message": message}
            for i, message in result.refused.items()
        ]
    return body


def _get(store: Store, blueprint: str, identifier: str) -> dict[str, Any]:
    with store.read() as conn:
        entity = get_entity(conn, blueprint, identifier)
    if entity is None:
        raise not_found(f"Entity with identifier {identifier} not found in blueprint {blueprint}")
    return entity


def _list(store: Store, blueprint: str, include: list[str], exclude: list[str]) -> list[dict[str, Any]]:
    with store.read() as conn:
        if conn.execute("SELECT 1 FROM blueprints WHERE identifier = ?", (blueprint,)).fetchone() is None:
            raise not_found(f"Blueprint with identifier {blueprint} not found")
        rows = conn.execute(
            f"SELECT {ENTITY_COLUMNS} FROM entities e WHERE e.blueprint = ? ORDER BY e.identifier",
            (blueprint,),
        )
        return [project(row_to_entity(row), include, exclude) for row in rows]


def entity_routes(store: Store) -> list[Route]:
    """Routes under ``/v1/blueprints/{bp}`` that read and write entities."""
    upserts = GroupCommitter(store)

    async def upsert_one(request: Request) -> Response:
        body = await _limited_body(request)
        bp = request.path_params["bp"]
        [outcome] = await upserts.run(_upsert, store, bp, [body], _options(request), user_agent(request))
        if not outcome.ok:
            raise HarborError(outcome.status, outcome.error, outcome.message)
        return ok(201 if outcome.created else 200, entity=outcome.entity)

    async def upsert_bulk(request: Request) -> Response:
        body = await _limited_body(request)
        if not isinstance(body, dict):
            raise invalid('The request body must be {"entities": [...]}.')
        entities = expect(body, "entities", list)
        if len(entities) > MAX_BULK_ENTITIES:
            raise invalid(
                f"body/entities must NOT have more than {MAX_BULK_ENTITIES} items, got {len(entities)}."
            )
        bp = request.path_params["bp"]
        outcomes = await upserts.run(_upsert, store, bp, entities, _options(request), user_agent(request))
        errors = [o.error_item() for o in outcomes if not o.ok]
        return ok(
            207 if errors else 200, entities=[o.success_item() for o in outcomes if o.ok], errors=errors
        )

    async def get_one(request: Request) -> Response:
        identifier = "/".join(raw_segments(request)[5:])
        return ok(entity=await in_thread(_get, store, request.path_params["bp"], identifier))

    async def list_all(request: Request) -> Response:
        include, exclude = request.query_params.getlist("include"), request.query_params.getlist("exclude")
        return ok(entities=await in_thread(_list, store, request.path_params["bp"], include, exclude))

    async def delete_one(request: Request) -> Response:
        identifier = "/".join(raw_segments(request)[5:])
        bp, dependents = request.path_params["bp"], flag(request, "delete_dependents", False)
        result = await in_thread(_delete, store, bp, [identifier], dependents, user_agent(request))
        if result.get("errors"):
            raise HarborError(409, "has_dependents", result["errors"][0]["message"])
        if not result["deletedEntities"]:
            raise not_found(f"Entity with identifier {identifier} not found in blueprint {bp}")
        return ok()

    async def delete_bulk(request: Request) -> Response:
        body = await read_json(request)
        ids = expect(body, "entities", list) if isinstance(body, dict) else None
        if ids is None or not all(isinstance(i, str) for i in ids):
            raise invalid('The request body must be {"entities": ["identifier", ...]}.')
        bp, dependents = request.path_params["bp"], flag(request, "delete_dependents", False)
        return ok(**await in_thread(_delete, store, bp, ids, dependents, user_agent(request)))

    return [
        Route("/v1/blueprints/{bp}/entities/bulk", upsert_bulk, methods=["POST"]),
        Route("/v1/blueprints/{bp}/entities", upsert_one, methods=["POST"]),
        Route("/v1/blueprints/{bp}/entities", list_all, methods=["GET"]),
        Route("/v1/blueprints/{bp}/entities/{identifier:path}", get_one, methods=["GET"]),
        Route("/v1/blueprints/{bp}/entities/{identifier:path}", delete_one, methods=["DELETE"]),
        Route("/v1/blueprints/{bp}/bulk/entities/delete", delete_bulk, methods=["POST"]),
    ]
