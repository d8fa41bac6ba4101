"""Every SQL query the UI runs, reading only the columns of ``ocean_harbor/schema.sql``.

The pages must stay fast with 100k entities, so no query here loads a table whole: lists are
``LIMIT``/``OFFSET`` pages in primary-key order, counts use ``COUNT(*)`` over an index, and
"who points at me" uses the ``entity_links_target`` index.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from ocean_harbor.rules import RuleCompiler

ROW_CAP = 500  # identifiers bound per IN (...) query, well under SQLite's parameter limit


def load_json(text: str | None, default: Any) -> Any:
    """A JSON column as Python; malformed or absent text gives ``default`` (pages never fail on it)."""
    if text is None:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def _document(text: str | None) -> dict[str, Any]:
    value = load_json(text, {})
    return value if isinstance(value, dict) else {}


# --- blueprints -----------------------------------------------------------------------------------


def blueprints_with_counts(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every blueprint document with ``entityCount``, in identifier order (one GROUP BY)."""
    counts = {
        row["blueprint"]: row["n"]
        for row in conn.execute("SELECT blueprint, COUNT(*) AS n FROM entities GROUP BY blueprint")
    }
    result = []
    for row in conn.execute("SELECT identifier, body FROM blueprints ORDER BY identifier"):
        body = _document(row["body"])
        result.append(
            {**body, "identifier": row["identifier"], "entityCount": counts.get(row["identifier"], 0)}
        )
    return result


def blueprint(conn: sqlite3.Connection, identifier: str) -> dict[str, Any] | None:
    """One blueprint document (with ``createdAt``/``updatedAt`` from the row), or None."""
    row = conn.execute(
        "SELECT identifier, body, created_at, updated_at FROM blueprints WHERE identifier = ?", (identifier,)
    ).fetchone()
    if row is None:
        return None
    body = _document(row["body"])
    body.setdefault("createdAt", row["created_at"])
    body.setdefault("updatedAt", row["updated_at"])
    return {**body, "identifier": row["identifier"]}


