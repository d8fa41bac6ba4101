"""``Catalog``: assertions on what a resync left in the local Port, with readable failures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol


class CatalogReader(Protocol):
    """What ``Catalog`` needs from a Port: the ``harbor`` fixture has it."""

    def entities(self, blueprint: str) -> list[dict[str, Any]]:
        """Every entity of ``blueprint``."""
        ...


class Catalog:
    """Reads entities back from a Port (the ``harbor`` fixture) and asserts on them.

    Args:
        port: anything with ``entities(blueprint)``, e.g. ``ocean_harbor.testing.RunningHarbor``.
    """

    def __init__(self, port: CatalogReader) -> None:
        self._port = port

    def entities(self, blueprint: str) -> dict[str, dict[str, Any]]:
        """The entities of ``blueprint`` by identifier."""
        return {entity["identifier"]: entity for entity in self._port.entities(blueprint)}

    def identifiers(self, blueprint: str) -> set[str]:
        """The identifiers of ``blueprint``'s entities."""
        return set(self.entities(blueprint))

    def entity(self, blueprint: str, identifier: str) -> dict[str, Any]:
        """One entity; fails the test, listing what exists, when it is missing."""
        entities = self.entities(blueprint)
        if identifier not in entities:
            raise AssertionError(
                f"no {blueprint} entity {identifier!r} in the catalog; it has {_listed(entities)}"
            )
        return entities[identifier]

    def assert_identifiers(self, blueprint: str, expected: Iterable[str]) -> None:
        """Exactly these identifiers exist for ``blueprint`` (the message says what differs)."""
        actual, wanted = self.identifiers(blueprint), set(expected)
        if actual == wanted:
            return
        missing, extra = sorted(wanted - actual), sorted(actual - wanted)
        raise AssertionError(f"{blueprint} entities differ: missing {missing}, unexpected {extra}")

    def assert_entity(self, blueprint: str, identifier: str, **expected: Any) -> dict[str, Any]:
        """The entity exists and each given top-level field holds at least the given values.

        ``properties``/``relations`` dicts are compared key by key (other keys may exist);
        any other field (``title``, ``team``…) must be equal.

        Returns:
            The entity, for further checks.
        """
        entity = self.entity(blueprint, identifier)
        problems: list[str] = []
        for field_name, wanted in expected.items():
            actual = entity.get(field_name)
            if isinstance(wanted, Mapping) and isinstance(actual, Mapping):
                problems += [
                    f"{field_name}.{key}: expected {value!r}, got {actual.get(key, '<missing>')!r}"
                    for key, value in wanted.items()
                    if actual.get(key) != value
                ]
            elif actual != wanted:
                problems.append(f"{field_name}: expected {wanted!r}, got {actual!r}")
        if problems:
            raise AssertionError(f"{blueprint} entity {identifier!r}: " + "; ".join(problems))
        return entity


def _listed(entities: Mapping[str, Any]) -> str:
    names = sorted(entities)
    if not names:
        return "none"
    shown = ", ".join(repr(name) for name in names[:10])
    return shown + (f" and {len(names) - 10} more" if len(names) > 10 else "")
