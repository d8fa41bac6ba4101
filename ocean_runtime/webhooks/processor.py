"""``WebhookProcessor``: how an integration turns one webhook into raw items for the catalog.

The lifecycle is the reference's (``AbstractWebhookProcessor``), so processors written for it
port by renaming the base class:

    while the request is open (its answer depends on them):
        authenticate(payload, headers) → 401 if no processor of the path says yes
        validate_payload(payload)      → 400 if no authenticated processor says yes
    later, in order per group key:
        should_process_event(event) → get_matching_kinds(event)
        for every resource of the live port-app-config with a matching kind:
            before_processing() → handle_event(payload, resource) (retried) → after_processing()

Two deliberate differences: authentication and validation run *before* the event is
acknowledged (the reference answers 200 to anything, then drops bad events in the background),
and the first retry waits ``initial_retry_delay_seconds`` — the reference waits twice that and
logs the previous delay.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from ocean_runtime.errors import RetryableError

from .event import EventHeaders, EventPayload, WebhookEvent, WebhookEventRawResults

if TYPE_CHECKING:
    from ocean_runtime.mapping import ResourceConfig


class WebhookProcessor(ABC):
    """Base class of webhook processors; register one with ``ocean.add_webhook_processor``.

    A new instance is created for every event (and for every resource it is run against), so
    instance attributes never leak from one event to another. ``self.event`` is the event.

    Class attributes (the retry policy of ``handle_event``):
        max_retries: retries after the first attempt.
        initial_retry_delay_seconds: wait before the first retry.
        exponential_base_seconds: each further retry waits this many times longer.
        max_retry_delay_seconds: no wait is longer than this.

    Example::

        class IssueWebhook(WebhookProcessor):
            async def authenticate(self, payload, headers):
                return verify_github_signature(self.event.body, headers, ocean.integration_config["secret"])

            async def should_process_event(self, event):
                return event.headers.get("x-github-event") == "issues"

            async def get_matching_kinds(self, event):
                return ["issue"]

            async def handle_event(self, payload, resource):
                return WebhookEventRawResults(updated_raw_results=[payload["issue"]])
    """

    max_retries: int = 3
    initial_retry_delay_seconds: float = 1.0
    exponential_base_seconds: float = 2.0
    max_retry_delay_seconds: float = 30.0

    def __init__(self, event: WebhookEvent) -> None:
        self.event = event
        self.retry_count = 0

    # -- admission: decides the HTTP answer -------------------------------------------------

    @abstractmethod
    async def authenticate(self, payload: EventPayload, headers: EventHeaders) -> bool:
        """True when the request really comes from the 3rd party (check its signature here).

        The raw body is ``self.event.body``; see ``ocean_runtime.webhooks.signatures``.
        """

    async def validate_payload(self, payload: EventPayload) -> bool:
        """True when the payload has the shape ``handle_event`` needs (default: any JSON object)."""
        return True

    def group_key(self, payload: EventPayload) -> str | None:
        """Events with the same key are processed one at a time, in order (None: per path).

        Key by the object the event is about (``payload["repository"]["id"]``) to keep its
        updates in order while other objects' events run concurrently.
        """
        return None

    # -- processing ---------------------------------------------------------------------------

    @abstractmethod
    async def should_process_event(self, event: WebhookEvent) -> bool:
        """True when this processor handles this kind of event (look at headers or payload)."""

    @abstractmethod
    async def get_matching_kinds(self, event: WebhookEvent) -> list[str]:
        """The kinds the event affects; each resource of the mapping with one of them is run."""

    @abstractmethod
    async def handle_event(self, payload: EventPayload, resource: ResourceConfig) -> WebhookEventRawResults:
        """Fetch fresh data if needed and return the raw items updated and deleted.

        Raise ``RetryableError`` (or anything ``should_retry`` accepts) for a transient failure.
        ``event.resource_config`` is ``resource`` while this runs.
        """

    async def before_processing(self) -> None:
        """Called before ``handle_event`` (once per resource, not per retry)."""
        return None

    async def after_processing(self) -> None:
        """Called after ``handle_event`` succeeded."""
        return None

    async def cancel(self) -> None:
        """Called when processing is cancelled (timeout or shutdown): release what you hold."""
        return None

    # -- retry policy -----------------------------------------------------------------------

    def should_retry(self, error: BaseException) -> bool:
        """Whether ``handle_event`` is tried again after ``error`` (default: ``RetryableError``)."""
        return isinstance(error, RetryableError)

    def calculate_retry_delay(self) -> float:
        """Seconds to wait before retry number ``self.retry_count`` (1 for the first retry)."""
        exponent = max(self.retry_count - 1, 0)
        delay = self.initial_retry_delay_seconds * self.exponential_base_seconds**exponent
        return float(min(delay, self.max_retry_delay_seconds))

    @classmethod
    def name(cls) -> str:
        """The name events record the processor under (its qualified class name).

        Not the module: an integration's modules get per-folder names, and a replica running
        from another folder must still recognise the processors an event was accepted by.
        """
        return cls.__qualname__
