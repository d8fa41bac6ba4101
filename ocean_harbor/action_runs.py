"""Action runs in the harbor's database: created by users, claimed and reported on by integrations.

A run's way (``phase``; Port's ``status`` stays ``IN_PROGRESS`` until the end)::

    pending ──claim──► claimed ──ack──► running ──PATCH status──► done (SUCCESS | FAILURE)
                  ▲       │ the claim expires                │ a leased claim expires
                  └───────┴──────────────────────────────────┘ (the worker died): offered again

- ``claim-pending`` hands out the oldest claimable runs of the installation, each with a new
  ``claimId`` and ``deliveryCount`` + 1, hidden from other claims for ``visibilityTimeoutMs``.
- An acknowledgement *with* its claim id (header ``x-ocean-claim-id``, sent by Ocean) turns the
  claim into a lease: renewed by every later acknowledgement, and when it lapses the run is
  offered again. Writes with a claim id that is no longer the run's answer 409, so a worker that
  stalled past its lease cannot report over the one that took the run.
- An acknowledgement *without* a claim id (the published framework) is final, as in Port: the
  run is never offered again, and a second acknowledgement answers 409.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from ocean_harbor.errors import HarborError, invalid, not_found
from ocean_harbor.store import dumps, loads, now_iso

STATUSES = ("IN_PROGRESS", "SUCCESS", "FAILURE")
FINAL_STATUSES = ("SUCCESS", "FAILURE")
PATCHABLE = ("status", "statusLabel", "summary", "link", "externalRunId", "output")
MAX_CLAIM = 1000
MAX_LOG_CHARS = 10_000
Clock = Callable[[], float]


def new_run_id() -> str:
    """A run id shaped like Port's (``r_`` and 16 letters or digits)."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "r_" + "".join(secrets.choice(alphabet) for _ in range(16))


def insert_run(conn: sqlite3.Connection, run: dict[str, Any]) -> None:
    """Store a new run document (``id``, ``action``, ``payload``… built by the API)."""
    payload = run.get("payload") or {}
    conn.execute(
        "INSERT INTO action_runs (id, action, installation, status, phase, blueprint, entity, body,"
        " created_at, updated_at) VALUES (?, ?, ?, 'IN_PROGRESS', 'pending', ?, ?, ?, ?, ?)",
        (
            run["id"],
            run["action"]["identifier"],
            payload.get("installationId"),
            (run.get("blueprint") or {}).get("identifier"),
            (run.get("entity") or {}).get("identifier"),
            dumps(run),
            run["createdAt"],
            run["createdAt"],
        ),
    )


def claim_pending(
    conn: sqlite3.Connection,
    installation: str,
    *,
    limit: int,
    visibility_ms: int,
    exclude: list[str],
    clock: Clock = time.time,
) -> list[dict[str, Any]]:
    """Claim up to ``limit`` runs of ``installation`` (oldest first), as documents to hand out."""
    now = clock()
    placeholders = ",".join("?" * len(exclude))
    excluded = f" AND action NOT IN ({placeholders})" if exclude else ""
    rows = conn.execute(
        "SELECT id FROM action_runs WHERE installation = ? AND status = 'IN_PROGRESS'"
        " AND (phase = 'pending' OR (phase = 'claimed' AND claim_expires < ?)"
        "      OR (phase = 'running' AND leased = 1 AND claim_expires < ?))"
        f"{excluded} ORDER BY created_at, id LIMIT ?",
        (installation, now, now, *exclude, min(limit, MAX_CLAIM)),
    ).fetchall()
    claimed = []
    for row in rows:
        claim_id = secrets.token_hex(8)
        conn.execute(
            "UPDATE action_runs SET phase = 'claimed', claim_id = ?, claim_expires = ?, lease_ms = ?,"
            " leased = 0, deliveries = deliveries + 1, updated_at = ? WHERE id = ?",
            (claim_id, now + visibility_ms / 1000, visibility_ms, now_iso(), row["id"]),
        )
        claimed.append(run_document(conn, row["id"]))
    return claimed


def acknowledge(
    conn: sqlite3.Connection, run_id: str, claim_id: str | None, *, clock: Clock = time.time
) -> dict[str, Any]:
    """Mark the run acknowledged (with a claim id: renew its lease). 409 when another worker has it."""
    row = _row(conn, run_id)
    if row["status"] in FINAL_STATUSES:
        raise _conflict(f"Run {run_id} has already finished ({row['status']}).")
    now = clock()
    if claim_id is None:
        if row["phase"] == "running":
            raise _conflict(f"Run {run_id} was already acknowledged.")
        conn.execute(
            "UPDATE action_runs SET phase = 'running', leased = 0, updated_at = ? WHERE id = ?",
            (now_iso(), run_id),
        )
        return run_document(conn, run_id)
    _check_claim(row, claim_id)
    lease_ms = row["lease_ms"] or 60_000
    conn.execute(
        "UPDATE action_runs SET phase = 'running', leased = 1, claim_expires = ?, updated_at = ?"
        " WHERE id = ?",
        (now + lease_ms / 1000, now_iso(), run_id),
    )
    return run_document(conn, run_id)


