"""``OceanMetrics``: the Prometheus metrics of one running integration (``GET /metrics``).

Each instance owns its ``CollectorRegistry``, so two integrations in one process (tests do
that) never clash over metric names, and nothing lands in ``prometheus_client``'s global one.

| metric | labels | what |
|---|---|---|
| ``ocean_resyncs_total`` | status | finished resyncs |
| ``ocean_resync_duration_seconds`` | — | histogram of whole resyncs |
| ``ocean_resync_kind_duration_seconds`` | kind | histogram per kind |
| ``ocean_entities_total`` | source, kind, outcome | entities upserted / unchanged / deleted / failed |
| ``ocean_webhook_events_total`` | path, outcome | accepted / unauthorized / invalid / unavailable; |
|   |   | then processed / failed / ignored |
| ``ocean_webhook_retries_total`` | path | ``handle_event`` retries |
| ``ocean_webhook_processing_seconds`` | path | histogram, acceptance → catalog written |
| ``ocean_live_events_queue_depth`` | — | events accepted, not yet processed |
| ``ocean_action_runs_total`` | action, outcome | action runs: success / failure / taken / … |
| ``ocean_action_run_duration_seconds`` | action | histogram, claimed → reported |
| ``ocean_action_runs_waiting`` | — | claimed runs waiting for a worker |
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

if TYPE_CHECKING:
    from ocean_runtime.sync import ResyncReport

RESYNC_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
EVENT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 90)
ACTION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)


class OceanMetrics:
    """Counters, gauges and histograms of one integration, in a private registry."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.resyncs = Counter("ocean_resyncs", "Finished resyncs.", ["status"], registry=r)
        self.resync_duration = Histogram(
            "ocean_resync_duration_seconds", "Duration of whole resyncs.", buckets=RESYNC_BUCKETS, registry=r
        )
        self.kind_duration = Histogram(
            "ocean_resync_kind_duration_seconds",
            "Duration of each kind's part of a resync.",
            ["kind"],
            buckets=RESYNC_BUCKETS,
            registry=r,
        )
        self.entities = Counter(
            "ocean_entities", "Entities written or deleted.", ["source", "kind", "outcome"], registry=r
        )
        self.webhook_events = Counter(
            "ocean_webhook_events", "Webhook events by outcome.", ["path", "outcome"], registry=r
        )
        self._webhook_children: dict[tuple[str, str], Counter] = {}
        self.webhook_retries = Counter(
            "ocean_webhook_retries", "Retries of a processor's handle_event.", ["path"], registry=r
        )
        self.webhook_latency = Histogram(
            "ocean_webhook_processing_seconds",
            "Seconds from accepting a webhook event to the catalog written.",
            ["path"],
            buckets=EVENT_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "ocean_live_events_queue_depth", "Webhook events accepted but not yet processed.", registry=r
        )

    def watch_action_runs(self, waiting: Callable[[], int]) -> None:
        """Create the action-run metrics; read the runs waiting for a worker from ``waiting``."""
        r = self.registry
        self.action_runs = Counter(
            "ocean_action_runs", "Action runs by outcome.", ["action", "outcome"], registry=r
        )
        self.action_duration = Histogram(
            "ocean_action_run_duration_seconds",
            "Seconds from claiming an action run to reporting it.",
            ["action"],
            buckets=ACTION_BUCKETS,
            registry=r,
        )
        waiting_gauge = Gauge(
            "ocean_action_runs_waiting", "Claimed action runs waiting for a worker.", registry=r
        )
        waiting_gauge.set_function(lambda: float(waiting()))

    def action_run(self, action: str, outcome: str, seconds: float) -> None:
        """Count one action run's outcome and how long it took."""
        self.action_runs.labels(action=action, outcome=outcome).inc()
        self.action_duration.labels(action=action).observe(seconds)

    def watch_queue(self, depth: Callable[[], int]) -> None:
        """Read the queue depth from ``depth`` at every scrape."""
        self.queue_depth.set_function(lambda: float(depth()))

    def webhook(self, path: str, outcome: str, count: int = 1) -> None:
        """Count ``count`` events of ``path`` with ``outcome``."""
        # Called several times per event: the labelled child is kept (``labels`` costs ~5 µs).
        # Paths are the registered ones only (an unknown path is answered 404 uncounted).
        child = self._webhook_children.get((path, outcome))
        if child is None:
            child = self._webhook_children[(path, outcome)] = self.webhook_events.labels(
                path=path, outcome=outcome
            )
        child.inc(count)

    def entity_outcomes(self, source: str, kind: str, **counts: int) -> None:
        """Add ``upserted=3, deleted=1…`` for ``kind`` (zero counts are skipped)."""
        for outcome, count in counts.items():
            if count:
                self.entities.labels(source=source, kind=kind, outcome=outcome).inc(count)

    def observe_resync(self, report: ResyncReport) -> None:
        """Record a finished resync: its status, durations and entity counts per kind."""
        self.resyncs.labels(status=report.status.value).inc()
        self.resync_duration.observe(report.duration)
        for kind in report.kinds:
            self.kind_duration.labels(kind=kind.kind).observe(kind.duration)
            self.entity_outcomes(
                "resync",
                kind.kind,
                upserted=kind.upserted,
                unchanged=kind.unchanged,
                failed=kind.failed,
                deleted=kind.deleted,
            )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
