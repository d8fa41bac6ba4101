"""Reconcile: delete the entities this integration owns but the resync no longer produced.

Only called after every kind succeeded. Guarded three ways:

- ownership: only entities whose ``$datasource`` is this integration's (Port lists them), and
  only those not written since the resync started (``updatedAt``), so a concurrent live write is
  never taken for stale;
- the threshold: nothing is deleted when ``stale / owned > entityDeletionThreshold`` — a
  half-empty answer from a 3rd-party API must not empty the catalog. ``owned`` is every entity
  the integration owned *before* the run (``createdAt`` earlier than its start), rewritten by it
  or not: counting only the ones it did not rewrite made "75 of 135" read "75 of 75 (100 %)",
  and an integration that rewrites everything each run could never delete;
- relation targets: with ``createMissingRelatedEntities``, a stale entity that a kept entity
  points at is kept (Port may have created it as a placeholder for that relation);
- ``enableDelete: false`` on a resource: its blueprint's stale entities are kept.

A stale entity counts as deleted once it is gone from Port, whether this request deleted it or
Port had already cascaded an earlier deletion to it (``deleteDependentEntities``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import PortAPIError
from ocean_runtime.port._tasks import run_all

from .compare import SEARCH_CHUNK, identifiers_query
from .produced import ProducedSet
from .report import KindReport, ReconcileReport, Status

if TYPE_CHECKING:
    from ocean_runtime.port import PortClient

logger = logging.getLogger(__name__)


class BlueprintCache:
    """Blueprints fetched once per resync (existence checks, relation targets).

    Args:
        port: the Port client.
        known: blueprints the caller just read from or wrote to Port (None: Port has no such
            blueprint); they are not asked for again.
    """

    def __init__(self, port: PortClient, known: Mapping[str, Mapping[str, Any] | None] | None = None) -> None:
        self._port = port
        self._cache: dict[str, dict[str, object] | None] = {
            identifier: None if blueprint is None else dict(blueprint)
            for identifier, blueprint in (known or {}).items()
        }

    async def get(self, identifier: str) -> dict[str, object] | None:
        """The blueprint, or None when Port has no such blueprint."""
        if identifier not in self._cache:
            self._cache[identifier] = await self._port.get_blueprint(identifier)
        return self._cache[identifier]


async def reconcile(
    port: PortClient,
    produced: ProducedSet,
    *,
    started_at: datetime,
    threshold: float,
    delete_dependents: bool,
    protect_relation_targets: bool,
    undeletable_blueprints: frozenset[str] = frozenset(),
    blueprints: BlueprintCache,
    report: ReconcileReport,
    kinds: list[KindReport],
    event_params: Mapping[str, str] | None = None,
) -> None:
    """Delete stale owned entities; the outcome is written to ``report``.

    Raises:
        AbortRunError: Port could not list the owned entities (nothing was deleted).
    """
    report.threshold = threshold
    report.status = Status.RUNNING
    stale = await _find_stale(port, produced, started_at, report)
    if not report.stale:
        report.status = Status.COMPLETED
        return
    if report.stale / report.owned > threshold:
        report.status = Status.SKIPPED
        report.reason = (
            f"would delete {report.stale} of {report.owned} owned entities "
            f"({report.stale / report.owned:.0%}), more than entityDeletionThreshold "
            f"{threshold:g} allows — nothing deleted"
        )
        logger.warning("Reconcile skipped: %s", report.reason)
        return
    if protect_relation_targets:
        report.protected = await _protect_targets(stale, produced, blueprints)
    for blueprint in undeletable_blueprints:
        report.kept_by_config += len(stale.pop(blueprint, ()))
    await _delete(port, stale, delete_dependents, report, kinds, event_params)


async def _find_stale(
    port: PortClient, produced: ProducedSet, started_at: datetime, report: ReconcileReport
) -> dict[str, set[str]]:
    """The owned entities not written since ``started_at`` that the run did not produce.

    Counts ``report.owned`` (owned before the run) and ``report.stale`` on the way. One listing
    of everything the integration owns now, judged by Port's own timestamps: an entity created
    during the run is not in the denominator, one written during the run is no candidate.
    """
    stale: dict[str, set[str]] = defaultdict(set)
    untimed = 0
    async for page in port.iter_owned_entities():
        for entity in page:
            blueprint, identifier = entity.get("blueprint"), entity.get("identifier")
            if not isinstance(blueprint, str) or not isinstance(identifier, str):
                continue
            created, updated = _moment(entity.get("createdAt")), _moment(entity.get("updatedAt"))
            if updated is None:
                untimed += 1  # cannot tell whether this run (or a live event) just wrote it: keep
                continue
            if (created or updated) < started_at:
                report.owned += 1
            if updated < started_at and (blueprint, identifier) not in produced:
                stale[blueprint].add(identifier)
    if untimed:
        logger.warning("Port listed %d owned entities without an updatedAt; they are never deleted", untimed)
    report.stale = sum(len(ids) for ids in stale.values())
    return stale


def _moment(value: object) -> datetime | None:
    """Port's ISO-8601 timestamp as an aware datetime (naive means UTC); None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def _protect_targets(
    stale: dict[str, set[str]], produced: ProducedSet, blueprints: BlueprintCache
) -> int:
    """Drop from ``stale`` the entities kept entities point at; returns how many."""
    protected = 0
    for source, relation in produced.relation_sources():
        targets = produced.targets_of(source, relation)
        blueprint = await blueprints.get(source)
        relations = blueprint.get("relations") if blueprint else None
        definition = relations.get(relation) if isinstance(relations, dict) else None
        target = definition.get("target") if isinstance(definition, dict) else None
        # Unknown target blueprint: protect the identifier in every blueprint (safe side).
        candidates = [target] if isinstance(target, str) else list(stale)
        for candidate in candidates:
            kept = {identifier for identifier in stale.get(candidate, ()) if identifier in targets}
            if kept:
                stale[candidate] -= kept
                protected += len(kept)
    return protected


