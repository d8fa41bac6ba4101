"""What each page shows: a template context built from one read snapshot of the catalog.

Each ``*_page`` function takes an open connection and the request's parameters and returns the
template name and its context, or raises ``NotFound``. They hold no HTTP or HTML concerns, so
routes stay thin and the data a page shows can be read in one place.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ocean_harbor.ui import queries
from ocean_harbor.ui.formatting import blueprint_url, cell, parse_datasource, pretty_json, pretty_yaml
from ocean_harbor.ui.paging import Page

ENTITIES_PER_PAGE = 50
RUNS_PER_PAGE = 20
PROBLEMS_PER_PAGE = 25
INCOMING_PER_PAGE = 50
TABLE_PROPERTY_COLUMNS = 4
RELATION_VALUES_SHOWN = 200  # a many-relation with more values links to the first ones only


class NotFound(Exception):
    """The page's subject does not exist; ``what`` says which (``blueprint "x"``)."""

    def __init__(self, what: str, back: tuple[str, str] | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.back = back


def home_page(conn: sqlite3.Connection, *, base_url: str) -> tuple[str, dict[str, Any]]:
    """Blueprints with counts, integrations with their last resync and owned entities.

    Args:
        conn: a read snapshot.
        base_url: the harbor's URL as the browser reached it, for the "point an integration here" box.
    """
    writers = _datasources_by_integration(conn)
    integrations = [
        {**item, "ownedCount": sum(writers.get(item["identifier"], {}).values())}
        for item in queries.integrations(conn)
    ]
    blueprints = queries.blueprints_with_counts(conn)
    return "home.html", {
        "blueprints": blueprints,
        "integrations": integrations,
        "total_entities": sum(bp["entityCount"] for bp in blueprints),
        "base_url": base_url,
    }


def blueprint_page(
    conn: sqlite3.Connection, identifier: str, *, q: str, page: int
) -> tuple[str, dict[str, Any]]:
    """A blueprint's schema and relations, and one searchable page of its entities."""
    blueprint = queries.blueprint(conn, identifier)
    if blueprint is None:
        raise NotFound(f'blueprint "{identifier}"')
    schema = _dict(blueprint.get("schema"))
    properties = _dict(schema.get("properties"))
    required = set(_list(schema.get("required")))
    relations = _dict(blueprint.get("relations"))
    targets = [_dict(rel).get("target") for rel in relations.values()]
    target_titles = queries.blueprint_titles(conn, [target for target in targets if isinstance(target, str)])
    paging = Page.of(page, ENTITIES_PER_PAGE, queries.count_entities(conn, identifier, q))
    # A search that matched nothing needs no second scan for its (empty) page.
    rows = (
        queries.entity_page(conn, identifier, q=q, limit=paging.size, offset=paging.offset)
        if paging.total
        else []
    )
    columns = _table_columns(properties)
    entities = [
        {
            **row,
            "cells": [cell(row["properties"].get(name), properties.get(name), limit=60) for name in columns],
            "owner": parse_datasource(row["datasource"]),
        }
        for row in rows
    ]
    return "blueprint.html", {
        "blueprint": blueprint,
        "properties": [
            {"name": name, "spec": _dict(spec), "required": name in required}
            for name, spec in properties.items()
        ],
        "relations": [
            {
                "name": name,
                "spec": _dict(spec),
                "targetTitle": target_titles.get(_dict(spec).get("target", "")),
            }
            for name, spec in relations.items()
        ],
        "extra_sections": _extra_property_sections(blueprint),
        "columns": [
            {"name": name, "title": _dict(properties[name]).get("title") or name} for name in columns
        ],
        "entities": entities,
        "page": paging,
        "q": q,
        "raw_json": pretty_json(blueprint),
    }


def entity_page(
    conn: sqlite3.Connection, blueprint_id: str, identifier: str, *, page: int
) -> tuple[str, dict[str, Any]]:
    """An entity's fields, its relations both ways, its owner, its actions and its raw JSON."""
    from ocean_harbor.action_pages import entity_actions  # action_pages uses this package's helpers

    blueprint = queries.blueprint(conn, blueprint_id)
    entity = queries.entity(conn, blueprint_id, identifier)
    if entity is None:
        back = (blueprint_url(blueprint_id), blueprint_id) if blueprint else None
        raise NotFound(f'entity "{identifier}" of blueprint "{blueprint_id}"', back)
    properties_spec = _dict(_dict((blueprint or {}).get("schema")).get("properties"))
    datasource = entity.pop("datasource")
    incoming_paging = Page.of(page, INCOMING_PER_PAGE, queries.count_incoming(conn, blueprint_id, identifier))
    incoming = queries.incoming_page(
        conn, blueprint_id, identifier, limit=incoming_paging.size, offset=incoming_paging.offset
    )
    return "entity.html", {
        "blueprint": blueprint or {"identifier": blueprint_id},
        "entity": entity,
        "properties": [
            {
                "name": name,
                "title": _dict(properties_spec.get(name)).get("title") or name,
                "cell": cell(value, properties_spec.get(name), limit=None),
            }
            for name, value in entity["properties"].items()
        ],
        "relations_out": _relations_out(conn, blueprint or {}, entity["relations"]),
        "incoming": incoming,
        "incoming_titles": queries.blueprint_titles(conn, [link["blueprint"] for link in incoming]),
        "incoming_page": incoming_paging,
        "owner": parse_datasource(datasource),
        "datasource": datasource,
        "actions": entity_actions(conn, blueprint_id, identifier),
        "raw_json": pretty_json(entity),
    }


def integration_page(
    conn: sqlite3.Connection, identifier: str, *, runs_page: int, problems_page: int, category: str = ""
) -> tuple[str, dict[str, Any]]:
    """An integration's settings, port-app-config, resync history and mapping problems (all, or
    those of one ``category``)."""
    integration = queries.integration(conn, identifier)
    if integration is None:
        raise NotFound(f'integration "{identifier}"')
    runs = Page.of(runs_page, RUNS_PER_PAGE, queries.count_runs(conn, identifier))
    problem_counts = queries.problem_counts(conn, identifier)
    shown = problem_counts.get(category, 0) if category else sum(problem_counts.values())
    problems = Page.of(problems_page, PROBLEMS_PER_PAGE, shown)
    owned = queries.owned_counts_by_blueprint(conn, _datasources_by_integration(conn).get(identifier, {}))
    config = integration.get("config")
    return "integration.html", {
        "integration": integration,
        "resync_state": _dict(integration.get("resyncState")),
        "config_yaml": pretty_yaml(config) if config else "",
        "owned": owned,
        "owned_titles": queries.blueprint_titles(conn, owned),
        "runs": queries.run_page(conn, identifier, limit=runs.size, offset=runs.offset),
        "runs_page": runs,
        "problems": _problems(
            conn,
            queries.problem_page(
                conn, identifier, category=category, limit=problems.size, offset=problems.offset
            ),
        ),
        "problems_page": problems,
        "problem_counts": problem_counts,
        "category": category,
        "raw_json": pretty_json(integration),
    }


PROBLEM_LOCATION_KEYS = ("field", "path", "expression")


def _problems(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Problems with ``field`` (the mapping key at fault), ``extra`` (the rest of ``detail``, e.g.
    Port's error code) and ``exists`` (the refused entity is in the catalog all the same, from an
    earlier write, so the page can link to it)."""
    wanted: dict[str, set[str]] = {}
    for row in rows:
        if row["blueprint"] and row["identifier"]:
            wanted.setdefault(row["blueprint"], set()).add(row["identifier"])
    existing = {(bp, ident) for bp, ids in wanted.items() for ident in queries.entity_titles(conn, bp, ids)}
    return [
        {
            **row,
            "field": row["detail"].get("field") or row["detail"].get("path"),
            "extra": {k: v for k, v in row["detail"].items() if k not in PROBLEM_LOCATION_KEYS},
            "exists": (row["blueprint"], row["identifier"]) in existing,
        }
        for row in rows
    ]


def _datasources_by_integration(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """Writer datasources, with their entity counts, grouped by the Ocean integration they name.

    One integration writes under several datasources over time (each version, each feature), and
    the entity it owns is the one whose last writer it was.
    """
    grouped: dict[str, dict[str, int]] = {}
    for datasource, count in queries.entity_counts_by_datasource(conn).items():
        owner = parse_datasource(datasource)
        if owner:
            grouped.setdefault(owner.integration, {})[datasource] = count
    return grouped


def _relations_out(
    conn: sqlite3.Connection, blueprint: dict[str, Any], relations: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each relation value with its target blueprint and whether each target exists (a dangling
    value is shown, not hidden: it tells the user the mapping points at nothing)."""
    definitions = _dict(blueprint.get("relations"))
    result = []
    for name, value in relations.items():
        target = _dict(definitions.get(name)).get("target")
        values = [value] if isinstance(value, str) else [v for v in _list(value) if isinstance(v, str)]
        shown = values[:RELATION_VALUES_SHOWN]
        found = queries.entity_titles(conn, target, shown) if isinstance(target, str) else {}
        result.append({
            "name": name,
            "title": _dict(definitions.get(name)).get("title") or name,
            "target": target if isinstance(target, str) else None,
            "many": isinstance(value, list),
            "values": [{"identifier": v, "exists": v in found, "title": found.get(v)} for v in shown],
            "hidden": len(values) - len(shown),
            "empty": value is None or value == [],
        })  # fmt: skip
    return result


def _table_columns(properties: dict[str, Any]) -> list[str]:
    """The few properties worth a column in the entity table: scalars first, in schema order."""
    scalar = [name for name, spec in properties.items() if _dict(spec).get("type") not in ("object", "array")]
    rest = [name for name in properties if name not in scalar]
    return (scalar + rest)[:TABLE_PROPERTY_COLUMNS]


def _extra_property_sections(blueprint: dict[str, Any]) -> list[dict[str, Any]]:
    """Mirror, calculation and aggregation properties, shown only when the blueprint has them."""
    sections = []
    for key, title in (
        ("mirrorProperties", "Mirror properties"),
        ("calculationProperties", "Calculation properties"),
        ("aggregationProperties", "Aggregation properties"),
    ):
        items = _dict(blueprint.get(key))
        if items:
            sections.append({"title": title, "items": items})
    return sections


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
