"""The reads and writes of one upsert request, done in bulk.

A bulk upsert touches up to 20 entities and their related entities. Looking each up and writing
each with its own statements made SQLite round trips the cost of an upsert; instead the request's
entities are fetched, and its relation targets checked for existence (all that is asked of them),
with one query per blueprint; later lookups are served from memory (including what this request
already wrote, so a batch may relate to its own entities), and the writes are queued and flushed
with ``executemany`` at the end.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from ocean_harbor.entity_json import ENTITY_COLUMNS, row_to_entity
from ocean_harbor.links import link_rows, replace_links
from ocean_harbor.store import dumps

Key = tuple[str, str]  # (blueprint, identifier)
CHUNK = 500  # identifiers per IN (...) list, well under SQLite's parameter limit

_UPSERT_SQL = (
    "INSERT INTO entities (blueprint, identifier, title, icon, team, properties, relations, datasource,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (blueprint, identifier) DO UPDATE SET title = excluded.title, icon = excluded.icon,"
    " team = excluded.team, properties = excluded.properties, relations = excluded.relations,"
    " datasource = excluded.datasource, updated_at = excluded.updated_at"
)


class EntityBatch:
    """Entity lookups and queued writes for one request, inside one write transaction.

    Args:
        conn: a connection inside a write transaction.
        datasource: the writer's ``User-Agent``, stored on every entity it writes.
        now: the ``updatedAt`` (and ``createdAt`` of new entities) of this request.
    """

    def __init__(self, conn: sqlite3.Connection, datasource: str | None, now: str) -> None:
        self.conn, self.datasource, self.now = conn, datasource, now
        self._entities: dict[Key, dict[str, Any] | None] = {}  # None: known not to exist
        self._present: set[Key] = set()  # known to exist, not loaded (relation targets)
        self._rows: dict[Key, tuple[Any, ...]] = {}
        self._links: dict[Key, list[tuple[str, str, str, str, str]]] = {}
        self._stale_links: dict[Key, None] = {}  # entities whose old links must go first
        self._placeholders: dict[Key, None] = {}

    def prefetch(self, blueprint: str, identifiers: Iterable[str]) -> None:
        """Loads the given entities (and notes the absent ones) in one query per chunk."""
        wanted = [i for i in dict.fromkeys(identifiers) if (blueprint, i) not in self._entities]
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            for identifier in chunk:
                self._entities[(blueprint, identifier)] = None
            rows = self.conn.execute(
                f"SELECT {ENTITY_COLUMNS} FROM entities e WHERE e.blueprint = ?"
                f" AND e.identifier IN ({','.join('?' * len(chunk))})",
                (blueprint, *chunk),
            )
            for row in rows:
                self._entities[(blueprint, row["identifier"])] = row_to_entity(row)

    def prefetch_existence(self, blueprint: str, identifiers: Iterable[str]) -> None:
        """Notes which of the given entities exist, without loading them (relation targets:
        decoding their columns for a yes/no cost more than the query)."""
        wanted = [i for i in dict.fromkeys(identifiers) if not self._known((blueprint, i))]
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            found = {
                row[0]
                for row in self.conn.execute(
                    "SELECT identifier FROM entities WHERE blueprint = ?"
                    f" AND identifier IN ({','.join('?' * len(chunk))})",
                    (blueprint, *chunk),
                )
            }
            for identifier in chunk:
                if identifier in found:
                    self._present.add((blueprint, identifier))
                else:
                    self._entities[(blueprint, identifier)] = None

    def get(self, blueprint: str, identifier: str) -> dict[str, Any] | None:
        """The entity as it stands in this request (stored or written earlier in it), or None."""
        if (blueprint, identifier) not in self._entities:
            self.prefetch(blueprint, [identifier])
        return self._entities[(blueprint, identifier)]

    def exists(self, blueprint: str, identifier: str) -> bool:
        """Whether the entity exists in this request (stored or written earlier in it)."""
        key = (blueprint, identifier)
        if not self._known(key):
            self.prefetch_existence(blueprint, [identifier])
        return key in self._present if key not in self._entities else self._entities[key] is not None

    def _known(self, key: Key) -> bool:
        return key in self._entities or key in self._present

    def put(self, entity: dict[str, Any], relation_defs: dict[str, Any]) -> dict[str, Any]:
        """Queues the upsert of a validated entity; returns it with ``createdAt`` / ``updatedAt``."""
        key = (entity["blueprint"], entity["identifier"])
        existing = self.get(*key)
        created_at = existing["createdAt"] if existing else self.now
        stored = {**entity, "createdAt": created_at, "updatedAt": self.now}
        self._entities[key] = stored
        self._rows[key] = (
            *key, stored["title"], stored["icon"], dumps(stored["team"]), dumps(stored["properties"]),
            dumps(stored["relations"]), self.datasource, created_at, self.now,
        )  # fmt: skip
        # entity_links follow the relations: untouched when they did not change (most re-syncs),
        # only added for an entity that had none (a new one), rewritten otherwise.
        if existing is None or existing["relations"] != stored["relations"] or key in self._links:
            if existing is not None:
                self._stale_links[key] = None
            self._links[key] = link_rows(key[0], key[1], stored["relations"], relation_defs)
        return stored

    def put_placeholder(self, blueprint: str, identifier: str) -> None:
        """Queues an empty entity standing in for a missing relation target.

        Placeholders have no datasource: nobody's reconcile owns (and so deletes) them.
        """
        key = (blueprint, identifier)
        if not self.exists(*key):
            self._placeholders[key] = None
            self._entities[key] = {
                "identifier": identifier, "title": None, "icon": None, "blueprint": blueprint, "team": [],
                "properties": {}, "relations": {}, "createdAt": self.now, "updatedAt": self.now,
            }  # fmt: skip

    def flush(self) -> None:
        """Writes everything queued (placeholders first, then entities and their links)."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO entities (blueprint, identifier, created_at, updated_at)"
            " VALUES (?, ?, ?, ?)",
            [(bp, identifier, self.now, self.now) for bp, identifier in self._placeholders],
        )
        self.conn.executemany(_UPSERT_SQL, list(self._rows.values()))
        replace_links(
            self.conn, list(self._stale_links), [row for rows in self._links.values() for row in rows]
        )
        self._placeholders, self._rows, self._links, self._stale_links = {}, {}, {}, {}
