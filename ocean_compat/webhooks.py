"""Published webhook processors (``AbstractWebhookProcessor``) running on Ocean's live events.

The published lifecycle, per request: ``should_process_event`` (while the HTTP request is open,
with ``event._original_request`` to check signatures on the raw body), ``get_matching_kinds``;
then in the background ``authenticate``, ``validate_payload``, ``handle_event`` per resource with
retries. Ocean decides the HTTP answer *before* acknowledging (DESIGN.md difference 4), so
``runtime_processor`` wraps a published class in an Ocean ``WebhookProcessor`` whose admission
runs the published checks in order — ``should_process_event``, ``authenticate``,
``validate_payload`` — on the real request body. Consequences, documented:

- a request no processor wants (an event type the integration ignores) or with a bad signature
  gets 401; the published framework answers 200 and drops it later;
- the admission's verdict is kept with the event, so processing does not re-check a signature
  (a re-delivered event has no raw body);
- ``handle_event`` receives the integration's own (v1) resource config, and returns the
  published ``WebhookEventRawResults`` (Ocean's own class: same fields);
- an ``ACTION`` processor (it completes action runs) runs once per event with ``resource=None``,
  as published, whatever the mapping holds (``_AdaptedAction``).
"""

from __future__ import annotations

import asyncio
import copy
import weakref
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol
from uuid import uuid4

import ocean_runtime
from ocean_runtime import WebhookEventRawResults
from ocean_runtime.webhooks import WebhookEvent as RuntimeEvent

from . import exceptions
from .event import EventType, live_event_scope
from .exceptions import RetryableError
from .runtime_view import native_resource

EventPayload = dict[str, Any]
EventHeaders = dict[str, str]


