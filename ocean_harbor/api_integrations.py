"""Integrations: create/get/patch/delete, config, resync state and requests, kind examples.

The stored document is what clients sent (merged on PATCH). The ingest URLs
(``logAttributes`` / ``metricAttributes`` / ``ingestAttributes``) are added on every answer from
the request's own base URL, so they point back at this server however it was reached.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocean_harbor import runs
from ocean_harbor.errors import HarborError, expect, not_found, read_object
from ocean_harbor.http_utils import base_url, in_thread, ok, raw_segments
from ocean_harbor.store import Store, dumps, loads, now_iso

RESYNC_STATE_DEFAULT = {
    "status": None,
    "lastResyncStart": None,
    "lastResyncEnd": None,
    "nextResync": None,
    "intervalInMinuets": None,
}


def _with_urls(doc: dict[str, Any], root: str) -> dict[str, Any]:
    identifier = doc["identifier"]
    return {
        **doc,
        "logAttributes": {"ingestId": identifier, "ingestUrl": f"{root}/ingest/logs/{identifier}"},
        "metricAttributes": {"ingestId": identifier, "ingestUrl": f"{root}/ingest/metrics/{identifier}"},
        "ingestAttributes": {"ingestUrl": f"{root}/ingest/raw/{identifier}"},
    }


def _load(store: Store, identifier: str) -> dict[str, Any]:
    with store.read() as conn:
        row = conn.execute("SELECT body FROM integrations WHERE identifier = ?", (identifier,)).fetchone()
    if row is None:
        raise not_found(f"Integration with identifier {identifier} not found")
    doc: dict[str, Any] = loads(row["body"])
    return doc


def _create(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    identifier = expect(body, "installationId", str)
    now = now_iso()
    doc = {
        "installationType": "OnPrem",
        "config": {},
        **body,
        "identifier": identifier,
        "installationId": identifier,
        "resyncState": {**RESYNC_STATE_DEFAULT, "updatedAt": now},
        "createdAt": now,
        "updatedAt": now,
    }
    with store.write() as conn:
        exists = conn.execute("SELECT 1 FROM integrations WHERE identifier = ?", (identifier,)).fetchone()
        if exists:
            raise HarborError(409, "conflict", f"Integration with identifier {identifier} already exists")
        conn.execute(
            "INSERT INTO integrations (identifier, body, created_at, updated_at) VALUES (?, ?, ?, ?)",
            (identifier, dumps(doc), now, now),
        )
    return doc


def _update(
    store: Store, identifier: str, changes: dict[str, Any], *, resync_state: bool = False
) -> dict[str, Any]:
    """Merges top-level ``changes`` into the stored integration (identity keys stay).

    With ``resync_state``, ``changes`` is merged into ``resyncState`` instead (stamping its
    ``updatedAt``) and the sync-run history is updated in the same transaction.
    """
    now = now_iso()
    with store.write() as conn:
        row = conn.execute("SELECT body FROM integrations WHERE identifier = ?", (identifier,)).fetchone()
        if row is None:
            raise not_found(f"Integration with identifier {identifier} not found")
        doc = loads(row["body"])
        if resync_state:
            runs.record_state(conn, identifier, changes)
            changes = {"resyncState": {**(doc.get("resyncState") or {}), **changes, "updatedAt": now}}
        doc = {**doc, **changes, "identifier": identifier, "installationId": identifier, "updatedAt": now}
        conn.execute(
            "UPDATE integrations SET body = ?, updated_at = ? WHERE identifier = ?",
            (dumps(doc), now, identifier),
        )
    return doc


def _delete(store: Store, identifier: str) -> None:
    with store.write() as conn:
        if conn.execute("DELETE FROM integrations WHERE identifier = ?", (identifier,)).rowcount == 0:
            raise not_found(f"Integration with identifier {identifier} not found")
        conn.execute("DELETE FROM resync_requests WHERE integration = ?", (identifier,))


def _request_resync(store: Store, identifier: str) -> dict[str, Any]:
    _load(store, identifier)
    request = {"id": f"resync-{uuid.uuid4().hex[:12]}", "updatedAt": now_iso()}
    with store.write() as conn:
        conn.execute(
            "INSERT INTO resync_requests (id, integration, created_at) VALUES (?, ?, ?)",
            (request["id"], identifier, request["updatedAt"]),
        )
    return request


def _latest_request(store: Store, identifier: str) -> dict[str, Any] | None:
    _load(store, identifier)
    with store.read() as conn:
        row = conn.execute(
            "SELECT id, created_at FROM resync_requests WHERE integration = ?"
            " ORDER BY created_at DESC LIMIT 1",
            (identifier,),
        ).fetchone()
    return {"id": row["id"], "updatedAt": row["created_at"]} if row else None


def _save_examples(store: Store, identifier: str, kind: str, examples: list[Any]) -> None:
    now = now_iso()
    body = {"integration": identifier, "kind": kind, "examples": examples}
    with store.write() as conn:
        conn.execute(
            "INSERT INTO documents (collection, identifier, blueprint, body, created_at, updated_at)"
            " VALUES ('kind-examples', ?, NULL, ?, ?, ?) ON CONFLICT (collection, identifier)"
            " DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            (f"{identifier}/{kind}", dumps(body), now, now),
        )


def _list(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        return [loads(r["body"]) for r in conn.execute("SELECT body FROM integrations ORDER BY identifier")]


def integration_routes(store: Store) -> list[Route]:
    """The ``/v1/integration`` routes (literal paths first, as Port routes them)."""

    async def create(request: Request) -> Response:
        doc = await in_thread(_create, store, await read_object(request))
        return ok(integration=_with_urls(doc, base_url(request)))

    async def list_all(request: Request) -> Response:
        docs = await in_thread(_list, store)
        return ok(integrations=[_with_urls(doc, base_url(request)) for doc in docs])

    async def get(request: Request) -> Response:
        doc = await in_thread(_load, store, request.path_params["id"])
        return ok(integration=_with_urls(doc, base_url(request)))

    async def patch(request: Request) -> Response:
        doc = await in_thread(_update, store, request.path_params["id"], await read_object(request))
        return ok(integration=_with_urls(doc, base_url(request)))

    async def patch_config(request: Request) -> Response:
        config = expect(await read_object(request), "config", dict)
        doc = await in_thread(_update, store, request.path_params["id"], {"config": config})
        return ok(integration=_with_urls(doc, base_url(request)))

    async def resync_state(request: Request) -> Response:
        state = await read_object(request)
        doc = await in_thread(_update, store, request.path_params["id"], state, resync_state=True)
        return ok(integration=_with_urls(doc, base_url(request)))

    async def delete(request: Request) -> Response:
        await in_thread(_delete, store, request.path_params["id"])
        return ok()

    async def get_request(request: Request) -> Response:
        return ok(request=await in_thread(_latest_request, store, request.path_params["id"]))

    async def post_request(request: Request) -> Response:
        return ok(request=await in_thread(_request_resync, store, request.path_params["id"]))

    async def kind_examples(request: Request) -> Response:
        examples = expect(await read_object(request), "examples", list)
        segments = raw_segments(request)  # /v1/integration/{id}/kinds/{kind}/examples, quote_plus'ed
        identifier, kind = segments[3], "/".join(segments[5:-1])
        await in_thread(_save_examples, store, identifier, kind, examples)
        return ok()

    return [
        Route("/v1/integration", create, methods=["POST"]),
        Route("/v1/integration", list_all, methods=["GET"]),
        Route("/v1/integration/{id}", get, methods=["GET"]),
        Route("/v1/integration/{id}", patch, methods=["PATCH"]),
        Route("/v1/integration/{id}", delete, methods=["DELETE"]),
        Route("/v1/integration/{id}/config", patch_config, methods=["PATCH"]),
        Route("/v1/integration/{id}/resync-state", resync_state, methods=["PATCH"]),
        Route("/v1/integration/{id}/resync-request", get_request, methods=["GET"]),
        Route("/v1/integration/{id}/resync-request", post_request, methods=["POST"]),
        Route("/v1/integration/{id}/kinds/{kind:path}", kind_examples, methods=["POST"]),
    ]
