"""The compact memory of a resync: which entities it produced, and what they point at.

Reconcile deletes owned entities that this resync did *not* produce, so every mapped entity
is remembered — written, unchanged or refused alike — never the entity itself. The relation
targets of those entities are remembered too: with ``createMissingRelatedEntities`` Port may
have created them as placeholders, and deleting them would break the relations just written.

This is the only state of a resync that grows with the size of the organisation, so it is kept
small: per blueprint, a ``FingerprintSet`` of 8 bytes per identifier instead of a Python set of
strings (~100 bytes each). A fingerprint can only err one way — two identifiers sharing one
(odds ~n²/2⁶⁴) make reconcile *keep* a stale entity, never delete a produced one.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from typing import Any

# Fill ratio at which the table doubles: probe runs stay short (~2 slots for a hit, ~6 for a
# miss), and a key costs 1.3–2.7 slots (11–21 bytes).
_MAX_LOAD = 0.75
_EMPTY = 0


def fingerprint(identifier: str) -> int:
    """A non-zero 64-bit fingerprint of ``identifier``, stable within this process.

    Python's string hash (SipHash, randomised per process) is exactly that, and every ``str``
    caches it, so a membership test costs no hashing of its own.
    """
    value = hash(identifier)
    return value if value != _EMPTY else 1


class FingerprintSet:
    """A set of strings held as 64-bit fingerprints in one open-addressing ``array``.

    Membership answers "possibly added" for a string whose fingerprint was added — so a
    string never added is reported present only on a 64-bit collision.
    """

    def __init__(self) -> None:
        self._slots = array("q", [_EMPTY]) * 16
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        """Memory held by the table."""
        return self._slots.itemsize * len(self._slots)

    def add(self, identifier: str) -> None:
        """Remember ``identifier``."""
        if self._insert(self._slots, fingerprint(identifier)):
            self._count += 1
            if self._count > len(self._slots) * _MAX_LOAD:
                self._grow()

    def __contains__(self, identifier: object) -> bool:
        if not isinstance(identifier, str):
            return False
        key = fingerprint(identifier)
        slots = self._slots
        mask = len(slots) - 1
        index = key & mask
        while True:
            held = slots[index]
            if held == key:
                return True
            if held == _EMPTY:
                return False
            index = (index + 1) & mask

    @staticmethod
    def _insert(slots: array[int], key: int) -> bool:
        mask = len(slots) - 1
        index = key & mask
        while True:
            held = slots[index]
            if held == key:
                return False
            if held == _EMPTY:
                slots[index] = key
                return True
            index = (index + 1) & mask

    def _grow(self) -> None:
        bigger = array("q", [_EMPTY]) * (2 * len(self._slots))
        for key in self._slots:
            if key != _EMPTY:
                self._insert(bigger, key)
        self._slots = bigger


class ProducedSet:
    """Every entity a resync produced (per blueprint), plus the targets of their relations."""

    def __init__(self) -> None:
        self._entities: dict[str, FingerprintSet] = {}
        # (source blueprint, relation name) -> target identifiers
        self._targets: dict[tuple[str, str], FingerprintSet] = {}

    def __len__(self) -> int:
        return sum(len(identifiers) for identifiers in self._entities.values())

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) != 2:
            return False
        blueprint, identifier = key
        identifiers = self._entities.get(blueprint) if isinstance(blueprint, str) else None
        return identifiers is not None and identifier in identifiers

    @property
    def nbytes(self) -> int:
        """Memory held by the fingerprint tables (for benchmarks and tests)."""
        tables = [*self._entities.values(), *self._targets.values()]
        return sum(table.nbytes for table in tables)

    def add(self, blueprint: str, identifier: str) -> None:
        """Remember one produced entity."""
        identifiers = self._entities.get(blueprint)
        if identifiers is None:
            identifiers = self._entities[blueprint] = FingerprintSet()
        identifiers.add(identifier)

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
                for target in _as_list(value):
                    if isinstance(target, str):
                        self._targets_table(blueprint, name).add(target)

    def relation_sources(self) -> Iterable[tuple[str, str]]:
        """The ``(blueprint, relation)`` pairs that point at something."""
        return list(self._targets)

    def targets_of(self, blueprint: str, relation: str) -> FingerprintSet:
        """Identifiers the produced entities of ``blueprint`` point at through ``relation``
        (a membership test: ``identifier in produced.targets_of(bp, rel)``)."""
        return self._targets.get((blueprint, relation)) or FingerprintSet()

    def _targets_table(self, blueprint: str, relation: str) -> FingerprintSet:
        table = self._targets.get((blueprint, relation))
        if table is None:
            table = self._targets[(blueprint, relation)] = FingerprintSet()
        return table


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
