"""Ordering blueprints so that relations and derived properties always find their targets.

Blueprints may point at each other (relations), and mirror/calculation/aggregation properties
read through those relations. Port checks both when a blueprint is written, so defaults are
created in three stages, as the reference does:

1. ``create``: every blueprint without relations or derived properties;
2. ``relations``: each blueprint that has some patched with its relations, ownership and team
   inheritance;
3. ``full``: each blueprint with derived properties patched with everything.

Within a stage, relation targets come before the blueprints pointing at them; deleting goes in
the reverse order.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterator
from typing import Any

RELATION_KEYS = ("relations", "ownership", "teamInheritance")
DERIVED_KEYS = ("calculationProperties", "mirrorProperties", "aggregationProperties")


def targets(blueprint: dict[str, Any]) -> set[str]:
    """Blueprints that ``blueprint``'s relations point at (itself excluded)."""
    relations = blueprint.get("relations")
    if not isinstance(relations, dict):
        return set()
    found: set[str] = set()
    for relation in relations.values():
        target = relation.get("target") if isinstance(relation, dict) else None
        if isinstance(target, str) and target != blueprint.get("identifier"):
            found.add(target)
    return found


def dependency_order(blueprints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``blueprints`` with relation targets first (file order kept otherwise; cycles are fine).

    A cycle cannot be ordered, but the staged creation does not need it to be: relations are
    only added once every blueprint exists. Cycles therefore fall back to file order.
    """
    by_id = {blueprint["identifier"]: blueprint for blueprint in blueprints}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for identifier, blueprint in by_id.items():
        sorter.add(identifier, *(target for target in targets(blueprint) if target in by_id))
    try:
        order = list(sorter.static_order())
    except graphlib.CycleError:
        return list(blueprints)
    return [by_id[identifier] for identifier in order]


def blueprint_stages(ordered: list[dict[str, Any]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The three creation stages: ``(stage name, bodies)``.

    A later stage carries only the blueprints it adds something to (a blueprint without
    relations is complete once created): against a Port 100 ms away, a stage of no-op patches
    is a round trip for nothing. A stage with nothing to do is left out.
    """
    yield "create", [_without(b, RELATION_KEYS + DERIVED_KEYS) for b in ordered]
    related = [_without(b, DERIVED_KEYS) for b in ordered if _has_any(b, RELATION_KEYS)]
    if related:
        yield "relations", related
    derived = [dict(b) for b in ordered if _has_any(b, DERIVED_KEYS)]
    if derived:
        yield "full", derived


def _has_any(blueprint: dict[str, Any], keys: tuple[str, ...]) -> bool:
    return any(blueprint.get(key) for key in keys)


def _without(blueprint: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in blueprint.items() if key not in keys}
