"""Search across every blueprint: identifier, title, or any string property contains the text.

Results come in catalog order (blueprint, identifier: the primary key), a page at a time, and
without a total: counting every match would mean reading every entity on each keystroke's
page. A cheap ``LIKE`` on the whole properties text rules out most rows before SQLite looks
inside the JSON for a *string* value that matches (so a key name or a number never does).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ocean_harbor.ui.queries import load_json

RESULTS_PER_PAGE = 50
SNIPPET_CHARS = 90


def _pattern(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def entities(conn: sqlite3.Connection, q: str, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """Up to ``limit`` matching entities from ``offset``, each with what matched (``field``, ``text``)."""
    pattern = _pattern(q)
    rows = conn.execute(
        "SELECT e.blueprint, e.identifier, e.title, e.properties FROM entities e"
        " WHERE e.identifier LIKE :p ESCAPE '\\' OR e.title LIKE :p ESCAPE '\\'"
        " OR (e.properties LIKE :p ESCAPE '\\' AND EXISTS (SELECT 1 FROM json_tree(e.properties) j"
        "     WHERE j.type = 'text' AND j.value LIKE :p ESCAPE '\\'))"
        " ORDER BY e.blueprint, e.identifier LIMIT :limit OFFSET :offset",
        {"p": pattern, "limit": limit, "offset": offset},
    )
    return [{**dict(row), **_match(row, q)} for row in rows]


def blueprints(conn: sqlite3.Connection, q: str) -> list[dict[str, Any]]:
    """Blueprints whose identifier or title contains ``q``."""
    found = []
    needle = q.casefold()
    for row in conn.execute("SELECT identifier, body FROM blueprints ORDER BY identifier"):
        body = load_json(row["body"], {})
        title = body.get("title") if isinstance(body, dict) else None
        title = title if isinstance(title, str) else ""
        if needle in row["identifier"].casefold() or needle in title.casefold():
            found.append({"identifier": row["identifier"], "title": title or row["identifier"], "body": body})
    return found


def _match(row: sqlite3.Row, q: str) -> dict[str, str]:
    """Which field matched, and the text around the match."""
    needle = q.casefold()
    if needle in row["identifier"].casefold():
        return {"field": "identifier", "text": row["identifier"]}
    if row["title"] and needle in row["title"].casefold():
        return {"field": "title", "text": row["title"]}
    for path, value in _strings(load_json(row["properties"], {}), ""):
        if needle in value.casefold():
            return {"field": path, "text": _snippet(value, value.casefold().index(needle), len(q))}
    return {"field": "", "text": ""}


def _strings(value: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [
            item for key, child in value.items() for item in _strings(child, f"{path}.{key}" if path else key)
        ]
    if isinstance(value, list):
        return [item for i, child in enumerate(value) for item in _strings(child, f"{path}[{i}]")]
    return []


def _snippet(text: str, at: int, length: int) -> str:
    start = max(at - SNIPPET_CHARS // 2, 0)
    end = min(start + SNIPPET_CHARS, len(text))
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
