"""The blueprint page: its schema and relations, its scorecards, and its entities as the user
arranged them (search, filters, sort, columns — all in the URL, see ``listing``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from ocean_harbor.ui import listing, queries, scorecards
from ocean_harbor.ui.formatting import as_dict, as_list, blueprint_url, cell, parse_datasource, pretty_json
from ocean_harbor.ui.pages import ENTITIES_PER_PAGE, NotFound
from ocean_harbor.ui.paging import Page

# Counting a scorecard reads every entity of the blueprint: on its page above this many, only on
# the scorecard's own page (~1 s at 100k entities on a busy 2-core machine).
SCORECARD_INLINE_LIMIT = 20_000


def blueprint_page(
    conn: sqlite3.Connection, identifier: str, *, params: Mapping[str, str], columns: list[str], page: int
) -> tuple[str, dict[str, Any]]:
    """A blueprint's schema, relations and scorecards, and one page of its entities.

    Args:
        conn: a read snapshot.
        identifier: the blueprint.
        params: the URL's query parameters (search, ``f.<property>`` filters, sort, dir).
        columns: the URL's ``col`` values (the chosen property columns).
        page: the 1-based page asked for.
    """
    blueprint = queries.blueprint(conn, identifier)
    if blueprint is None:
        raise NotFound(f'blueprint "{identifier}"')
    schema = as_dict(blueprint.get("schema"))
    properties = as_dict(schema.get("properties"))
    required = set(as_list(schema.get("required")))
    relations = as_dict(blueprint.get("relations"))
    targets = [as_dict(rel).get("target") for rel in relations.values()]
    target_titles = queries.blueprint_titles(conn, [target for target in targets if isinstance(target, str)])
    view = listing.Listing.from_query(params, columns, properties)
    entities, paging, problem = _entities(conn, identifier, view, properties, page)
    shown = view.shown_columns(properties)
    return "blueprint.html", {
        "blueprint": blueprint,
        "properties": [
            {"name": name, "spec": as_dict(spec), "required": name in required}
            for name, spec in properties.items()
        ],
        "relations": [
            {
                "name": name,
                "spec": as_dict(spec),
                "targetTitle": target_titles.get(as_dict(spec).get("target", "")),
            }
            for name, spec in relations.items()
        ],
        "extra_sections": _extra_property_sections(blueprint),
        "columns": [
            {"name": name, "title": as_dict(properties[name]).get("title") or name} for name in shown
        ],
        "all_columns": [
            {"name": name, "title": as_dict(spec).get("title") or name, "shown": name in shown}
            for name, spec in properties.items()
        ],
        "filter_fields": listing.filter_fields(properties),
        "view": view,
        "filter_problem": problem,
        "entities": [
            {
                **row,
                "cells": [
                    cell(row["properties"].get(name), properties.get(name), limit=60) for name in shown
                ],
                "owner": parse_datasource(row["datasource"]),
            }
            for row in entities
        ],
        "page": paging,
        "scorecards": _scorecards(conn, identifier),
        "summary_limit": SCORECARD_INLINE_LIMIT,
        "raw_json": pretty_json(blueprint),
    }


def _scorecards(conn: sqlite3.Connection, blueprint: str) -> list[dict[str, Any]]:
    """The blueprint's scorecards; with counts per rule and level when the blueprint is small
    enough to read whole on every visit (else the scorecard's own page counts them)."""
    cards = scorecards.scorecards(conn, blueprint)
    if not cards:
        return []
    if queries.count_in_blueprint(conn, blueprint) > SCORECARD_INLINE_LIMIT:
        return [{"card": card, "total": None} for card in cards]
    return [{"card": card, **scorecards.blueprint_summary(conn, card, blueprint)} for card in cards]


def scorecard_page(
    conn: sqlite3.Connection, blueprint_id: str, identifier: str
) -> tuple[str, dict[str, Any]]:
    """One scorecard over its whole blueprint: entities at each level, entities passing each rule."""
    blueprint = queries.blueprint(conn, blueprint_id)
    if blueprint is None:
        raise NotFound(f'blueprint "{blueprint_id}"')
    card = next(
        (card for card in scorecards.scorecards(conn, blueprint_id) if card.identifier == identifier), None
    )
    if card is None:
        raise NotFound(
            f'scorecard "{identifier}" of blueprint "{blueprint_id}"',
            (blueprint_url(blueprint_id), blueprint_id),
        )
    return "scorecard.html", {
        "blueprint": blueprint,
        "sc": {"card": card, **scorecards.blueprint_summary(conn, card, blueprint_id)},
    }


def _entities(
    conn: sqlite3.Connection, blueprint: str, view: listing.Listing, properties: dict[str, Any], page: int
) -> tuple[list[dict[str, Any]], Page, str]:
    """The page of entities, its paging, and why the filters matched nothing they could (if so)."""
    try:
        total = listing.count(conn, blueprint, view, properties)
    except listing.BadFilter as problem:
        return [], Page.of(1, ENTITIES_PER_PAGE, 0), str(problem)
    paging = Page.of(page, ENTITIES_PER_PAGE, total)
    if not total:  # nothing matched: no second scan for an empty page
        return [], paging, ""
    rows = listing.page(conn, blueprint, view, properties, limit=paging.size, offset=paging.offset)
    return rows, paging, ""


def _extra_property_sections(blueprint: dict[str, Any]) -> list[dict[str, Any]]:
    """Mirror, calculation and aggregation properties, shown only when the blueprint has them."""
    sections = []
    for key, title in (
        ("mirrorProperties", "Mirror properties"),
        ("calculationProperties", "Calculation properties"),
        ("aggregationProperties", "Aggregation properties"),
    ):
        items = as_dict(blueprint.get(key))
        if items:
            sections.append({"title": title, "items": items})
    return sections
