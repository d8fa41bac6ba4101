"""Deleting entities the way Port does: cascading to dependents, or protecting required relations.

- ``delete_dependents=true``: every entity that (transitively) relates to a deleted entity is
  deleted too.
- ``delete_dependents=false``: an entity that is the target of another entity's *required*
  relation is refused (it stays); optional relations pointing at a deleted entity are emptied.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ocean_harbor.links import detach, incoming

Key = tuple[str, str]  # (blueprint, identifier)


@dataclass
class DeleteResult:
    """What a deletion did: the requested identifiers deleted, cascaded ones, refused ones."""

    deleted: list[str] = field(default_factory=list)
    dependents: list[Key] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def existing_identifiers(conn: sqlite3.Connection, blueprint: str, identifiers: Iterable[str]) -> list[str]:
    """The given identifiers that exist in ``blueprint``, in request order, without duplicates."""
    wanted = list(dict.fromkeys(identifiers))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            row["identifier"]
            for row in conn.execute(
                "SELECT identifier FROM entities WHERE blueprint = ?"
                f" AND identifier IN ({','.join('?' * len(chunk))})",
                (blueprint, *chunk),
            )
        )
    return [identifier for identifier in wanted if identifier in found]


def delete_entities(
    conn: sqlite3.Connection,
    blueprint: str,
    identifiers: Iterable[str],
    *,
    delete_dependents: bool,
    blueprints: dict[str, dict[str, Any]],
) -> DeleteResult:
    """Deletes entities of ``blueprint`` (unknown identifiers are skipped, not errors).

    Args:
        blueprints: every blueprint document by identifier, to know which relations are required.
    """
    result = DeleteResult()
    targets = existing_identifiers(conn, blueprint, identifiers)
    if delete_dependents:
        doomed = _with_dependents(conn, [(blueprint, i) for i in targets])
        requested = {(blueprint, identifier) for identifier in targets}
        result.deleted = targets
        result.dependents = [key for key in doomed if key not in requested]
        _remove(conn, doomed)
        return result
    deleting = _protect_required(conn, blueprint, set(targets), blueprints, result.refused)
    for links in _links_from_outside(conn, blueprint, deleting).values():
        for link in links:
            detach(conn, link)
    result.deleted = [identifier for identifier in targets if identifier in deleting]
    _remove(conn, [(blueprint, i) for i in result.deleted])
    return result


def _protect_required(
    conn: sqlite3.Connection,
    blueprint: str,
    deleting: set[str],
    blueprints: dict[str, dict[str, Any]],
    refused: dict[str, str],
) -> set[str]:
    """Drops from ``deleting`` every entity a staying entity requires, noting why in ``refused``.

    Repeats until stable: a refused entity keeps its own relations, which may protect others.
    """
    while True:
        newly_refused = {}
        for identifier, links in _links_from_outside(conn, blueprint, deleting).items():
            required_by = next((link for link in links if _is_required(link, blueprints)), None)
            if required_by is not None:
                newly_refused[identifier] = required_by
        if not newly_refused:
            return deleting
        for identifier, link in newly_refused.items():
            deleting = deleting - {identifier}
            refused[identifier] = (
                f"Entity '{identifier}' is the target of the required relation '{link['relation']}' of "
                f"{link['blueprint']}/{link['identifier']}; "
                "delete with delete_dependents=true or remove that relation first."
            )


def _links_from_outside(
    conn: sqlite3.Connection, blueprint: str, deleting: set[str]
) -> dict[str, list[sqlite3.Row]]:
    """Links into the entities being deleted from entities that stay, by target identifier."""
    by_target: dict[str, list[sqlite3.Row]] = {}
    for link in incoming(conn, blueprint, sorted(deleting)):
        if not (link["blueprint"] == blueprint and link["identifier"] in deleting):
            by_target.setdefault(link["target_identifier"], []).append(link)
    return by_target


def _is_required(link: sqlite3.Row, blueprints: dict[str, dict[str, Any]]) -> bool:
    relation = blueprints.get(link["blueprint"], {}).get("relations", {}).get(link["relation"], {})
    return bool(relation.get("required"))


def _with_dependents(conn: sqlite3.Connection, roots: list[Key]) -> list[Key]:
    """``roots`` plus every entity relating to one of them, transitively (breadth first)."""
    doomed: dict[Key, None] = dict.fromkeys(roots)
    frontier = list(roots)
    while frontier:
        by_blueprint: dict[str, list[str]] = {}
        for bp, identifier in frontier:
            by_blueprint.setdefault(bp, []).append(identifier)
        frontier = []
        for bp, ids in by_blueprint.items():
            for link in incoming(conn, bp, ids):
                key = (link["blueprint"], link["identifier"])
                if key not in doomed:
                    doomed[key] = None
                    frontier.append(key)
    return list(doomed)


def _remove(conn: sqlite3.Connection, keys: list[Key]) -> None:
    conn.executemany("DELETE FROM entities WHERE blueprint = ? AND identifier = ?", keys)
    conn.executemany("DELETE FROM entity_links WHERE blueprint = ? AND identifier = ?", keys)


def purge_blueprint(conn: sqlite3.Connection, blueprint: str) -> int:
    """Deletes every entity of ``blueprint``; relations of other blueprints' entities pointing at
    them are emptied (this is the forced "delete all entities" migration). Returns the count."""
    identifiers = [
        r["identifier"]
        for r in conn.execute("SELECT identifier FROM entities WHERE blueprint = ?", (blueprint,))
    ]
    for link in incoming(conn, blueprint, identifiers):
        if link["blueprint"] != blueprint:
            detach(conn, link)
    conn.execute("DELETE FROM entity_links WHERE blueprint = ?", (blueprint,))
    deleted = conn.execute("DELETE FROM entities WHERE blueprint = ?", (blueprint,)).rowcount
    return int(deleted)
