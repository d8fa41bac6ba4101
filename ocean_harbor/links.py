"""``entity_links``: one row per relation value, kept in step with ``entities.relations``.

The table answers "who points at me" with an index lookup — needed to cascade deletions, to
protect required relations, for ``relatedTo`` searches and for the UI's reverse relations.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from ocean_harbor.store import dumps, loads


def relation_values(value: Any) -> list[str]:
    """The identifiers of one stored relation value (a string, a list of strings, or null)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def link_rows(
    blueprint: str, identifier: str, relations: dict[str, Any], relation_defs: dict[str, Any]
) -> list[tuple[str, str, str, str, str]]:
    """The ``entity_links`` rows for one entity's relations."""
    return [
        (blueprint, identifier, name, relation_defs[name]["target"], target)
        for name, value in relations.items()
        if name in relation_defs
        for target in relation_values(value)
    ]


def replace_links(
    conn: sqlite3.Connection, sources: list[tuple[str, str]], rows: list[tuple[str, str, str, str, str]]
) -> None:
    """Rewrites the outgoing links of the ``sources`` entities with ``rows``."""
    conn.executemany("DELETE FROM entity_links WHERE blueprint = ? AND identifier = ?", sources)
    conn.executemany(
        "INSERT OR IGNORE INTO entity_links (blueprint, identifier, relation, target_blueprint,"
        " target_identifier) VALUES (?, ?, ?, ?, ?)",
        rows,
    )


def incoming(conn: sqlite3.Connection, blueprint: str, identifiers: Iterable[str]) -> list[sqlite3.Row]:
    """Links pointing at the given entities of ``blueprint``."""
    ids = list(identifiers)
    rows: list[sqlite3.Row] = []
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = ids[start : start + 500]
        rows += conn.execute(
            "SELECT blueprint, identifier, relation, target_blueprint, target_identifier FROM entity_links"
            f" WHERE target_blueprint = ? AND target_identifier IN ({','.join('?' * len(chunk))})",
            (blueprint, *chunk),
        ).fetchall()
    return rows


def detach(conn: sqlite3.Connection, link: sqlite3.Row) -> None:
    """Removes one relation value from its source entity (a many relation loses the item, a
    single one becomes null) without touching ``updated_at``: the source did not change hands."""
    row = conn.execute(
        "SELECT relations FROM entities WHERE blueprint = ? AND identifier = ?",
        (link["blueprint"], link["identifier"]),
    ).fetchone()
    if row is not None:
        relations = loads(row["relations"], {})
        value = relations.get(link["relation"])
        if isinstance(value, list):
            relations[link["relation"]] = [v for v in value if v != link["target_identifier"]]
        elif value == link["target_identifier"]:
            relations[link["relation"]] = None
        conn.execute(
            "UPDATE entities SET relations = ? WHERE blueprint = ? AND identifier = ?",
            (dumps(relations), link["blueprint"], link["identifier"]),
        )
    conn.execute(
        "DELETE FROM entity_links WHERE blueprint = ? AND identifier = ? AND relation = ?"
        " AND target_identifier = ?",
        (link["blueprint"], link["identifier"], link["relation"], link["target_identifier"]),
    )
