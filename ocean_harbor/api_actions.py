"""Self-service actions: running them, and the endpoints integrations execute runs through.

| route | who calls it |
|---|---|
| ``POST /v1/actions/{action}/runs`` ``{"entity"?, "properties"}`` | a user (API or the UI form) |
| ``POST /v1/actions/runs/claim-pending`` | the integration: its pending runs (``action_runs.py``) |
| ``PATCH /v1/actions/runs/ack`` ``{"runId"}`` | the integration, before executing a run |
| ``PATCH /v1/actions/runs/{id}`` / ``POST …/{id}/logs`` | the integration, reporting |
| ``GET /v1/actions/runs[?external_run_id=&action=]``, ``GET …/{id}[/logs]`` | anyone |
| ``GET`` / ``PUT`` / ``DELETE /v1/actions/{identifier}`` | the action definitions |

Only ``INTEGRATION_ACTION`` actions run here: the run's payload names the installation and the
executor (``integrationActionType``) and carries ``integrationActionExecutionProperties``,
rendered from the action's ``{{ jq }}`` templates (``action_templates.py``) once the inputs
passed ``trigger.userInputs`` (``action_inputs.py``).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocean_harbor import action_runs
from ocean_harbor.action_inputs import check_inputs
from ocean_harbor.action_templates import render
from ocean_harbor.catalog import get_blueprint, get_entity
from ocean_harbor.errors import expect, invalid, not_found, read_object
from ocean_harbor.http_utils import in_thread, ok
from ocean_harbor.store import Store, dumps, loads, now_iso

CLAIM_HEADER = "x-ocean-claim-id"
ENTITY_OPERATIONS = ("DAY-2", "DELETE")
MAX_LISTED_RUNS = 1000


def get_action(conn: sqlite3.Connection, identifier: str) -> dict[str, Any]:
    """The action definition (as pushed from ``actions.json``), or a 404."""
    row = conn.execute(
        "SELECT body FROM documents WHERE collection = 'actions' AND identifier = ?", (identifier,)
    ).fetchone()
    if row is None:
        raise not_found(f"Action with identifier {identifier} not found")
    action: dict[str, Any] = loads(row["body"])
    return action


def create_run(
    store: Store, identifier: str, body: dict[str, Any], *, source: str = "API", created_by: str = "harbor"
) -> dict[str, Any]:
    """Check the inputs, render the executor's properties and store a new run (``IN_PROGRESS``).

    Raises:
        HarborError: 404 unknown action or entity; 422 bad inputs, a missing entity for an
            entity action, an action the harbor cannot run, or a template that fails.
    """
    with store.write() as conn:
        action = get_action(conn, identifier)
        trigger: dict[str, Any] = action["trigger"] if isinstance(action.get("trigger"), dict) else {}
        blueprint_id = trigger.get("blueprintIdentifier")
        entity = _run_entity(conn, identifier, trigger, body)
        properties = check_inputs(conn, action, body.get("properties") or {})
        method = _integration_method(action)
        now = now_iso()
        run_id = action_runs.new_run_id()
        context = {
            "inputs": properties,
            "entity": entity or {},
            "action": {"identifier": identifier, "title": action.get("title")},
            "run": {"id": run_id},
            "trigger": {
                "by": {"user": {"email": created_by}},
                "operation": trigger.get("operation"),
                "at": now,
            },
        }
        blueprint = get_blueprint(conn, blueprint_id) if isinstance(blueprint_id, str) else None
        run: dict[str, Any] = {
            "id": run_id,
            "status": "IN_PROGRESS",
            "statusLabel": None,
            "summary": None,
            "link": [],
            "externalRunId": None,
            "action": {"identifier": identifier, "title": action.get("title"), "icon": action.get("icon")},
            "blueprint": {"identifier": blueprint_id, "title": (blueprint or {}).get("title")}
            if blueprint_id
            else None,
            "entity": {"identifier": entity["identifier"], "title": entity.get("title")} if entity else None,
            "properties": properties,
            "payload": {
                "type": "INTEGRATION_ACTION",
                "installationId": method["installationId"],
                "integrationActionType": method["integrationActionType"],
                "integrationActionExecutionProperties": render(
                    method.get("integrationActionExecutionProperties") or {}, context
                ),
            },
            "source": source,
            "createdBy": created_by,
            "createdAt": now,
            "updatedAt": now,
            "endedAt": None,
        }
        action_runs.insert_run(conn, run)
        return action_runs.run_document(conn, run_id)


def _run_entity(
    conn: sqlite3.Connection, identifier: str, trigger: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any] | None:
    entity_id = expect(body, "entity", str, required=False)
    blueprint = trigger.get("blueprintIdentifier")
    if trigger.get("operation") in ENTITY_OPERATIONS and entity_id is None:
        raise invalid(
            f"body/entity is required: action {identifier} runs on an entity of blueprint {blueprint}."
        )
    if entity_id is None:
        return None
    if not isinstance(blueprint, str):
        raise invalid(
            f"Action {identifier} has no trigger.blueprintIdentifier, so it cannot run on an entity."
        )
    entity = get_entity(conn, blueprint, entity_id)
    if entity is None:
        raise not_found(f"Entity {entity_id} of blueprint {blueprint} not found")
    return entity


def _integration_method(action: dict[str, Any]) -> dict[str, Any]:
    method = action.get("invocationMethod")
    kind = method.get("type") if isinstance(method, dict) else None
    if not isinstance(method, dict) or kind != "INTEGRATION_ACTION":
        raise invalid(
            f"Action {action.get('identifier')} is invoked by {kind or 'nothing'}; the harbor runs only "
            "INTEGRATION_ACTION actions (executed by an Ocean integration)."
        )
    for key in ("installationId", "integrationActionType"):
        if not isinstance(method.get(key), str) or not method[key]:
            raise invalid(f"Action {action.get('identifier')}: invocationMethod.{key} is required.")
    return method


def _limit(text: str | None) -> int:
    if not text:
        return 50
    if not text.isdigit() or int(text) < 1:
        raise invalid(f"query parameter limit must be a positive whole number, got {text!r}.")
    return min(int(text), MAX_LISTED_RUNS)


def _claim_id(request: Request) -> str | None:
    return request.headers.get(CLAIM_HEADER) or None


def action_routes(store: Store) -> list[Route]:
    """Routes for action runs and action definitions (literal paths before parameterised ones)."""

    async def run_action(request: Request) -> Response:
        body = await read_object(request)
        run = await in_thread(create_run, store, request.path_params["action"], body)
        return ok(201, run=run)

    async def claim_pending(request: Request) -> Response:
        body = await read_object(request)
        installation = expect(body, "installationId", str)
        limit = expect(body, "limit", int)
        visibility = expect(body, "visibilityTimeoutMs", int)
        exclude = expect(body, "exclude", list, required=False) or []
        if limit < 1 or visibility < 1:
            raise invalid("body/limit and body/visibilityTimeoutMs must be positive.")

        def claim() -> list[dict[str, Any]]:
            with store.write() as conn:
                return action_runs.claim_pending(
                    conn,
                    installation,
                    limit=limit,
                    visibility_ms=visibility,
                    exclude=[str(e) for e in exclude],
                )

        return ok(runs=await in_thread(claim))

    async def acknowledge(request: Request) -> Response:
        run_id = expect(await read_object(request), "runId", str)

        def ack() -> dict[str, Any]:
            with store.write() as conn:
                return action_runs.acknowledge(conn, run_id, _claim_id(request))

        return ok(run=await in_thread(ack))

    async def list_runs(request: Request) -> Response:
        query = request.query_params
        limit = _limit(query.get("limit"))

        def find() -> list[dict[str, Any]]:
            with store.read() as conn:
                return action_runs.find_runs(
                    conn,
                    external_run_id=query.get("external_run_id"),
                    action=query.get("action"),
                    limit=limit,
                )

        return ok(runs=await in_thread(find))

    async def get_run(request: Request) -> Response:
        def read() -> dict[str, Any]:
            with store.read() as conn:
                return action_runs.run_document(conn, request.path_params["run_id"])

        return ok(run=await in_thread(read))

    async def patch_run(request: Request) -> Response:
        body = await read_object(request)

        def patch() -> dict[str, Any]:
            with store.write() as conn:
                return action_runs.patch_run(conn, request.path_params["run_id"], body, _claim_id(request))

        return ok(run=await in_thread(patch))

    async def add_log(request: Request) -> Response:
        body = await read_object(request)

        def log() -> dict[str, Any]:
            with store.write() as conn:
                return action_runs.add_log(
                    conn, request.path_params["run_id"], body.get("message"), body.get("statusLabel"),
                    _claim_id(request),
                )  # fmt: skip

        return ok(201, runLog=await in_thread(log))

    async def get_logs(request: Request) -> Response:
        def read() -> list[dict[str, Any]]:
            with store.read() as conn:
                return action_runs.run_logs(conn, request.path_params["run_id"])

        return ok(runLogs=await in_thread(read))

    async def get_action_route(request: Request) -> Response:
        def read() -> dict[str, Any]:
            with store.read() as conn:
                return get_action(conn, request.path_params["action"])

        return ok(action=await in_thread(read))

    async def put_action(request: Request) -> Response:
        body = await read_object(request)
        return ok(action=await in_thread(_replace_action, store, request.path_params["action"], body))

    async def delete_action(request: Request) -> Response:
        await in_thread(_delete_action, store, request.path_params["action"])
        return ok()

    return [
        Route("/v1/actions/runs/claim-pending", claim_pending, methods=["POST"]),
        Route("/v1/actions/runs/ack", acknowledge, methods=["PATCH"]),
        Route("/v1/actions/runs", list_runs, methods=["GET"]),
        Route("/v1/actions/runs/{run_id}", get_run, methods=["GET"]),
        Route("/v1/actions/runs/{run_id}", patch_run, methods=["PATCH"]),
        Route("/v1/actions/runs/{run_id}/logs", add_log, methods=["POST"]),
        Route("/v1/actions/runs/{run_id}/logs", get_logs, methods=["GET"]),
        Route("/v1/actions/{action}/runs", run_action, methods=["POST"]),
        Route("/v1/actions/{action}", get_action_route, methods=["GET"]),
        Route("/v1/actions/{action}", put_action, methods=["PUT"]),
        Route("/v1/actions/{action}", delete_action, methods=["DELETE"]),
    ]


def _replace_action(store: Store, identifier: str, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("identifier", identifier) != identifier:
        raise invalid(f"body/identifier {body.get('identifier')!r} differs from the path's {identifier!r}.")
    with store.write() as conn:
        current = get_action(conn, identifier)
        now = now_iso()
        doc = {**body, "identifier": identifier, "createdAt": current.get("createdAt", now), "updatedAt": now}
        conn.execute(
            "UPDATE documents SET body = ?, updated_at = ? WHERE collection = 'actions' AND identifier = ?",
            (dumps(doc), now, identifier),
        )
    return doc


def _delete_action(store: Store, identifier: str) -> None:
    with store.write() as conn:
        get_action(conn, identifier)
        conn.execute("DELETE FROM documents WHERE collection = 'actions' AND identifier = ?", (identifier,))
