"""Log and metric ingestion: the URLs an integration's ``logAttributes`` / ``metricAttributes`` /
``ingestAttributes`` point at.

Logs — ``POST /ingest/logs/{integration}`` with ``{"logs": [{"message", "level", "timestamp",
"extra"}]}`` — are stored in ``logs``. Records that report mapping problems also become rows
of ``problems`` (one per field/message and run, repeats dropped). Accepted shapes:

- ``extra.misconfigured = {"properties.url": ".url", ...}`` (field → JQ expression that gave no
  valid value), with the kind in ``extra.kind`` (or ``extra.resource_kind``) and optionally the
  blueprint in ``extra.blueprint``: category ``misconfigured``;
- the published client's ``"Unable to find valid data for: ..."`` warnings carrying
  ``extra.field``: category ``misconfigured``;
- a record with ``extra.category = "reconcile"`` (the run's reconcile deleted nothing on purpose:
  the deletion threshold, a failed kind; ``extra.reconcile`` holds the numbers): category
  ``reconcile``;
- an ERROR/CRITICAL record with ``extra.category = "webhook"`` (a webhook event that could not
  be processed; ``extra.eventId``, ``extra.path``, optionally ``extra.kind``): category ``webhook``;
- any other ERROR/CRITICAL record carrying ``extra.kind``: category ``error``.

Metrics (``POST {metrics}/syncMetrics``, ``PUT {metrics}/syncMetrics/resync/{event}/kind/{kind}``,
``POST {metrics}/heartbeat``) are kept per kind on the integration's open sync run. Lakehouse
writes under ``/ingest/raw/`` are acknowledged and dropped. These URLs need the integration's
bearer token (as Port's do; ``BearerAuthMiddleware``) and a JSON body (``Content-Type:
application/json``, so no web page of another site can post to them), within the harbor's body
limit (``body_limits``).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocean_harbor import runs
from ocean_harbor.errors import expect, read_json, read_object, require_json
from ocean_harbor.http_utils import in_thread, ok
from ocean_harbor.store import Store, dumps, now_iso

REFERENCE_MISCONFIG_PREFIX = "Unable to find valid data for"


def _extra(record: dict[str, Any]) -> dict[str, Any]:
    extra = record.get("extra")
    return extra if isinstance(extra, dict) else {}


def _problems_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The mapping problems one log record reports (see the module docstring)."""
    extra = _extra(record)
    kind = extra.get("kind") or extra.get("resource_kind")
    kind = kind if isinstance(kind, str) else None
    blueprint = extra.get("blueprint") if isinstance(extra.get("blueprint"), str) else None
    message = str(record.get("message", ""))
    level = str(record.get("level", "")).upper()
    misconfigured = extra.get("misconfigured")
    if isinstance(misconfigured, dict) and misconfigured:
        return [
            {
                "category": "misconfigured",
                "kind": kind,
                "blueprint": blueprint,
                "message": f"{field}: the expression {expression} gave no valid value "
                "(null, missing or misconfigured)",
                "detail": {"field": field, "expression": expression},
            }
            for field, expression in misconfigured.items()
        ]
    if isinstance(extra.get("field"), str) and message.startswith(REFERENCE_MISCONFIG_PREFIX):
        return [
            {
                "category": "misconfigured",
                "kind": kind,
                "blueprint": blueprint,
                "message": message,
                "detail": {"field": extra["field"]},
            }
        ]
    if extra.get("category") == "reconcile" and isinstance(extra.get("reconcile"), dict):
        return [{"category": "reconcile", "kind": None, "blueprint": None, "message": message,
                 "detail": extra["reconcile"]}]  # fmt: skip
    if level in ("ERROR", "CRITICAL") and extra.get("category") == "webhook":
        detail = {key: extra[key] for key in ("eventId", "path") if isinstance(extra.get(key), str)}
        return [
            {
                "category": "webhook",
                "kind": kind,
                "blueprint": blueprint,
                "message": message,
                "detail": detail,
            }
        ]
    if level in ("ERROR", "CRITICAL") and kind:
        return [{"category": "error", "kind": kind, "blueprint": blueprint, "message": message, "detail": {}}]
    return []


def _already_reported(conn: sqlite3.Connection, integration: str, problem: dict[str, Any]) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM problems WHERE integration = ? AND run_id IS ? AND category = ? AND kind IS ?"
            " AND message = ? LIMIT 1",
            (
                integration,
                runs.open_run_id(conn, integration),
                problem["category"],
                problem["kind"],
                problem["message"],
            ),
        ).fetchone()
        is not None
    )


def _store_logs(store: Store, integration: str, records: list[Any]) -> None:
    now = now_iso()
    with store.write() as conn:
        for record in records:
            if not isinstance(record, dict):
                continue
            extra = _extra(record)
            conn.execute(
                "INSERT INTO logs (integration, level, message, extra, created_at) VALUES (?, ?, ?, ?, ?)",
                (
                    integration,
                    record.get("level"),
                    str(record.get("message", "")),
                    dumps(extra),
                    str(record.get("timestamp") or now),
                ),
            )
            for problem in _problems_of(record):
                if not _already_reported(conn, integration, problem):
                    runs.add_problem(conn, integration, **problem)


def _store_metrics(store: Store, integration: str, events: list[Any]) -> None:
    with store.write() as conn:
        for event in events:
            if isinstance(event, dict) and isinstance(event.get("kindIdentifier"), str):
                runs.record_kind_metrics(conn, integration, event["kindIdentifier"], event)


def ingest_routes(store: Store) -> list[Route]:
    """Routes under ``/ingest``."""

    async def logs(request: Request) -> Response:
        require_json(request)
        records = expect(await read_object(request), "logs", list)
        await in_thread(_store_logs, store, request.path_params["integration"], records)
        return ok()

    async def sync_metrics(request: Request) -> Response:
        require_json(request)
        events = expect(await read_object(request), "syncKindsMetrics", list, required=False) or []
        await in_thread(_store_metrics, store, request.path_params["integration"], events)
        return ok()

    async def kind_metrics(request: Request) -> Response:
        require_json(request)
        event = expect(await read_object(request), "syncKindMetrics", dict, required=False)
        await in_thread(_store_metrics, store, request.path_params["integration"], [event] if event else [])
        return ok()

    async def accept(request: Request) -> Response:
        require_json(request)
        await read_json(request)  # still a 400 for a body that is not JSON
        return ok()

    return [
        Route("/ingest/logs/{integration}", logs, methods=["POST"]),
        Route("/ingest/metrics/{integration}/syncMetrics", sync_metrics, methods=["POST"]),
        Route(
            "/ingest/metrics/{integration}/syncMetrics/resync/{event}/kind/{kind:path}",
            kind_metrics,
            methods=["PUT"],
        ),
        Route("/ingest/metrics/{integration}/heartbeat", accept, methods=["POST"]),
        Route("/ingest/raw/{integration}/{rest:path}", accept, methods=["POST"]),
    ]
