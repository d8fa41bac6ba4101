"""The compact memory of a resync: which entities it produced, and what they point at.

Reconcile deletes owned entities that this resync did *not* produce, so every mapped entity
is remembered — written, unchanged or refused alike — as a ``(blueprint, identifier)`` pair,
never the entity itself. The relation targets of those entities are remembered too: with
``createMissingRelatedEntities`` Port may have created them as placeholders, and deleting them
would break the relations just written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

EntityKey = tuple[str, str]


class ProducedSet:
    """``(blueprint, identifier)`` of every entity a resync produced, plus relation targets."""

    def __init__(self) -> None:
        self._keys: set[EntityKey] = set()
        # (source blueprint, relation name) -> target identifiers
        self._targets: dict[tuple[str, str], set[str]] = defaultdict(set)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def add(self, blueprint: str, identifier: str) -> None:
        """Remember one produced entity."""
        self._keys.add((blueprint, identifier))

    def add_entity(self, entity: Mapping[str, Any], identifier: str | None = None) -> None:
        """Remember an entity and its relation targets (search-query values are skipped).

        Args:
            entity: the mapped entity.
            identifier: Port's resolved identifier, when the mapping used a search identifier.
        """
        blueprint = entity.get("blueprint")
        key = identifier if identifier is not None else entity.get("identifier")
        if not isinstance(blueprint, str):
            return
        if isinstance(key, str):
            self.add(blueprint, key)
        relations = entity.get("relations")
        if isinstance(relations, Mapping):
            for name, value in relations.items():
                targets = [v for v in _as_list(value) if isinstance(v, str)]
                if targets:
                    self._targets[(blueprint, name)].update(targets)

    def relation_sources(self) -> Iterable[tuple[str, str]]:
        """The ``(blueprint, relation)`` pairs that point at something."""
        return list(self._targets)

    def targets_of(self, blueprint: str, relation: str) -> set[str]:
        """Identifiers the produced entities of ``blueprint`` point at through ``relation``."""
        return self._targets.get((blueprint, relation), set())


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
