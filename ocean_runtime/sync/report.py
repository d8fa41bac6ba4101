"""What a resync did: counts per kind, reconcile outcome, errors — and progress as it happens.

The pipeline fills a ``ResyncReport`` as it goes and tells a ``ProgressObserver`` each time
something moved; it never prints. The CLI renders the report live and as a final table, tests
assert on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Status(StrEnum):
    """Status of a kind, of reconcile, or of the whole resync."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ABORTED = "aborted"


@dataclass
class KindReport:
    """One resource of the port-app-config (a kind may appear in several resources).

    Attributes:
        kind: the resource's kind.
        index: its position in ``resources``.
        blueprint: the blueprint when the mapping names it literally.
        raw: raw items the handlers produced (after ``itemsToParse`` expansion: items mapped).
        upserted: entities Port wrote.
        unchanged: entities identical in Port, so not sent.
        failed: entities Port refused, or items whose mapping raised.
        filtered: items the selector dropped.
        skipped: items mapped to an empty identifier/blueprint, or unresolved search identifiers.
        deleted: stale entities of this resource's blueprint deleted by reconcile.
        misconfigured: mapping fields that evaluated to nothing usable (dot path → expression).
        errors: why the kind failed, one line each.
        status: pending → running → completed | failed | aborted.
        duration: seconds the kind took.
    """

    kind: str
    index: int
    blueprint: str | None = None
    raw: int = 0
    upserted: int = 0
    unchanged: int = 0
    failed: int = 0
    filtered: int = 0
    skipped: int = 0
    deleted: int = 0
    misconfigured: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    status: Status = Status.PENDING
    duration: float = 0.0

    @property
    def label(self) -> str:
        """``kind`` or ``kind → blueprint``, for tables."""
        return f"{self.kind} → {self.blueprint}" if self.blueprint else self.kind

    def fail(self, reason: str) -> None:
        """Mark the kind failed and remember why (a failed kind blocks every deletion)."""
        self.status = Status.FAILED
        if reason not in self.errors:
            self.errors.append(reason)


@dataclass
class ReconcileReport:
    """The deletion of stale entities after the kinds ran.

    Attributes:
        status: pending, completed, skipped (a kind failed, or the threshold was exceeded) or failed.
        owned: entities this integration owned before the run (the threshold's denominator),
            whether the run rewrote them or not.
        stale: owned entities not written since the run started that it did not produce.
        protected: stale entities kept because a kept entity's relation points at them.
        kept_by_config: stale entities kept because their resource says ``enableDelete: false``.
        deleted: stale entities gone from Port after reconcile (deleted by us, or already by a cascade).
        threshold: ``entityDeletionThreshold`` of the run.
        reason: why it was skipped or failed.
    """

    status: Status = Status.PENDING
    owned: int = 0
    stale: int = 0
    protected: int = 0
    kept_by_config: int = 0
    deleted: int = 0
    threshold: float | None = None
    reason: str | None = None


@dataclass
class ResyncReport:
    """A whole resync.

    Attributes:
        kinds: one report per resource, in port-app-config order.
        reconcile: the deletion phase.
        status: completed, failed or aborted.
        errors: run-level errors (config, Port unreachable…); kind errors are in ``kinds``.
        started_at: when the resync started (UTC).
        duration: seconds it took.
        catalog_url: where the catalog lives (Port's URL or the local harbor's).
    """

    kinds: list[KindReport] = field(default_factory=list)
    reconcile: ReconcileReport = field(default_factory=ReconcileReport)
    status: Status = Status.RUNNING
    errors: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    duration: float = 0.0
    catalog_url: str | None = None

    @property
    def ok(self) -> bool:
        """True when the resync completed."""
        return self.status == Status.COMPLETED

    @property
    def failed_kinds(self) -> list[KindReport]:
        """The kinds that failed."""
        return [kind for kind in self.kinds if kind.status == Status.FAILED]

    def total(self, counter: str) -> int:
        """Sum of one counter (``raw``, ``upserted``…) over the kinds."""
        return sum(int(getattr(kind, counter)) for kind in self.kinds)

    def reasons(self) -> list[str]:
        """Every reason the resync failed, one line each (``kind: why`` for kind errors)."""
        lines = list(self.errors)
        for kind in self.kinds:
            lines.extend(f"{kind.kind} (resources[{kind.index}]): {error}" for error in kind.errors)
        if self.reconcile.status == Status.FAILED and self.reconcile.reason:
            lines.append(f"reconcile: {self.reconcile.reason}")
        return lines


class Phase(StrEnum):
    """What just happened, for a progress observer."""

    STARTED = "started"
    KIND_STARTED = "kind_started"
    BATCH = "batch"
    KIND_FINISHED = "kind_finished"
    RECONCILE = "reconcile"
    FINISHED = "finished"


@dataclass(frozen=True)
class ProgressEvent:
    """A change in a running resync.

    Attributes:
        phase: what happened.
        report: the (live) report of the run.
        kind: the kind concerned, for kind phases.
    """

    phase: Phase
    report: ResyncReport
    kind: KindReport | None = None


class ProgressObserver(Protocol):
    """Receives progress events; must return quickly and never raise."""

    def on_progress(self, event: ProgressEvent) -> None:
        """Called from the event loop each time the resync moves."""


class NullObserver:
    """An observer that ignores everything."""

    def on_progress(self, event: ProgressEvent) -> None:
        """Ignore the event."""
