"""From a processor's raw results to the catalog — the same mapping as a resync.

For every ``(resource, results)`` of one event:

- ``updated_raw_results`` are mapped (``itemsToParse`` applied): entities passing the selector
  are upserted; entities whose selector is now false become deletion candidates;
- ``deleted_raw_results`` are mapped: their selector-passing entities are deletion candidates;
- a candidate also being upserted by the same event is not deleted;
- a candidate is deleted only if Port says this integration owns it (a search restricted to
  its ``$datasource``). When Port cannot answer that search, nothing is deleted.

Port unreachable or refusing the credentials is raised (``AbortRunError`` but not
``PortAPIError``): the event is delivered again later. Everything else is counted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import PortAPIError
from ocean_runtime.sync.compare import identifiers_query

from .event import WebhookEventRawResults

if TYPE_CHECKING:
    from ocean_runtime.mapping import PortAppConfig, ResourceMapper
    from ocean_runtime.port import PortClient

logger = logging.getLogger(__name__)

# Above this many raw items a result is mapped in a worker thread, off the event loop.
INLINE_MAPPING_ITEMS = 100


@dataclass
class ResourceResults:
    """One processor's results for one resource of the live mapping."""

    kind: str
    index: int
    mapper: ResourceMapper
    results: WebhookEventRawResults


@dataclass
class KindCounts:
    """What happened to the entities of one kind."""

    upserted: int = 0
    deleted: int = 0
    failed: int = 0


@dataclass
class ApplyOutcome:
    """What applying one event's results did.

    Attributes:
        kinds: counts per kind.
        problems: ``(kind, message)`` for each thing that went wrong (mapping errors, refused
            entities, an ownership search Port refused).
    """

    kinds: dict[str, KindCounts] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def counts(self, kind: str) -> KindCounts:
        """The counts of ``kind`` (created on first use)."""
        return self.kinds.setdefault(kind, KindCounts())


async def apply_results(
    port: PortClient,
    config: PortAppConfig,
    batch: list[ResourceResults],
    *,
    event_params: Mapping[str, str] | None = None,
) -> ApplyOutcome:
    """Map every result, upsert what passes, delete what is gone and owned.

    Raises:
        AbortRunError: Port is unreachable or refused the credentials (redeliver the event).
    """
    outcome = ApplyOutcome()
    upserts: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    candidates: dict[tuple[str, str], str] = {}
    for item in batch:
        await _map_one(item, upserts, candidates, outcome)
    for key in upserts:
        candidates.pop(key, None)
    await _upsert(port, config, upserts, outcome, event_params)
    await _delete(port, config, candidates, outcome, event_params)
    return outcome


async def _map_one(
    item: ResourceResults,
    upserts: dict[tuple[str, str], tuple[str, dict[str, Any]]],
    candidates: dict[tuple[str, str], str],
    outcome: ApplyOutcome,
) -> None:
    updated = await _map(item.mapper, item.results.updated_raw_results, include_filtered=True)
    deleted = await _map(item.mapper, item.results.deleted_raw_results, include_filtered=False)
    for result in (updated, deleted):
        if result.errors:
            outcome.counts(item.kind).failed += len(result.errors)
            first = result.errors[0]
            outcome.problems.append(
                (
                    item.kind,
                    f"resources[{item.index}]: {len(result.errors)} item(s) could not be mapped "
                    f"(first: item #{first.index}: {first.message})",
                )
            )
    for entity in updated.entities:
        key = _key(entity)
        if key is not None or isinstance(entity.get("identifier"), dict):
            # Search identifiers are upserted too (Port resolves them); they are never deleted.
            upserts[key or (str(entity.get("blueprint")), repr(entity["identifier"]))] = (item.kind, entity)
    for entity in [*updated.filtered_entities, *deleted.entities]:
        key = _key(entity)
        if key is not None:
            candidates[key] = item.kind


async def _map(mapper: ResourceMapper, items: list[dict[str, Any]], *, include_filtered: bool) -> Any:
    if not items:
        return mapper.map_raw([], include_filtered=include_filtered)
    if len(items) <= INLINE_MAPPING_ITEMS:
        return mapper.map_raw(items, include_filtered=include_filtered)
    return await asyncio.to_thread(mapper.map_raw, items, include_filtered=include_filtered)


def _key(entity: dict[str, Any]) -> tuple[str, str] | None:
    identifier, blueprint = entity.get("identifier"), entity.get("blueprint")
    if isinstance(identifier, str) and identifier and isinstance(blueprint, str) and blueprint:
        return blueprint, identifier
    return None


async def _upsert(
    port: PortClient,
    config: PortAppConfig,
    upserts: dict[tuple[str, str], tuple[str, dict[str, Any]]],
    outcome: ApplyOutcome,
    event_params: Mapping[str, str] | None,
) -> None:
    by_blueprint: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for (blueprint, _), entry in upserts.items():
        by_blueprint.setdefault(blueprint, []).append(entry)
    for blueprint, entries in by_blueprint.items():
        results = await port.upsert_entities(
            blueprint,
            [entity for _, entity in entries],
            merge=config.enable_merge_entity,
            create_missing_related_entities=config.create_missing_related_entities,
            event_params=event_params,
        )
        for result in results:
            kind, entity = entries[result.index]
            if result.ok:
                outcome.counts(kind).upserted += 1
            elif not result.unresolved_search_identifier:
                outcome.counts(kind).failed += 1
                error = result.error or {}
                reason = error.get("message") or error.get("error") or "refused"
                outcome.problems.append((kind, f"Port refused {blueprint}/{result.identifier}: {reason}"))


async def _delete(
    port: PortClient,
    config: PortAppConfig,
    candidates: dict[tuple[str, str], str],
    outcome: ApplyOutcome,
    event_params: Mapping[str, str] | None,
) -> None:
    by_blueprint: dict[str, dict[str, str]] = {}
    for (blueprint, identifier), kind in candidates.items():
        by_blueprint.setdefault(blueprint, {})[identifier] = kind
    for blueprint, kinds in by_blueprint.items():
        try:
            owned = await port.search_entities(identifiers_query(blueprint, list(kinds)))
        except PortAPIError as exc:
            for kind in set(kinds.values()):
                outcome.problems.append((kind, f"could not check which {blueprint} entities we own: {exc}"))
            continue
        found = [str(entity.get("identifier")) for entity in owned if entity.get("identifier") in kinds]
        if not found:
            continue
        deleted = await port.delete_entities(
            blueprint, found, delete_dependents=config.delete_dependent_entities, event_params=event_params
        )
        for identifier in deleted:
            outcome.counts(kinds.get(identifier, "")).deleted += 1
