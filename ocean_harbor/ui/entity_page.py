"""The entity page: its fields, owner, scorecards, relations both ways and a picture of its
neighbourhood (``graph``)."""

from __future__ import annotations

import sqlite3
from typing import Any

from ocean_harbor.ui import graph, queries, scorecards
from ocean_harbor.ui.formatting import as_dict, as_list, blueprint_url, cell, parse_datasource, pretty_json
from ocean_harbor.ui.pages import INCOMING_PER_PAGE, NotFound
from ocean_harbor.ui.paging import Page

RELATION_VALUES_SHOWN = 200  # a many-relation with more values links to the first ones only


def entity_page(
    conn: sqlite3.Connection, blueprint_id: str, identifier: str, *, page: int
) -> tuple[str, dict[str, Any]]:
    """An entity's fields, scorecards, relations both ways, neighbourhood, owner, actions and raw JSON."""
    from ocean_harbor.action_pages import entity_actions  # action_pages uses this package's helpers

    blueprint = queries.blueprint(conn, blueprint_id)
    entity = queries.entity(conn, blueprint_id, identifier)
    if entity is None:
        back = (blueprint_url(blueprint_id), blueprint_id) if blueprint else None
        raise NotFound(f'entity "{identifier}" of blueprint "{blueprint_id}"', back)
    properties_spec = as_dict(as_dict((blueprint or {}).get("schema")).get("properties"))
    datasource = entity.pop("datasource")
    incoming_total = queries.count_incoming(conn, blueprint_id, identifier)
    incoming_paging = Page.of(page, INCOMING_PER_PAGE, incoming_total)
    incoming = queries.incoming_page(
        conn, blueprint_id, identifier, limit=incoming_paging.size, offset=incoming_paging.offset
    )
    relations_out = _relations_out(conn, blueprint or {}, entity["relations"])
    center = graph.Neighbour(blueprint_id, identifier, entity["title"], "")
    sides = (graph.neighbours_in(incoming, incoming_total), graph.neighbours_out(relations_out))
    return "entity.html", {
        "blueprint": blueprint or {"identifier": blueprint_id},
        "entity": entity,
        "properties": [
            {
                "name": name,
                "title": as_dict(properties_spec.get(name)).get("title") or name,
                "cell": cell(value, properties_spec.get(name), limit=None),
            }
            for name, value in entity["properties"].items()
        ],
        "relations_out": relations_out,
        "incoming": incoming,
        "incoming_titles": queries.blueprint_titles(conn, [link["blueprint"] for link in incoming]),
        "incoming_page": incoming_paging,
        "graph_wide": graph.wide(center, *sides),
        "graph_narrow": graph.narrow(center, *sides),
        "scorecards": _scorecards(conn, blueprint_id, identifier),
        "owner": parse_datasource(datasource),
        "datasource": datasource,
        "actions": entity_actions(conn, blueprint_id, identifier),
        "raw_json": pretty_json(entity),
    }


def _scorecards(conn: sqlite3.Connection, blueprint: str, identifier: str) -> list[dict[str, Any]]:
    """Each scorecard of the blueprint: the level reached and every rule, passed or not."""
    result = []
    for card in scorecards.scorecards(conn, blueprint):
        passed = scorecards.entity_results(conn, card, blueprint, identifier)
        result.append({"card": card, "passed": passed, "level": card.level_of(passed)})
    return result


def _relations_out(
    conn: sqlite3.Connection, blueprint: dict[str, Any], relations: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each relation value with its target blueprint and whether each target exists (a dangling
    value is shown, not hidden: it tells the user the mapping points at nothing)."""
    definitions = as_dict(blueprint.get("relations"))
    result = []
    for name, value in relations.items():
        target = as_dict(definitions.get(name)).get("target")
        values = [value] if isinstance(value, str) else [v for v in as_list(value) if isinstance(v, str)]
        shown = values[:RELATION_VALUES_SHOWN]
        found = queries.entity_titles(conn, target, shown) if isinstance(target, str) else {}
        result.append({
            "name": name,
            "title": as_dict(definitions.get(name)).get("title") or name,
            "target": target if isinstance(target, str) else None,
            "many": isinstance(value, list),
            "values": [{"identifier": v, "exists": v in found, "title": found.get(v)} for v in shown],
            "hidden": len(values) - len(shown),
            "empty": value is None or value == [],
        })  # fmt: skip
    return result