def patch_run(
    conn: sqlite3.Connection, run_id: str, changes: dict[str, Any], claim_id: str | None
) -> dict[str, Any]:
    """Apply a run update (``status``, ``statusLabel``, ``summary``, ``link``, ``externalRunId``)."""
    unknown = sorted(set(changes) - set(PATCHABLE))
    if unknown:
        raise invalid(f"body/{unknown[0]} cannot be set on a run; the fields are: {', '.join(PATCHABLE)}.")
    row = _row(conn, run_id)
    if claim_id is not None:
        _check_claim(row, claim_id)
    if row["status"] in FINAL_STATUSES:
        raise _conflict(f"Run {run_id} has already finished ({row['status']}); it cannot change.")
    run = loads(row["body"])
    status = changes.get("status", row["status"])
    if status not in STATUSES:
        raise invalid(f"body/status must be one of {', '.join(STATUSES)}, got {status!r}.")
    now = now_iso()
    for key in ("statusLabel", "summary", "externalRunId", "output"):
        if key in changes:
            run[key] = changes[key]
    if "link" in changes:
        run["link"] = _links(changes["link"])
    run["status"], run["updatedAt"] = status, now
    done = status in FINAL_STATUSES
    if done:
        run["endedAt"] = now
    conn.execute(
        "UPDATE action_runs SET status = ?, phase = CASE WHEN ? THEN 'done' ELSE phase END,"
        " external_run_id = ?, body = ?, updated_at = ?, ended_at = ?,"
        " claim_expires = CASE WHEN ? THEN NULL ELSE claim_expires END WHERE id = ?",
        (status, done, run.get("externalRunId"), dumps(run), now, run.get("endedAt"), done, run_id),
    )
    return run_document(conn, run_id)


def add_log(
    conn: sqlite3.Connection, run_id: str, message: Any, status_label: Any, claim_id: str | None
) -> dict[str, Any]:
    """Append a log line (and set the run's ``statusLabel`` when one is given)."""
    if not isinstance(message, str) or not message:
        raise invalid("body/message is required (a non-empty string).")
    if status_label is not None and not isinstance(status_label, str):
        raise invalid("body/statusLabel must be a string.")
    row = _row(conn, run_id)
    if claim_id is not None:
        _check_claim(row, claim_id)
    now = now_iso()
    conn.execute(
        "INSERT INTO action_run_logs (run_id, message, status_label, created_at) VALUES (?, ?, ?, ?)",
        (run_id, message[:MAX_LOG_CHARS], status_label, now),
    )
    if status_label and row["status"] not in FINAL_STATUSES:
        run = loads(row["body"])
        run["statusLabel"], run["updatedAt"] = status_label, now
        conn.execute(
            "UPDATE action_runs SET body = ?, updated_at = ? WHERE id = ?", (dumps(run), now, run_id)
        )
    return {"message": message[:MAX_LOG_CHARS], "statusLabel": status_label, "createdAt": now}


def run_document(conn: sqlite3.Connection, run_id: str) -> dict[str, Any]:
    """The run as the API returns it (with ``claimId``, ``deliveryCount`` and ``phase``)."""
    row = _row(conn, run_id)
    run: dict[str, Any] = loads(row["body"])
    run["status"] = row["status"]
    run["claimId"] = row["claim_id"] if row["phase"] in ("claimed", "running") else None
    run["deliveryCount"] = row["deliveries"]
    run["phase"] = row["phase"]
    run["claimExpiresAt"] = row["claim_expires"]
    return run


def run_logs(conn: sqlite3.Connection, run_id: str, *, after: int = 0) -> list[dict[str, Any]]:
    """The run's log lines, oldest first (``after``: only those with a larger ``id``)."""
    _row(conn, run_id)
    rows = conn.execute(
        "SELECT id, message, status_label, created_at FROM action_run_logs WHERE run_id = ? AND id > ?"
        " ORDER BY id",
        (run_id, after),
    ).fetchall()
    return [
        {
            "id": r["id"],
            "message": r["message"],
            "statusLabel": r["status_label"],
            "createdAt": r["created_at"],
        }
        for r in rows
    ]


def find_runs(
    conn: sqlite3.Connection,
    *,
    external_run_id: str | None = None,
    action: str | None = None,
    entity: tuple[str, str] | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Runs, newest first, filtered by external id, action and/or (blueprint, entity)."""
    clauses: list[str] = []
    params: list[Any] = []
    if external_run_id is not None:
        clauses, params = [*clauses, "external_run_id = ?"], [*params, external_run_id]
    if action is not None:
        clauses, params = [*clauses, "action = ?"], [*params, action]
    if entity is not None:
        clauses, params = [*clauses, "blueprint = ? AND entity = ?"], [*params, *entity]
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = conn.execute(
        f"SELECT id FROM action_runs{where} ORDER BY created_at DESC, id DESC LIMIT ?", (*params, limit)
    ).fetchall()
    return [run_document(conn, row["id"]) for row in rows]


def _row(conn: sqlite3.Connection, run_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM action_runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        raise not_found(f"Run with id {run_id} not found")
    result: sqlite3.Row = row
    return result


def _check_claim(row: sqlite3.Row, claim_id: str) -> None:
    if row["claim_id"] != claim_id:
        raise _conflict(
            f"Run {row['id']} is no longer claimed by this worker (claim {claim_id} expired and the run "
            "was claimed again)."
        )


def _conflict(message: str) -> HarborError:
    return HarborError(409, "conflict", message)


def _links(value: Any) -> list[str]:
    links = [value] if isinstance(value, str) else value
    if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
        raise invalid("body/link must be a URL or a list of URLs.")
    return links
