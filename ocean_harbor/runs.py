"""Sync-run history and mapping problems, as the UI shows them.

A ``PATCH /v1/integration/{id}/resync-state`` with ``status: running`` opens a row in
``resync_runs``; the next other status closes it. While it is open, every upsert, deletion and
refused entity written with that integration's ``User-Agent`` is counted into it (the datasource
``port-ocean/{type}/{version}/{identifier}[/feature]`` names the integration).

``resync_runs.details`` (JSON) holds ``states`` (the resync-state bodies received, in order),
``blueprints`` (``{blueprint: {"upserted", "deleted", "failed"}}``) and ``kinds`` (the latest
sync-metrics event per ``kindIdentifier`` the client reported).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ocean_harbor.store import dumps, loads, now_iso


def integration_of(datasource: str | None) -> str | None:
    """The integration identifier inside an Ocean ``User-Agent``, or None for other clients."""
    parts = (datasource or "").split("/")
    if len(parts) >= 4 and parts[0] == "port-ocean" and parts[3]:
        return parts[3]
    return None


def open_run_id(conn: sqlite3.Connection, integration: str) -> int | None:
    """The id of the integration's running resync, if any."""
    row = conn.execute(
        "SELECT id FROM resync_runs WHERE integration = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
        (integration,),
    ).fetchone()
    return int(row["id"]) if row else None


def record_state(conn: sqlite3.Connection, integration: str, state: dict[str, Any]) -> None:
    """Opens or closes a run for a resync-state change (``running`` opens; anything else closes)."""
    status = state.get("status")
    if not isinstance(status, str):
        return
    now = now_iso()
    current = open_run_id(conn, integration)
    if status == "running":
        if current is not None:  # a run that never reported its end: it was interrupted
            _close(conn, current, "aborted", now, state)
        conn.execute(
            "INSERT INTO resync_runs (integration, started_at, status, details) VALUES (?, ?, 'running', ?)",
            (integration, now, dumps({"states": [state]})),
        )
    elif current is not None:
        _close(conn, current, status, now, state)


def _close(conn: sqlite3.Connection, run_id: int, status: str, now: str, state: dict[str, Any]) -> None:
    details = _details(conn, run_id)
    details.setdefault("states", []).append(state)
    conn.execute(
        "UPDATE resync_runs SET ended_at = ?, status = ?, details = ? WHERE id = ?",
        (now, status, dumps(details), run_id),
    )


def _details(conn: sqlite3.Connection, run_id: int) -> dict[str, Any]:
    row = conn.execute("SELECT details FROM resync_runs WHERE id = ?", (run_id,)).fetchone()
    details = loads(row["details"], {}) if row else {}
    return details if isinstance(details, dict) else {}


def count(
    conn: sqlite3.Connection,
    datasource: str | None,
    blueprint: str,
    *,
    upserted: int = 0,
    deleted: int = 0,
    failed: int = 0,
) -> int | None:
    """Adds counts to the writer's open run (per blueprint in ``details``); returns the run id."""
    integration = integration_of(datasource)
    run_id = open_run_id(conn, integration) if integration else None
    if run_id is None or not (upserted or deleted or failed):
        return run_id
    details = _details(conn, run_id)
    per_blueprint = details.setdefault("blueprints", {}).setdefault(blueprint, {})
    for key, value in (("upserted", upserted), ("deleted", deleted), ("failed", failed)):
        per_blueprint[key] = per_blueprint.get(key, 0) + value
    conn.execute(
        "UPDATE resync_runs SET upserted = upserted + ?, deleted = deleted + ?, failed = failed + ?, "
        "details = ? WHERE id = ?",
        (upserted, deleted, failed, dumps(details), run_id),
    )
    return run_id


def record_kind_metrics(conn: sqlite3.Connection, integration: str, kind: str, metrics: Any) -> None:
    """Keeps the latest per-kind sync metrics the client reported, on the open run."""
    run_id = open_run_id(conn, integration)
    if run_id is None:
        return
    details = _details(conn, run_id)
    details.setdefault("kinds", {})[kind] = metrics
    conn.execute("UPDATE resync_runs SET details = ? WHERE id = ?", (dumps(details), run_id))


def add_problem(
    conn: sqlite3.Connection,
    integration: str,
    *,
    category: str,
    message: str,
    kind: str | None = None,
    blueprint: str | None = None,
    identifier: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Records one mapping problem (``misconfigured``, ``failed_entity`` or ``error``)."""
    conn.execute(
        "INSERT INTO problems (integration, run_id, kind, category, blueprint, identifier, message, detail,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            integration,
            open_run_id(conn, integration),
            kind,
            category,
            blueprint,
            identifier,
            message,
            dumps(detail or {}),
            now_iso(),
        ),
    )
