"""What each page shows: a template context built from one read snapshot of the catalog.

Each ``*_page`` function takes an open connection and the request's parameters and returns the
template name and its context, or raises ``NotFound``. They hold no HTTP or HTML concerns, so
routes stay thin and the data a page shows can be read in one place. This module holds the
home, search and integration pages; ``blueprint_page`` and ``entity_page`` the other two.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ocean_harbor.ui import queries, search
from ocean_harbor.ui.formatting import as_dict, parse_datasource, pretty_json, pretty_yaml
from ocean_harbor.ui.paging import Page

ENTITIES_PER_PAGE = 50
RUNS_PER_PAGE = 20
PROBLEMS_PER_PAGE = 25
INCOMING_PER_PAGE = 50
SEARCH_PER_PAGE = search.RESULTS_PER_PAGE


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


def search_page(conn: sqlite3.Connection, *, q: str, page: int) -> tuple[str, dict[str, Any]]:
    """Blueprints and entities across the catalog whose identifier, title or a string property
    contains ``q``; a page of entities at a time (no total: see ``search``)."""
    found = (
        search.entities(conn, q, limit=SEARCH_PER_PAGE + 1, offset=(page - 1) * SEARCH_PER_PAGE) if q else []
    )
    results = found[:SEARCH_PER_PAGE]
    titles = queries.blueprint_titles(conn, {row["blueprint"] for row in results})
    return "search.html", {
        "q": q,
        "page_number": page,
        "has_next": len(found) > SEARCH_PER_PAGE,
        "first_row": (page - 1) * SEARCH_PER_PAGE + 1,
        "results": results,
        "blueprint_titles": titles,
        "blueprints": search.blueprints(conn, q) if q else [],
    }


def integration_page(
    conn: sqlite3.Connection,
    identifier: str,
    *,
    runs_page: int,
    problems_page: int,
    category: str = "",
    run: int | None = None,
) -> tuple[str, dict[str, Any]]:
    """An integration's settings, port-app-config, resync history (with what each run refused or
    found) and mapping problems (all, those of one ``category``, those of one ``run``)."""
    integration = queries.integration(conn, identifier)
    if integration is None:
        raise NotFound(f'integration "{identifier}"')
    runs = Page.of(runs_page, RUNS_PER_PAGE, queries.count_runs(conn, identifier))
    run_rows = queries.run_page(conn, identifier, limit=runs.size, offset=runs.offset)
    problem_counts = queries.problem_counts(conn, identifier, run)
    shown = problem_counts.get(category, 0) if category else sum(problem_counts.values())
    problems = Page.of(problems_page, PROBLEMS_PER_PAGE, shown)
    owned = queries.owned_counts_by_blueprint(conn, _datasources_by_integration(conn).get(identifier, {}))
    config = integration.get("config")
    return "integration.html", {
        "run": run,
        "outcomes": queries.run_outcomes(conn, identifier, [row["id"] for row in run_rows]),
        "integration": integration,
        "resync_state": as_dict(integration.get("resyncState")),
        "config_yaml": pretty_yaml(config) if config else "",
        "owned": owned,
        "owned_titles": queries.blueprint_titles(conn, owned),
        "runs": run_rows,
        "runs_page": runs,
        "problems": _problems(
            conn,
            queries.problem_page(
                conn, identifier, category=category, run=run, limit=problems.size, offset=problems.offset
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