def blueprint_titles(conn: sqlite3.Connection, identifiers: Iterable[str]) -> dict[str, str]:
    """Titles of the given blueprints (identifier when untitled); unknown ones are left out."""
    ids = sorted(set(identifiers))
    titles: dict[str, str] = {}
    for start in range(0, len(ids), ROW_CAP):
        chunk = ids[start : start + ROW_CAP]
        for row in conn.execute(
            f"SELECT identifier, body FROM blueprints WHERE identifier IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            title = _document(row["body"]).get("title")
            titles[row["identifier"]] = title if isinstance(title, str) and title else row["identifier"]
    return titles


def rule_compiler(conn: sqlite3.Connection) -> RuleCompiler:
    """The harbor's search-rule compiler, told which names are relations only (as the API's is),
    reading blueprints defensively: a malformed stored blueprint counts as one without relations."""
    relations: set[str] = set()
    properties: set[str] = set()
    for row in conn.execute("SELECT body FROM blueprints"):
        body = _document(row["body"])
        relations.update(body["relations"] if isinstance(body.get("relations"), dict) else {})
        schema = body["schema"] if isinstance(body.get("schema"), dict) else {}
        properties.update(schema["properties"] if isinstance(schema.get("properties"), dict) else {})
    return RuleCompiler(relation_only=frozenset(relations - properties))


# --- entities -------------------------------------------------------------------------------------


def count_in_blueprint(conn: sqlite3.Connection, blueprint: str) -> int:
    """How many entities ``blueprint`` has (over the primary key)."""
    return int(conn.execute("SELECT COUNT(*) FROM entities WHERE blueprint = ?", (blueprint,)).fetchone()[0])


def entity_rows(
    conn: sqlite3.Connection, where: str, params: list[Any], *, order: str, limit: int, offset: int
) -> list[dict[str, Any]]:
    """One page of ``entities e`` rows matching ``where``, in ``order``, as table rows."""
    rows = conn.execute(
        "SELECT e.identifier, e.title, e.icon, e.properties, e.datasource, e.updated_at FROM entities e"
        f" WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [
        {
            "identifier": row["identifier"],
            "title": row["title"],
            "icon": row["icon"],
            "properties": _document(row["properties"]),
            "datasource": row["datasource"],
            "updatedAt": row["updated_at"],
        }
        for row in rows
    ]


def entity(conn: sqlite3.Connection, blueprint: str, identifier: str) -> dict[str, Any] | None:
    """One entity as Port's JSON plus its ``datasource``, or None."""
    row = conn.execute(
        "SELECT blueprint, identifier, title, icon, team, properties, relations, datasource, created_at,"
        " updated_at FROM entities WHERE blueprint = ? AND identifier = ?",
        (blueprint, identifier),
    ).fetchone()
    if row is None:
        return None
    team = load_json(row["team"], [])
    return {
        "identifier": row["identifier"],
        "title": row["title"],
        "icon": row["icon"],
        "blueprint": row["blueprint"],
        "team": team if isinstance(team, list) else [team],
        "properties": _document(row["properties"]),
        "relations": _document(row["relations"]),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "datasource": row["datasource"],
    }


def entity_titles(
    conn: sqlite3.Connection, blueprint: str, identifiers: Iterable[str]
) -> dict[str, str | None]:
    """Which of ``identifiers`` exist in ``blueprint``, with their titles (missing ones are left out)."""
    ids = sorted(set(identifiers))
    found: dict[str, str | None] = {}
    for start in range(0, len(ids), ROW_CAP):
        chunk = ids[start : start + ROW_CAP]
        for row in conn.execute(
            "SELECT identifier, title FROM entities WHERE blueprint = ?"
            f" AND identifier IN ({','.join('?' * len(chunk))})",
            [blueprint, *chunk],
        ):
            found[row["identifier"]] = row["title"]
    return found


def count_incoming(conn: sqlite3.Connection, blueprint: str, identifier: str) -> int:
    """How many relation values point at this entity."""
    row = conn.execute(
        "SELECT COUNT(*) FROM entity_links WHERE target_blueprint = ? AND target_identifier = ?",
        (blueprint, identifier),
    ).fetchone()
    return int(row[0])


def incoming_page(
    conn: sqlite3.Connection, blueprint: str, identifier: str, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    """One page of the entities pointing at this one: source blueprint, identifier, title, relation."""
    rows = conn.execute(
        "SELECT l.blueprint, l.identifier, l.relation, e.title FROM entity_links l"
        " LEFT JOIN entities e ON e.blueprint = l.blueprint AND e.identifier = l.identifier"
        " WHERE l.target_blueprint = ? AND l.target_identifier = ?"
        " ORDER BY l.blueprint, l.relation, l.identifier LIMIT ? OFFSET ?",
        (blueprint, identifier, limit, offset),
    )
    return [dict(row) for row in rows]


# --- integrations ---------------------------------------------------------------------------------


def integrations(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every integration document with ``lastRun`` (its newest ``resync_runs`` row, or None)."""
    last_runs = {
        row["integration"]: dict(row)
        for row in conn.execute(
            "SELECT r.* FROM resync_runs r JOIN (SELECT integration, MAX(id) AS id FROM resync_runs"
            " GROUP BY integration) newest ON newest.id = r.id"
        )
    }
    result = []
    for row in conn.execute(
        "SELECT identifier, body, created_at, updated_at FROM integrations ORDER BY identifier"
    ):
        body = _document(row["body"])
        result.append({**body, "identifier": row["identifier"], "lastRun": last_runs.get(row["identifier"])})
    return result


def integration(conn: sqlite3.Connection, identifier: str) -> dict[str, Any] | None:
    """One integration document (with row timestamps as fallbacks), or None."""
    row = conn.execute(
        "SELECT identifier, body, created_at, updated_at FROM integrations WHERE identifier = ?",
        (identifier,),
    ).fetchone()
    if row is None:
        return None
    body = _document(row["body"])
    body.setdefault("createdAt", row["created_at"])
    body.setdefault("updatedAt", row["updated_at"])
    return {**body, "identifier": row["identifier"]}


def entity_counts_by_datasource(conn: sqlite3.Connection) -> dict[str, int]:
    """Entity counts per writer ``datasource`` (over the ``entities_datasource`` index)."""
    rows = conn.execute(
        "SELECT datasource, COUNT(*) AS n FROM entities WHERE datasource IS NOT NULL GROUP BY datasource"
    )
    return {row["datasource"]: row["n"] for row in rows}


def count_runs(conn: sqlite3.Connection, integration: str) -> int:
    """How many resyncs the integration has recorded."""
    row = conn.execute("SELECT COUNT(*) FROM resync_runs WHERE integration = ?", (integration,)).fetchone()
    return int(row[0])


def run_page(conn: sqlite3.Connection, integration: str, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """One page of the integration's resyncs, newest first, ``details`` parsed."""
    rows = conn.execute(
        "SELECT id, started_at, ended_at, status, upserted, deleted, failed, details FROM resync_runs"
        " WHERE integration = ? ORDER BY id DESC LIMIT ? OFFSET ?",
        (integration, limit, offset),
    )
    return [{**dict(row), "details": _document(row["details"])} for row in rows]


def problem_counts(conn: sqlite3.Connection, integration: str, run: int | None = None) -> dict[str, int]:
    """How many mapping problems were reported for the integration (in one ``run``), per category."""
    where, params = _problem_scope(integration, run)
    rows = conn.execute(
        f"SELECT category, COUNT(*) AS n FROM problems WHERE {where} GROUP BY category ORDER BY category",
        params,
    )
    return {row["category"]: row["n"] for row in rows}


def problem_page(
    conn: sqlite3.Connection,
    integration: str,
    *,
    category: str = "",
    run: int | None = None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """One page of the integration's mapping problems (of one ``category``, of one ``run``), newest
    first, ``detail`` parsed."""
    where, params = _problem_scope(integration, run)
    if category:
        where, params = where + " AND category = ?", [*params, category]
    rows = conn.execute(
        "SELECT id, run_id, kind, category, blueprint, identifier, message, detail, created_at FROM problems"
        f" WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [{**dict(row), "detail": _document(row["detail"])} for row in rows]


def _problem_scope(integration: str, run: int | None) -> tuple[str, list[Any]]:
    if run is None:
        return "integration = ?", [integration]
    return "integration = ? AND run_id = ?", [integration, run]


def run_outcomes(conn: sqlite3.Connection, integration: str, run_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per run: its problem count, and the reconcile refusal it reported (``reconcile``), if any."""
    outcomes: dict[int, dict[str, Any]] = {run_id: {"problems": 0, "reconcile": None} for run_id in run_ids}
    if not run_ids:
        return outcomes
    marks = ",".join("?" * len(run_ids))
    for row in conn.execute(
        "SELECT run_id, COUNT(*) AS n FROM problems"
        f" WHERE integration = ? AND run_id IN ({marks}) GROUP BY run_id",
        [integration, *run_ids],
    ):
        outcomes[row["run_id"]]["problems"] = row["n"]
    for row in conn.execute(
        "SELECT run_id, detail FROM problems"
        f" WHERE integration = ? AND category = 'reconcile' AND run_id IN ({marks}) ORDER BY id",
        [integration, *run_ids],
    ):
        outcomes[row["run_id"]]["reconcile"] = _document(row["detail"])
    return outcomes


def owned_counts_by_blueprint(conn: sqlite3.Connection, datasources: Iterable[str]) -> dict[str, int]:
    """Entity counts per blueprint among entities last written by one of ``datasources``."""
    sources = sorted(set(datasources))
    counts: dict[str, int] = {}
    for start in range(0, len(sources), ROW_CAP):
        chunk = sources[start : start + ROW_CAP]
        for row in conn.execute(
            "SELECT blueprint, COUNT(*) AS n FROM entities"
            f" WHERE datasource IN ({','.join('?' * len(chunk))}) GROUP BY blueprint",
            chunk,
        ):
            counts[row["blueprint"]] = counts.get(row["blueprint"], 0) + row["n"]
    return dict(sorted(counts.items()))
