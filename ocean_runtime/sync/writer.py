"""Writing mapped entities to Port — the one way resyncs and live events both write.

    EntityWriter.upsert(entities)       by blueprint: drop what Port already holds identically
                                        (``compare``, resyncs) → bulk upsert (the client splits
                                        into requests within Port's limits) → one result per entity
    EntityWriter.delete_owned(keys)     ask Port which of them this integration owns (a search
                                        restricted to its ``$datasource``) → delete only those

Failures are results, never exceptions: a refused entity is ``Outcome.REFUSED`` with Port's
reason (``refusal``, the same words everywhere), a refused ownership search deletes nothing of
that blueprint and says so. Only ``AbortRunError`` (Port unreachable, credentials refused)
propagates.

``KindWriter`` is the resync's face of it: it counts every outcome on the kind's report and
records each entity in the run's ``ProducedSet`` — whatever happened to it, so a refused write
can never turn into a deletion. Live events go through the same ``EntityWriter`` (shared by all
events at once, see ``ocean_runtime.webhooks.batcher``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
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

if TYPE_CHECKING:
    from ocean_runtime.port import PortClient, UpsertOutcome

    from .produced import ProducedSet
    from .report import KindReport

logger = logging.getLogger(__name__)

MAX_REFUSAL_SAMPLES = 50
EntityKey = tuple[str, str]  # (blueprint, identifier)


@dataclass(frozen=True)
class WriteOptions:
    """How entities are written (from the port-app-config) and tagged (audit params).

    Attributes:
        merge: ``enableMergeEntity``.
        create_missing_related_entities: ``createMissingRelatedEntities``.
        delete_dependents: ``deleteDependentEntities``.
        event_params: ``ocean_info_*`` query parameters (event type, resync id).
        compare: skip entities Port already holds unchanged (resyncs; a live event's entity
            has just changed, so comparing would only cost a search).
    """

    merge: bool = True
    create_missing_related_entities: bool = True
    delete_dependents: bool = False
    event_params: Mapping[str, str] | None = None
    compare: bool = True


class Outcome(Enum):
    """What happened to one entity of an upsert."""

    UPSERTED = "upserted"
    UNCHANGED = "unchanged"  # Port held it identically: not sent
    SKIPPED = "skipped"  # its search identifier matched nothing in Port: nothing to write
    REFUSED = "refused"


@dataclass(frozen=True)
class EntityResult:
    """The outcome of one entity.

    Attributes:
        outcome: what happened.
        identifier: the identifier Port stored (resolved for a search identifier), or the one sent.
        error: Port's error for a refused entity.
    """

    outcome: Outcome
    identifier: str | None = None
    error: dict[str, Any] | None = None

    def refusal(self, blueprint: str) -> str:
        """``Port refused BLUEPRINT/ID: REASON`` — how every refusal is told."""
        return refusal(blueprint, self.identifier, self.error or {})


def refusal(blueprint: str, identifier: str | None, error: Mapping[str, Any]) -> str:
    """The one wording of an entity Port refused."""
    reason = error.get("message") or error.get("error") or "refused"
    return f"Port refused {blueprint}/{identifier}: {reason}"


@dataclass
class DeleteResult:
    """What ``delete_owned`` did.

    Attributes:
        deleted: the entities Port deleted.
        problems: ``(blueprint, message)`` for each blueprint whose ownership could not be checked.
    """

    deleted: set[EntityKey] = field(default_factory=set)
    problems: list[tuple[str, str]] = field(default_factory=list)


class EntityWriter:
    """Writes entities to Port and says what happened to each (see the module docstring).

    Args:
        port: the Port client.
        options: how to write.
    """

    def __init__(self, port: PortClient, options: WriteOptions) -> None:
        self._port = port
        self.options = options
        self._schedule = CompareSchedule()

    async def upsert(self, entities: list[dict[str, Any]]) -> list[EntityResult]:
        """Write entities of any blueprints; one result per entity, in input order."""
        groups: dict[str, list[int]] = {}
        for index, entity in enumerate(entities):
            groups.setdefault(str(entity.get("blueprint")), []).append(index)
        results: list[EntityResult | None] = [None] * len(entities)
        for blueprint, indexes in groups.items():
            written = await self._upsert_group(blueprint, [entities[index] for index in indexes])
            for index, result in zip(indexes, written, strict=True):
                results[index] = result
        return [result for result in results if result is not None]

    async def delete_owned(self, keys: Iterable[EntityKey]) -> DeleteResult:
        """Delete the entities of ``keys`` that Port says this integration owns.

        When Port cannot say (the search is refused), nothing of that blueprint is deleted.
        """
        result = DeleteResult()
        by_blueprint: dict[str, list[str]] = {}
        for blueprint, identifier in dict.fromkeys(keys):
            by_blueprint.setdefault(blueprint, []).append(identifier)
        for blueprint, identifiers in by_blueprint.items():
            try:
                owned = await self._search(blueprint, identifiers, ["identifier"])
            except PortAPIError as exc:
                result.problems.append(
                    (blueprint, f"could not check which {blueprint} entities we own: {exc}")
                )
                continue
            if not owned:
                continue
            gone = await self._port.delete_entities(
                blueprint,
                [identifier for identifier in identifiers if identifier in owned],
                delete_dependents=self.options.delete_dependents,
                event_params=self.options.event_params,
            )
            result.deleted.update((blueprint, identifier) for identifier in gone)
        return result

    async def _upsert_group(self, blueprint: str, group: list[dict[str, Any]]) -> list[EntityResult]:
        # Port resolves search queries itself: such entities cannot be compared with its copy.
        queries = any(uses_search_query(entity) for entity in group)
        changed = list(range(len(group))) if queries else await self._changed(blueprint, group)
        results = [EntityResult(Outcome.UNCHANGED, _sent_identifier(entity)) for entity in group]
        if not changed:
            return results
        outcomes = await self._port.upsert_entities(
            blueprint,
            [group[index] for index in changed],
            merge=self.options.merge,
            create_missing_related_entities=self.options.create_missing_related_entities,
            event_params=self.options.event_params,
        )
        for outcome in outcomes:
            results[changed[outcome.index]] = _result(outcome)
        return results

    async def _changed(self, blueprint: str, group: list[dict[str, Any]]) -> list[int]:
        """Positions of the entities of ``group`` that differ from Port's copy (all when unsure)."""
        everything = list(range(len(group)))
        if not self.options.compare or not self._schedule.should_compare(blueprint):
            return everything
        identifiers = list(dict.fromkeys(str(entity["identifier"]) for entity in group))
        try:
            current = await self._search(blueprint, identifiers, include_fields(group))
        except PortAPIError as exc:
            # Comparing is an optimisation: when Port cannot answer, write everything.
            logger.warning(
                "Could not compare %s entities with Port (%s); upserting all of them", blueprint, exc
            )
            return everything
        self._schedule.record(blueprint, bool(current))
        return [
            index
            for index, entity in enumerate(group)
            if (held := current.get(str(entity["identifier"]))) is None or not is_unchanged(held, entity)
        ]

    async def _search(
        self, blueprint: str, identifiers: list[str], include: list[str]
    ) -> dict[str, dict[str, Any]]:
        """The entities of ``blueprint`` with these identifiers that this integration owns.

        Raises:
            PortAPIError: Port refused a search.
        """
        chunks = [
            identifiers[start : start + SEARCH_CHUNK] for start in range(0, len(identifiers), SEARCH_CHUNK)
        ]
        # Concurrent (the client bounds the requests in flight); one failing cancels the rest.
        answers = await run_all(
            self._port.search_entities(identifiers_query(blueprint, chunk), include) for chunk in chunks
        )
        return {str(entity.get("identifier")): entity for found in answers for entity in found}