class WebhookOriginalRequest(Protocol):
    """What processors read of the original request: headers and the raw body."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    async def body(self) -> bytes: ...


class OriginalRequest:
    """The original HTTP request as processors see it (``event._original_request``)."""

    def __init__(self, body: bytes, headers: Mapping[str, str], path: str = "/") -> None:
        self._body = body
        self.headers = dict(headers)
        self.method = "POST"
        self.url = _URL(f"/integration{path}")
        self.query_params: dict[str, str] = {}

    async def body(self) -> bytes:
        return self._body

    async def json(self) -> Any:
        import json

        return json.loads(self._body)


class _URL:
    def __init__(self, path: str) -> None:
        self.path = path

    def __str__(self) -> str:
        return self.path


class WebhookProcessorType(StrEnum):
    ACTION = "action"
    WEBHOOK = "webhook"


class LiveEventTimestamp(StrEnum):
    AddedToQueue = "Added To Queue"
    StartedProcessing = "Started Processing"
    FinishedProcessingSuccessfully = "Finished Processing Successfully"
    FinishedProcessingWithError = "Finished Processing With Error"


class WebhookEvent:
    """The published webhook event: ``trace_id``, ``payload``, ``headers``, ``_original_request``."""

    def __init__(
        self,
        trace_id: str,
        payload: EventPayload,
        headers: EventHeaders,
        original_request: Any = None,
        group_id: str | None = None,
        created_at: datetime | None = None,
    ) -> None:
        self.trace_id = trace_id
        self.payload = payload
        self.headers = headers
        self._original_request = original_request
        self.group_id = group_id
        self.created_at = created_at or datetime.now(UTC)
        self.webhook_path: str | None = None

    @classmethod
    def from_runtime(cls, event: RuntimeEvent) -> WebhookEvent:
        request = OriginalRequest(event.body, event.headers, event.path) if event.body else None
        created = cls(event.id, event.payload, dict(event.headers), request, created_at=None)
        created.webhook_path = event.path
        return created

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebhookEvent:
        return cls(trace_id=data["trace_id"], payload=data["payload"], headers=data["headers"])

    def clone(self) -> WebhookEvent:
        cloned = WebhookEvent(
            self.trace_id, self.payload, self.headers, self._original_request, self.group_id
        )
        cloned.webhook_path = self.webhook_path
        return cloned

    def set_timestamp(self, timestamp: Any, params: dict[str, Any] | None = None) -> None:
        return None


class AbstractWebhookProcessor:
    """The published base class; subclasses implement the five checks and ``handle_event``."""

    max_retries: int = 3
    initial_retry_delay_seconds: float = 1.0
    max_retry_delay_seconds: float = 30.0
    exponential_base_seconds: float = 2.0

    def __init__(self, event: WebhookEvent) -> None:
        self.event = event
        self.retry_count = 0

    @classmethod
    def get_processor_type(cls) -> WebhookProcessorType:
        return WebhookProcessorType.WEBHOOK

    async def on_error(self, error: Exception) -> None:
        return None

    async def cancel(self) -> None:
        return None

    def validate_webhook_setup(self) -> bool:
        return True

    def should_retry(self, error: Exception) -> bool:
        return isinstance(error, RetryableError)

    def calculate_retry_delay(self) -> float:
        delay = self.initial_retry_delay_seconds * (self.exponential_base_seconds**self.retry_count)
        return float(min(delay, self.max_retry_delay_seconds))

    async def before_processing(self) -> None:
        return None

    async def after_processing(self) -> None:
        return None

    async def authenticate(self, payload: EventPayload, headers: EventHeaders) -> bool:
        raise NotImplementedError

    async def validate_payload(self, payload: EventPayload) -> bool:
        raise NotImplementedError

    async def handle_event(self, payload: EventPayload, resource: Any) -> WebhookEventRawResults:
        raise NotImplementedError

    async def should_process_event(self, event: WebhookEvent) -> bool:
        raise NotImplementedError

    async def get_matching_kinds(self, event: WebhookEvent) -> list[str]:
        raise NotImplementedError


class _Adapted(ocean_runtime.WebhookProcessor):
    """An Ocean processor running one published processor class (see the module docstring)."""

    published: ClassVar[type[AbstractWebhookProcessor]]

    def __init__(self, event: RuntimeEvent) -> None:
        super().__init__(event)
        self.inner = self.published(WebhookEvent.from_runtime(event))
        self.max_retries = self.inner.max_retries

    async def authenticate(self, payload: EventPayload, headers: EventHeaders) -> bool:
        inner = self.inner
        if not await inner.should_process_event(inner.event):
            return False
        async with live_event_scope(EventType.HTTP_REQUEST):
            return bool(await inner.authenticate(payload, headers))

    async def validate_payload(self, payload: EventPayload) -> bool:
        async with live_event_scope(EventType.HTTP_REQUEST):
            return bool(await self.inner.validate_payload(payload))

    async def should_process_event(self, event: RuntimeEvent) -> bool:
        if type(self).name() in event.accepted_by:
            return True  # admitted by this processor's own checks, on the original body
        return bool(await self.inner.should_process_event(self.inner.event))

    async def get_matching_kinds(self, event: RuntimeEvent) -> list[str]:
        return list(await self.inner.get_matching_kinds(self.inner.event))

    async def handle_event(self, payload: EventPayload, resource: Any) -> WebhookEventRawResults:
        scope_config = ocean_runtime.event.port_app_config
        self.inner.retry_count = self.retry_count
        results = await self.inner.handle_event(payload, native_resource(scope_config, resource))
        return WebhookEventRawResults(
            updated_raw_results=list(results.updated_raw_results),
            deleted_raw_results=list(results.deleted_raw_results),
        )

    async def before_processing(self) -> None:
        await self.inner.before_processing()

    async def after_processing(self) -> None:
        await self.inner.after_processing()

    async def cancel(self) -> None:
        await self.inner.cancel()

    def should_retry(self, error: BaseException) -> bool:
        return isinstance(error, Exception) and bool(self.inner.should_retry(error))

    def calculate_retry_delay(self) -> float:
        self.inner.retry_count = self.retry_count
        return float(self.inner.calculate_retry_delay())


class _AdaptedAction(_Adapted):
    """A published ``ACTION`` processor: it reports on action runs, not on catalog kinds.

    The published manager runs it once per event with ``resource=None``, whatever the mapping
    holds. Ocean's dispatcher runs processors per mapped resource, so this one runs the published
    ``handle_event`` (with its retry policy) while the event is classified and answers "no
    kinds": nothing is mapped from it, as published.
    """

    async def get_matching_kinds(self, event: RuntimeEvent) -> list[str]:
        async with live_event_scope(EventType.HTTP_REQUEST):
            await self._handle_once()
        return []

    async def _handle_once(self) -> None:
        inner = self.inner
        await inner.before_processing()
        while True:
            try:
                await inner.handle_event(copy.deepcopy(inner.event.payload), None)
                break
            except Exception as exc:
                if not (inner.should_retry(exc) and inner.retry_count < inner.max_retries):
                    raise
                inner.retry_count += 1
                await asyncio.sleep(inner.calculate_retry_delay())
        await inner.after_processing()


_RUNTIME_CLASSES: weakref.WeakKeyDictionary[type, type[ocean_runtime.WebhookProcessor]] = (
    weakref.WeakKeyDictionary()
)


def runtime_processor(published: type) -> type[ocean_runtime.WebhookProcessor]:
    """The Ocean processor class running ``published`` (named like it, for event records).

    One class per published class, so registering it twice (by ``main.py`` and by an action
    executor's ``WEBHOOK_PROCESSOR_CLASS``) serves it once.
    """
    if isinstance(published, type) and issubclass(published, ocean_runtime.WebhookProcessor):
        return published
    adapted = _RUNTIME_CLASSES.get(published)
    if adapted is None:
        is_action = getattr(published, "get_processor_type", lambda: None)() == WebhookProcessorType.ACTION
        adapted = _RUNTIME_CLASSES[published] = type(
            published.__name__,
            (_AdaptedAction if is_action else _Adapted,),
            {
                "published": published,
                "__qualname__": published.__qualname__,
                "__module__": published.__module__,
            },
        )
    return adapted


class LiveEventsProcessorManager:
    """Published manager of processors; Ocean's runtime dispatches instead (kept for imports)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.processors: dict[str, list[type]] = {}

    def register_processor(self, path: str, processor: type, *args: Any) -> None:
        self.processors.setdefault(path, []).append(processor)


class BaseConfigChangeWebhookProcessor(AbstractWebhookProcessor):
    """Published processor of a mapping change in a 3rd party (an ``ACTION`` processor).

    ``trigger_resync`` (published: a full resync at once) is not supported yet: it raises, naming
    the processor; the next scheduled or requested resync reads the changed mapping.
    """

    @classmethod
    def get_processor_type(cls) -> WebhookProcessorType:
        return WebhookProcessorType.ACTION

    async def trigger_resync(self) -> None:
        raise exceptions.OceanAbortException(
            f"{type(self).__name__}.trigger_resync: Ocean does not start a resync from a webhook yet; "
            "the next scheduled or requested resync (ocean sail, POST /resync) reads the changed mapping"
        )


def new_trace_id() -> str:
    return str(uuid4())
