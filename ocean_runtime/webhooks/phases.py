"""Writing a run of one key's events in as few requests as their order allows.

A run's events, in the order they were accepted, become *phases*; each phase is one round of
bulk upserts followed by one round of owned deletions, and phase N+1 starts once phase N is
done. Within a phase, the upserts of one entity by several events are *composed* into the one
entity the catalog would hold after all of them, so ten deploys of a service cost one entity
write, not ten round trips:

- with ``merge`` (``enableMergeEntity``), Port merges what is sent into what it holds —
  ``title``/``icon``/``team`` replaced when present, ``properties``/``relations`` merged key by
  key — so sending the merge of the events' entities leaves the same entity as sending each;
- without it, each upsert replaces the entity, so the last one is the result.

A delete cannot be composed with upserts of the same entity around it (deleting removes what
the next upsert would merge into, and cascades), so an event that upserts anything after the
phase already deletes something starts a new phase. Inside an event, upserts go before its
deletions, as they always did.

If Port refuses a composed entity, its events' entities are sent again one by one, in order
(``sources``): one bad event then fails alone, as if the run had not been batched. (A value a
later event of the same run overwrites is never sent at all, so Port never refuses it: the
catalog ends the same, without the refusal of a state nobody would have seen.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ocean_runtime.sync.writer import EntityKey

    from .changes import EventChanges, UpsertKey


@dataclass(frozen=True)
class Source:
    """One event's part in a write: its position in the run, the kind, and its own entity."""

    position: int
    kind: str
    entity: dict[str, Any] | None = None


@dataclass
class Upsert:
    """An entity to write, composed from one or more events (``sources``, in order)."""

    entity: dict[str, Any]
    sources: list[Source]


@dataclass
class Phase:
    """One round of upserts, then one of owned deletions."""

    upserts: dict[UpsertKey, Upsert] = field(default_factory=dict)
    deletes: dict[EntityKey, list[Source]] = field(default_factory=dict)


def plan_phases(run: list[EventChanges], *, merge: bool) -> list[Phase]:
    """The phases that apply ``run`` (events in order) with the same result as one by one."""
    phases = [Phase()]
    for position, changes in enumerate(run):
        phase = phases[-1]
        if phase.deletes and changes.upserts:
            phase = Phase()
            phases.append(phase)
        for key, (kind, entity) in changes.upserts.items():
            source = Source(position, kind, entity)
            held = phase.upserts.get(key)
            if held is None:
                phase.upserts[key] = Upsert(entity, [source])
            else:
                held.entity = compose(held.entity, entity, merge=merge)
                held.sources.append(source)
        for key, kind in changes.deletes.items():
            phase.deletes.setdefault(key, []).append(Source(position, kind))
    return [phase for phase in phases if phase.upserts or phase.deletes]


def compose(first: dict[str, Any], then: dict[str, Any], *, merge: bool) -> dict[str, Any]:
    """The entity Port holds after upserting ``first`` and then ``then`` (see the module docstring)."""
    if not merge:
        return then
    composed = {**first, **{key: value for key, value in then.items() if key not in _SECTIONS}}
    for section in _SECTIONS:
        if section in first or section in then:
            composed[section] = {**(first.get(section) or {}), **(then.get(section) or {})}
    return composed


_SECTIONS = ("properties", "relations")