class KindWriter:
    """Writes a resync's entities of one kind and counts what happened to them."""

    def __init__(
        self, port: PortClient, options: WriteOptions, produced: ProducedSet, report: KindReport
    ) -> None:
        self._writer = EntityWriter(port, options)
        self._produced = produced
        self._report = report
        self.refused = 0
        # The first few refusals, for the report and the problems log (not all: memory stays flat).
        self.refusals: list[str] = []

    async def write(self, entities: list[dict[str, Any]]) -> None:
        """Write one batch of mapped entities (any blueprints)."""
        results = await self._writer.upsert(entities)
        report = self._report
        for entity, result in zip(entities, results, strict=True):
            query = uses_search_query(entity)
            # Remember every entity, whatever happened to it: a refused one is not stale.
            # One with a search identifier is remembered once Port resolved it.
            if not query:
                self._produced.add_entity(entity)
            if result.outcome is Outcome.UPSERTED:
                report.upserted += 1
                if query:
                    self._produced.add_entity(entity, identifier=result.identifier)
            elif result.outcome is Outcome.UNCHANGED:
                report.unchanged += 1
            elif result.outcome is Outcome.SKIPPED:
                report.skipped += 1
            else:
                report.failed += 1
                self.refused += 1
                if len(self.refusals) < MAX_REFUSAL_SAMPLES:
                    self.refusals.append(result.refusal(str(entity.get("blueprint"))))

    def refusal_summary(self) -> str | None:
        """One line about the entities Port refused, or None when it refused none."""
        if not self.refusals:
            return None
        count = self.refused
        first = self.refusals[0].removeprefix("Port refused ")
        return f"Port refused {count} entit{'y' if count == 1 else 'ies'} (first: {first})"


def _result(outcome: UpsertOutcome) -> EntityResult:
    if outcome.ok:
        return EntityResult(Outcome.UPSERTED, outcome.identifier)
    if outcome.unresolved_search_identifier:
        # Port found no entity for the search identifier: nothing to write, as in the reference.
        return EntityResult(Outcome.SKIPPED, outcome.identifier, outcome.error)
    return EntityResult(Outcome.REFUSED, outcome.identifier, outcome.error or {})


def _sent_identifier(entity: dict[str, Any]) -> str | None:
    identifier = entity.get("identifier")
    return identifier if isinstance(identifier, str) else None
