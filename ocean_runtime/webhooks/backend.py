"""``LiveEventsBackend``: where accepted webhook events wait until they are processed.

The HTTP route authenticates and validates a request, hands the event to ``submit`` and
answers 202 only once ``submit`` returned — from then on the backend owns the event and must
deliver it to ``process`` (in order per ``group_key``, concurrently across keys) or say why it
could not. ``process`` takes a *run*: one or more consecutive events of one key, in order, so
it can write them together. Two implementations:

- ``LocalLiveEventsBackend`` (``local.py``): an on-disk journal (SQLite under the integration's
  ``.ocean/``) and bounded per-key queues in this process; a crash or a restart replays;
- ``KafkaLiveEventsBackend`` (``ocean_runtime.kafka.live_events``): a topic keyed by
  ``group_key`` and a consumer group, so replicas share the work and a crash loses nothing.

``create_backend`` (``backends.py``) picks one from ``OCEAN__LIVE_EVENTS__BACKEND``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from ocean_runtime.errors import OceanError

from .event import WebhookEvent

ProcessEvents = Callable[[list[WebhookEvent]], Awaitable[None]]
Ready = Callable[[], Awaitable[None]]  # returns once a run handed over now is processed at once


class BackendUnavailableError(OceanError):
    """The backend cannot take an event now (full, or shutting down): the route answers 503.

    Attributes:
        retry_after: seconds the sender should wait before retrying (the ``Retry-After`` header).
    """

    def __init__(self, message: str, *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LiveEventsBackend(Protocol):
    """The contract between the HTTP route, the backends and ``process``.

    ``process(run)`` is idempotent (a re-delivered event upserts the same entities again) and
    raises only when the run must be delivered again later (e.g. Port is unreachable); a
    failure it recorded itself returns normally.
    """

    async def start(self, process: ProcessEvents, *, ready: Ready | None = None) -> None:
        """Begin delivering accepted events to ``process``: runs of consecutive events of one
        ``group_key`` in order, concurrently across keys. A backend that forms runs of several
        events awaits ``ready`` before forming one (the events that arrive meanwhile join it).
        Returns once delivery has started (it runs in the background)."""

    async def submit(self, event: WebhookEvent) -> None:
        """Accept ``event``; returns only once it is durably accepted (the route then answers 202).

        Raises:
            BackendUnavailableError: full or shutting down (the route answers 503 + Retry-After).
        """

    async def stop(self, deadline: float) -> None:
        """Stop accepting, then finish in-flight and queued events until ``deadline`` (an
        absolute ``time.monotonic()`` value); what is left is handed back (Kafka: offsets not
        committed; local: kept in the journal for the next start). Returns by the deadline."""

    def depth(self) -> int:
        """Events accepted but not yet processed (queued and in flight), as far as known."""
