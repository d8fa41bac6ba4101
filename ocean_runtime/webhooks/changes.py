"""What one event asks of the catalog: its processors' raw results, mapped like a resync's.

For every ``(resource, results)`` of one event:

- ``updated_raw_results`` are mapped (``itemsToParse`` applied): entities passing the selector
  are upserts; entities whose selector is now false become deletion candidates;
- ``deleted_raw_results`` are mapped: their selector-passing entities are deletion candidates;
- a candidate also upserted by the same event is not deleted.

Deletion candidates are only candidates: ``EntityWriter.delete_owned`` deletes those Port says
this integration owns. An entity with a search identifier is upserted (Port resolves it) and
never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ocean_runtime.sync.offload import OffloadingMapper
    from ocean_runtime.sync.writer import EntityKey

    from .event import WebhookEventRawResults

# An upsert's key: (blueprint, identifier), or a key of its own for a search identifier.
UpsertKey = tuple[str, str] | tuple[str, str, int]


@dataclass
class ResourceResults:
    """One processor's results for one resource of the live mapping."""

    kind: str
    index: int
    mapper: OffloadingMapper
    results: WebhookEventRawResults


@dataclass
class EventChanges:
    """The upserts and deletion candidates of one event, and what could not be mapped.

    Attributes:
        upserts: key → ``(kind, entity)``, in the order mapped.
        deletes: deletion candidates → their kind.
        failed: per kind, items whose mapping failed.
        problems: ``(kind, message)`` for each resource whose items could not all be mapped.
        incomplete: a processor failed or timed out for some resource (recorded already).
    """

    upserts: dict[UpsertKey, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    deletes: dict[EntityKey, str] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    incomplete: bool = False


async def map_changes(batch: list[ResourceResults], *, incomplete: bool = False) -> EventChanges:
    """Map every result of one event into its changes (see the module docstring)."""
    changes = EventChanges(incomplete=incomplete)
    for item in batch:
        await _map_one(item, changes)
    for key in changes.upserts:
        changes.deletes.pop((key[0], key[1]), None)
    return changes


async def _map_one(item: ResourceResults, changes: EventChanges) -> None:
    updated = await item.mapper.map(item.results.updated_raw_results, include_filtered=True)
    deleted = await item.mapper.map(item.results.deleted_raw_results)
    for result in (updated, deleted):
        if result.errors:
            changes.failed[item.kind] = changes.failed.get(item.kind, 0) + len(result.errors)
            first = result.errors[0]
            changes.problems.append(
                (
                    item.kind,
                    f"resources[{item.index}]: {len(result.errors)} item(s) could not be mapped "
                    f"(first: item #{first.index}: {first.message})",
                )
            )
    for entity in updated.entities:
        key = entity_key(entity)
        if key is not None:
            changes.upserts[key] = (item.kind, entity)
        elif isinstance(entity.get("identifier"), dict):
            # A search identifier: Port resolves it; never composed with another, never deleted.
            search: UpsertKey = (
                str(entity.get("blueprint")),
                repr(entity["identifier"]),
                len(changes.upserts),
            )
            changes.upserts[search] = (item.kind, entity)
    for entity in [*updated.filtered_entities, *deleted.entities]:
        key = entity_key(entity)
        if key is not None:
            changes.deletes[key] = item.kind


def entity_key(entity: dict[str, Any]) -> EntityKey | None:
    """``(blueprint, identifier)`` when both are plain non-empty strings."""
    identifier, blueprint = entity.get("identifier"), entity.get("blueprint")
    if isinstance(identifier, str) and identifier and isinstance(blueprint, str) and blueprint:
        return blueprint, identifier
    return None
