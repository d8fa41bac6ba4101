"""Entities as Port returns them, and the ``include`` / ``exclude`` projections of search."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from ocean_harbor.store import loads

ENTITY_COLUMNS = (
    "e.blueprint, e.identifier, e.title, e.icon, e.team, e.properties, e.relations, e.datasource, "
    "e.created_at, e.updated_at"
)
META_FIELDS = {
    "identifier",
    "title",
    "icon",
    "blueprint",
    "team",
    "properties",
    "relations",
    "createdAt",
    "updatedAt",
    "createdBy",
    "updatedBy",
}


def row_to_entity(row: sqlite3.Row) -> dict[str, Any]:
    """A stored entity row as Port's entity JSON."""
    return {
        "identifier": row["identifier"],
        "title": row["title"],
        "icon": row["icon"],
        "blueprint": row["blueprint"],
        "team": loads(row["team"], []),
        "properties": loads(row["properties"], {}),
        "relations": loads(row["relations"], {}),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "createdBy": "harbor",
        "updatedBy": "harbor",
    }


def row_to_spliced_entity(row: sqlite3.Row) -> dict[str, Any] | None:
    """``row_to_entity`` without parsing the JSON columns: they go into the answer as stored.

    Listing thousands of entities (a reconcile's pages) spent most of its time parsing those
    columns only to write them out again. A column written with a non-finite float spells it
    ``NaN``/``Infinity`` (not JSON); such a row (or one merely mentioning those words) returns
    None, and the caller takes ``row_to_entity``'s way.
    """
    columns = (row["team"], row["properties"], row["relations"])
    if any(text and ("NaN" in text or "Infinity" in text) for text in columns):
        return None
    team, properties, relations = columns
    return {
        "identifier": row["identifier"],
        "title": row["title"],
        "icon": row["icon"],
        "blueprint": row["blueprint"],
        "team": orjson.Fragment(team or "[]"),
        "properties": orjson.Fragment(properties or "{}"),
        "relations": orjson.Fragment(relations or "{}"),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "createdBy": "harbor",
        "updatedBy": "harbor",
    }


def _field_name(path: str) -> str:
    return path[1:] if path.startswith("$") else path


def project(entity: dict[str, Any], include: list[str], exclude: list[str]) -> dict[str, Any]:
    """Keeps exactly the ``include`` fields (all when empty), then drops the ``exclude`` ones.

    Fields are ``identifier``, ``title``, ``team``, ... (``$``-prefixed too), whole ``properties`` /
    ``relations``, or one key of them: ``properties.url``, ``relations.owner``. A key absent from
    the entity stays absent, so a client comparing fields does not see a change that is not there.
    """
    if include:
        result: dict[str, Any] = {}
        for path in include:
            name = _field_name(path)
            top, _, key = name.partition(".")
            if key and top in ("properties", "relations"):
                if key in entity.get(top, {}):
                    result.setdefault(top, {})[key] = entity[top][key]
            elif name in entity:
                result[name] = entity[name]
    else:
        result = dict(entity)
    for path in exclude:
        name = _field_name(path)
        top, _, key = name.partition(".")
        if key and top in ("properties", "relations") and isinstance(result.get(top), dict):
            result[top] = {k: v for k, v in result[top].items() if k != key}
        else:
            result.pop(name, None)
    return result
