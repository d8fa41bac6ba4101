"""Writing mapped entities to Port: diff before upsert, bulk upsert, count every outcome.

One ``EntityWriter`` serves one resource. It groups a batch by blueprint, drops the entities
Port already holds identically (while comparing pays off, see ``CompareSchedule``), upserts
the rest (the client splits them into requests within Port's limits and sends them
concurrently) and records each entity in the run's ``ProducedSet`` — whatever happened to it,
so a refused write can never turn into a deletion.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import PortAPIError
from ocean_runtime.port._tasks import run_all

from .compare import (
    SEARCH_CHUNK,
    CompareSchedule,
    identifiers_query,
    include_fields,
    is_unchanged,
    uses_search_query,
)
from .produced import ProducedSet
from .report import KindReport

if TYPE_CHECKING:
    from ocean_runtime.port import PortClient, UpsertOutcome

logger = logging.getLogger(__name__)

MAX_REFUSAL_SAMPLES = 50


@dataclass(frozen=True)
class WriteOptions:
    """How entities are written (from the port-app-config) and tagged (audit params).

    Attributes:
        merge: ``enableMergeEntity``.
        create_missing_related_entities: ``createMissingRelatedEntities``.
        event_params: ``ocean_info_*`` query parameters (event type, resync id).
        compare: skip entities Port already holds unchanged (resyncs only).
    """

    merge: bool = True
    create_missing_related_entities: bool = True
    event_params: Mapping[str, str] | None = None
    compare: bool = True


class EntityWriter:
    """Writes the mapped entities of one resource and counts what happened to them."""

    def __init__(
        self, port: PortClient, options: WriteOptions, produced: ProducedSet, report: KindReport
    ) -> None:
        self._port = port
        self._options = options
        self._produced = produced
        self._report = report
        self._schedule = CompareSchedule()
        self.refused = 0
        # The first few refusals, for the report and the problems log (not all: memory stays flat).
        self.refusals: list[dict[str, Any]] = []

    async def write(self, entities: list[dict[str, Any]]) -> None:
        """Write one batch of mapped entities (any blueprints)."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for entity in entities:
            groups.setdefault(str(entity.get("blueprint")), []).append(entity)
        for blueprint, group in groups.items():
            await self._write_group(blueprint, group)

    async def _write_group(self, blueprint: str, group: list[dict[str, Any]]) -> None:
        queries = any(uses_search_query(entity) for entity in group)
        changed = group if queries else await self._changed(blueprint, group)
        self._report.unchanged += len(group) - len(changed)
        for entity in group:
            # An entity with a search identifier is remembered once Port resolved it (_count).
            if not queries or not uses_search_query(entity):
                self._produced.add_entity(entity)
        if not changed:
            return
        outcomes = await self._port.upsert_entities(
            blueprint,
            changed,
            merge=self._options.merge,
            create_missing_related_entities=self._options.create_missing_related_entities,
            event_params=self._options.event_params,
        )
        self._count(blueprint, changed, outcomes, queries=queries)

    async def _changed(self, blueprint: str, group: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The entities of ``group`` that differ from Port's copy (all of them when unsure).

        ``group`` holds no search queries (Port resolves those, so they cannot be compared).
        """
        if not self._options.compare or not self._schedule.should_compare(blueprint):
            return group
        include = include_fields(group)
        current: dict[str, dict[str, Any]] = {}
        identifiers = list(dict.fromkeys(str(entity["identifier"]) for entity in group))
        chunks = [
            identifiers[start : start + SEARCH_CHUNK] for start in range(0, len(identifiers), SEARCH_CHUNK)
        ]
        try:
            # Concurrent (the client bounds the requests in flight); one failing cancels the rest.
            answers = await run_all(
                self._port.search_entities(identifiers_query(blueprint, chunk), include) for chunk in chunks
            )
        except PortAPIError as exc:
            # Comparing is an optimisation: when Port cannot answer, write everything.
            logger.warning(
                "Could not compare %s entities with Port (%s); upserting all of them", blueprint, exc
            )
            return group
        for found in answers:
            current.update((str(entity.get("identifier")), entity) for entity in found)
        self._schedule.record(blueprint, bool(current))
        return [
            entity
            for entity in group
            if str(entity["identifier"]) not in current
            or not is_unchanged(current[str(entity["identifier"])], entity)
        ]

    def _count(
        self, blueprint: str, sent: list[dict[str, Any]], outcomes: list[UpsertOutcome], *, queries: bool
    ) -> None:
        refused: list[UpsertOutcome] = []
        for outcome in outcomes:
            if outcome.ok:
                self._report.upserted += 1
                entity = sent[outcome.index]
                if queries and uses_search_query(entity):
                    self._produced.add_entity(entity, identifier=outcome.identifier)
            elif outcome.unresolved_search_identifier:
                # Port found no entity for the search identifier: nothing to write, as in the reference.
                self._report.skipped += 1
            else:
                self._report.failed += 1
                refused.append(outcome)
        self.refused += len(refused)
        room = MAX_REFUSAL_SAMPLES - len(self.refusals)
        self.refusals.extend(
            {"blueprint": blueprint, "identifier": o.identifier, "error": o.error or {}}
            for o in refused[:room]
        )

    def refusal_summary(self) -> str | None:
        """One line about the entities Port refused, or None when it refused none."""
        if not self.refusals:
            return None
        first = self.refusals[0]
        message = first["error"].get("message") or first["error"].get("error") or "refused"
        count = self.refused
        return (
            f"Port refused {count} entit{'y' if count == 1 else 'ies'} "
            f"(first: {first['blueprint']}/{first['identifier']}: {message})"
        )
