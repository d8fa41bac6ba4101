"""``write_run``: a run of events' changes to the catalog, phase by phase, counted per event.

Each phase (``phases.py``) is written as one round of upserts and then one of owned deletions,
through a ``SharedWriter`` (so other runs' entities may share the requests). What happened is
counted for every event the entity came from: a composed entity Port refuses is sent again
event by event, so exactly the events whose entity Port refuses are failed. Used by webhook
processing and by ``ocean.register_raw`` — one way from changes to Port.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ocean_runtime.sync.writer import Outcome

from .phases import Phase, Source, plan_phases

if TYPE_CHECKING:
    from ocean_runtime.sync.writer import WriteOptions

    from .batcher import SharedWriter
    from .changes import EventChanges


@dataclass
class RunTally:
    """What happened to one event's entities, per kind, and what went wrong.

    Attributes:
        upserted: per kind, entities written.
        deleted: per kind, entities deleted.
        failed: per kind, items that could not be mapped and entities Port refused.
        problems: ``(kind, message)`` for each failure.
    """

    upserted: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)

    @staticmethod
    def add(counts: dict[str, int], kind: str) -> None:
        """One more for ``kind``."""
        counts[kind] = counts.get(kind, 0) + 1


async def write_run(writer: SharedWriter, run: list[EventChanges], options: WriteOptions) -> list[RunTally]:
    """Write the changes of consecutive events of one key; one tally per event, in order.

    Raises:
        AbortRunError: Port is unreachable or refused the credentials (write the run again).
    """
    tallies = [RunTally(failed=dict(changes.failed), problems=list(changes.problems)) for changes in run]
    for phase in plan_phases(run, merge=options.merge):
        await _upsert(writer, phase, options, tallies)
        await _delete(writer, phase, options, tallies)
    return tallies


async def _upsert(writer: SharedWriter, phase: Phase, options: WriteOptions, tallies: list[RunTally]) -> None:
    upserts = list(phase.upserts.values())
    if not upserts:
        return
    results = await writer.upsert([upsert.entity for upsert in upserts], options)
    for upsert, result in zip(upserts, results, strict=True):
        if result.outcome is Outcome.REFUSED and len(upsert.sources) > 1:
            # Composed from several events: find out which of them Port refuses, one by one.
            for source in upsert.sources:
                assert source.entity is not None
                (alone,) = await writer.upsert([source.entity], options)
                _account(alone.outcome, alone.refusal(str(source.entity.get("blueprint"))), [source], tallies)
        else:
            _account(
                result.outcome, result.refusal(str(upsert.entity.get("blueprint"))), upsert.sources, tallies
            )


async def _delete(writer: SharedWriter, phase: Phase, options: WriteOptions, tallies: list[RunTally]) -> None:
    if not phase.deletes:
        return
    result = await writer.delete_owned(phase.deletes, options)
    problems = dict(result.problems)
    for key, sources in phase.deletes.items():
        if key in result.deleted:
            RunTally.add(tallies[sources[0].position].deleted, sources[0].kind)
        if key[0] in problems:
            for source in sources:
                tallies[source.position].problems.append((source.kind, problems[key[0]]))


def _account(outcome: Outcome, refusal: str, sources: list[Source], tallies: list[RunTally]) -> None:
    """Count one written entity for each event it came from."""
    for source in sources:
        tally = tallies[source.position]
        if outcome is Outcome.UPSERTED:
            RunTally.add(tally.upserted, source.kind)
        elif outcome is Outcome.REFUSED:
            RunTally.add(tally.failed, source.kind)
            tally.problems.append((source.kind, refusal))