async def _delete(
    port: PortClient,
    stale: dict[str, set[str]],
    delete_dependents: bool,
    report: ReconcileReport,
    kinds: list[KindReport],
    event_params: Mapping[str, str] | None,
) -> None:
    failures: list[str] = []
    for blueprint, identifiers in stale.items():
        if not identifiers:
            continue
        try:
            gone = await _delete_blueprint(port, blueprint, identifiers, delete_dependents, event_params)
        except PortAPIError as exc:
            failures.append(f"{blueprint}: {exc}")
            continue
        report.deleted += gone
        owner = next((kind for kind in kinds if kind.blueprint == blueprint), None)
        if owner is not None:
            owner.deleted += gone
        if gone < len(identifiers):
            failures.append(f"{blueprint}: Port deleted {gone} of {len(identifiers)} stale entities")
    if failures:
        report.status = Status.FAILED
        report.reason = "; ".join(failures)
    else:
        report.status = Status.COMPLETED


async def _delete_blueprint(
    port: PortClient,
    blueprint: str,
    identifiers: set[str],
    delete_dependents: bool,
    event_params: Mapping[str, str] | None,
) -> int:
    """Deletes stale entities of one blueprint; returns how many of them are gone from Port."""
    deleted = await port.delete_entities(
        blueprint, sorted(identifiers), delete_dependents=delete_dependents, event_params=event_params
    )
    unconfirmed = identifiers.difference(deleted)
    if not unconfirmed:
        return len(identifiers)
    # Port lists only what this request deleted. An entity it had already removed — by cascading
    # an earlier delete of an entity it relates to (deleteDependentEntities), or someone else's
    # delete — is left out, yet gone is what reconcile wants: only the ones still there failed.
    remaining = await _still_in_port(port, blueprint, sorted(unconfirmed))
    return len(identifiers) - len(remaining)


async def _still_in_port(port: PortClient, blueprint: str, identifiers: list[str]) -> set[str]:
    """Which of ``identifiers`` Port still holds, whoever owns them now (all, when Port cannot say)."""
    chunks = [identifiers[start : start + SEARCH_CHUNK] for start in range(0, len(identifiers), SEARCH_CHUNK)]
    try:
        # Concurrent (the client bounds the requests in flight); one failing cancels the rest.
        answers = await run_all(
            port.search_entities(identifiers_query(blueprint, chunk), ["identifier"], owned_only=False)
            for chunk in chunks
        )
    except PortAPIError as exc:
        logger.warning(
            "Could not check whether %d %s entities were deleted: %s", len(identifiers), blueprint, exc
        )
        return set(identifiers)
    return set(identifiers).intersection(entity.get("identifier") for answer in answers for entity in answer)
