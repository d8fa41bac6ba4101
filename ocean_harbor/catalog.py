"""Reading the catalog: blueprints, entities and searches over one connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ocean_harbor.entity_json import ENTITY_COLUMNS, project, row_to_entity
from ocean_harbor.entity_validation import EntityValidator
from ocean_harbor.rules import RuleCompiler
from ocean_harbor.store import loads


def get_blueprint(conn: sqlite3.Connection, identifier: str) -> dict[str, Any] | None:
    """The blueprint document, or None."""
    row = conn.execute("SELECT body FROM blueprints WHERE identifier = ?", (identifier,)).fetchone()
    return loads(row["body"]) if row else None


def all_blueprints(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Every blueprint document by identifier, in identifier order."""
    return {
        row["identifier"]: loads(row["body"])
        for row in conn.execute("SELECT identifier, body FROM blueprints ORDER BY identifier")
    }


class BlueprintSet:
    """Every blueprint of one catalog state, parsed once and shared by the requests that see it.

    A bulk upsert needs all blueprints (relation targets, search names) and a validator for its
    own; parsing and compiling those for each of thousands of requests cost more than the
    writes. The set is cached on the blueprints' exact text, so any change makes a new one.
    Treat it as read-only.
    """

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.documents = documents
        self.relation_only = relation_only_names(documents)
        self._validators: dict[str, EntityValidator] = {}

    def validator(self, identifier: str) -> EntityValidator:
        """The validator of one blueprint of the set."""
        validator = self._validators.get(identifier)
        if validator is None:
            validator = self._validators[identifier] = EntityValidator(self.documents[identifier])
        return validator


def blueprint_set(conn: sqlite3.Connection) -> BlueprintSet:
    """The current blueprints, parsed (cached while their text does not change)."""
    rows = conn.execute("SELECT identifier, body FROM blueprints ORDER BY identifier").fetchall()
    return _parsed_blueprints(tuple((row["identifier"], row["body"]) for row in rows))


@lru_cache(maxsize=8)
def _parsed_blueprints(rows: tuple[tuple[str, str], ...]) -> BlueprintSet:
    return BlueprintSet({identifier: loads(body) for identifier, body in rows})


def get_entity(conn: sqlite3.Connection, blueprint: str, identifier: str) -> dict[str, Any] | None:
    """One entity as Port's JSON, or None."""
    row = conn.execute(
        f"SELECT {ENTITY_COLUMNS} FROM entities e WHERE e.blueprint = ? AND e.identifier = ?",
        (blueprint, identifier),
    ).fetchone()
    return row_to_entity(row) if row else None


def count_entities(conn: sqlite3.Connection, blueprint: str) -> int:
    """How many entities ``blueprint`` has."""
    return int(conn.execute("SELECT COUNT(*) FROM entities WHERE blueprint = ?", (blueprint,)).fetchone()[0])


def relation_only_names(blueprints: dict[str, dict[str, Any]]) -> frozenset[str]:
    """Names that are a relation in some blueprint and a property in none."""
    relations = {name for bp in blueprints.values() for name in bp.get("relations", {})}
    properties = {name for bp in blueprints.values() for name in bp.get("schema", {}).get("properties", {})}
    return frozenset(relations - properties)


def compiler_for(conn: sqlite3.Connection) -> RuleCompiler:
    """A rule compiler aware of the current blueprints' relation names."""
    return RuleCompiler(relation_only=relation_only_names(all_blueprints(conn)))


def search(
    conn: sqlite3.Connection,
    query: dict[str, Any],
    *,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    where: str = "body",
) -> Iterator[dict[str, Any]]:
    """Entities matching a rules query, projected with ``include`` / ``exclude``.

    Raises:
        HarborError: 422 naming the bad rule.
    """
    sql, params = compiler_for(conn).compile(query, where)
    rows = conn.execute(
        f"SELECT {ENTITY_COLUMNS} FROM entities e WHERE {sql} ORDER BY e.blueprint, e.identifier", params
    )
    for row in rows:
        yield project(row_to_entity(row), include or [], exclude or [])


def matching_identifiers(
    conn: sqlite3.Connection,
    blueprint: str,
    query: dict[str, Any],
    *,
    where: str,
    compiler: RuleCompiler | None = None,
    limit: int | None = None,
) -> list[str]:
    """Identifiers of ``blueprint``'s entities matching a search query (search identifiers and
    search relations)."""
    sql, params = (compiler or compiler_for(conn)).compile(query, where)
    limit_sql = f" LIMIT {int(limit)}" if limit else ""
    rows = conn.execute(
        f"SELECT e.identifier FROM entities e WHERE e.blueprint = ? AND ({sql})"
        f" ORDER BY e.identifier{limit_sql}",
        (blueprint, *params),
    )
    return [row["identifier"] for row in rows]
