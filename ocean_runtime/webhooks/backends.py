"""Choosing the live-events backend from the settings (``OCEAN__LIVE_EVENTS__BACKEND``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .backend import LiveEventsBackend
from .journal import EventJournal
from .local import LocalLiveEventsBackend

if TYPE_CHECKING:
    from ocean_runtime.config import OceanSettings

    from .event import WebhookEvent

GaveUp = Callable[["WebhookEvent", str], Awaitable[None]]
JOURNAL_FILE = "live-events.db"


def create_backend(
    settings: OceanSettings, *, directory: Path | None = None, on_gave_up: GaveUp | None = None
) -> LiveEventsBackend:
    """The backend the settings ask for.

    Args:
        settings: ``live_events.backend`` is ``local`` (default) or ``kafka``.
        directory: the integration folder; the local backend's journal is
            ``DIR/.ocean/live-events.db`` unless ``live_events.journal_path`` says otherwise
            (relative to ``DIR``). Without either, accepted events are kept in memory only.
        on_gave_up: local backend: called with an event and the reason when it could not be
            processed at all (redeliveries exhausted).
    """
    live = settings.live_events
    if live.backend == "kafka":
        # Imported only when asked for: confluent-kafka is not needed otherwise.
        from ocean_runtime.kafka.live_events import KafkaLiveEventsBackend

        backend: LiveEventsBackend = KafkaLiveEventsBackend.from_settings(settings)
        return backend
    return LocalLiveEventsBackend(
        max_pending=live.max_pending, journal=_journal(settings, directory), on_gave_up=on_gave_up
    )


def _journal(settings: OceanSettings, directory: Path | None) -> EventJournal | None:
    configured = settings.live_events.journal_path
    if configured:
        path = Path(configured).expanduser()
        return EventJournal(path if path.is_absolute() or directory is None else directory / path)
    return EventJournal(directory / ".ocean" / JOURNAL_FILE) if directory is not None else None
