"""Choosing the live-events backend from the settings (``OCEAN__LIVE_EVENTS__BACKEND``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .backend import LiveEventsBackend
from .local import LocalLiveEventsBackend

if TYPE_CHECKING:
    from ocean_runtime.config import OceanSettings

    from .event import WebhookEvent

GaveUp = Callable[["WebhookEvent", str], Awaitable[None]]


def create_backend(settings: OceanSettings, *, on_gave_up: GaveUp | None = None) -> LiveEventsBackend:
    """The backend the settings ask for.

    Args:
        settings: ``live_events.backend`` is ``local`` (default) or ``kafka``.
        on_gave_up: local backend: called with an event and the reason when it could not be
            processed at all (redeliveries exhausted, or still queued at shutdown).
    """
    live = settings.live_events
    if live.backend == "kafka":
        # Imported only when asked for: confluent-kafka is not needed otherwise.
        from ocean_runtime.kafka.live_events import KafkaLiveEventsBackend

        backend: LiveEventsBackend = KafkaLiveEventsBackend.from_settings(settings)
        return backend
    return LocalLiveEventsBackend(
        max_pending=live.max_pending, concurrency=live.concurrency, on_gave_up=on_gave_up
    )
