"""An asyncio face for ``confluent_kafka.admin.AdminClient``: the calls the inventory needs.

librdkafka's admin calls return ``concurrent.futures.Future`` objects completed from its own
threads; they are awaited with ``asyncio.wrap_future`` so the event loop never blocks. The one
blocking call (``list_topics``) runs in a worker thread. Every failure is raised as
``KafkaRequestError`` naming the request, so a handler's error says what was asked of which
cluster — and ``unsupported`` tells an API the broker does not implement (Tansu lacks some)
from a real failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError, KafkaException, TopicPartition

# confluent-kafka re-exports these without __all__; mypy cannot tell they are public.
from confluent_kafka.admin import AdminClient, ConfigResource, OffsetSpec, ResourceType  # type: ignore[attr-defined]
from kafka_settings import KafkaSettings

# Error codes meaning "this broker does not implement the request", not "the request failed".
_UNSUPPORTED_CODES = frozenset(
    {KafkaError._UNSUPPORTED_FEATURE, KafkaError.UNSUPPORTED_VERSION, KafkaError._NOT_IMPLEMENTED}
)
# Error codes of a broker that did not answer at all.
_UNREACHABLE_CODES = frozenset({KafkaError._TIMED_OUT, KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN})
# list_consumer_group_offsets accepts one group per request; this many run at once.
_GROUP_OFFSET_CONCURRENCY = 8


class KafkaRequestError(Exception):
    """An admin request failed.

    ``unsupported``: the broker does not implement it. ``unanswered``: no broker answered in
    time (timed out, connection failed) — nothing is known, not even that the answer is empty.
    """

    def __init__(self, request: str, settings: KafkaSettings, cause: BaseException) -> None:
        self.request = request
        self.unsupported = _is_unsupported(cause)
        self.unanswered = _is_unanswered(cause)
        reason = "the broker does not support it" if self.unsupported else _describe(cause)
        super().__init__(
            f"Kafka cluster {settings.cluster_name!r} ({settings.bootstrap_servers}): "
            f"{request} failed: {reason}"
        )


class KafkaAdmin:
    """The admin requests the inventory makes, as coroutines.

    Args:
        settings: the cluster and how long a request may take.
        client: an ``AdminClient`` to use (built from ``settings`` when omitted).
    """

    def __init__(self, settings: KafkaSettings, client: AdminClient | None = None) -> None:
        self.settings = settings
        self._client = client or AdminClient(settings.client_config())
        self._timeout = settings.timeout_seconds

    async def metadata(self) -> Any:
        """The cluster metadata: brokers, controller, topics and their partitions."""
        try:
            return await asyncio.to_thread(self._client.list_topics, timeout=self._timeout)
        except KafkaException as exc:
            raise KafkaRequestError("reading the cluster metadata", self.settings, exc) from exc

    async def topic_configs(self, topics: Iterable[str]) -> dict[str, dict[str, str]]:
        """Each topic's configuration entries (name → value), sensitive ones left out."""
        resources = [ConfigResource(ResourceType.TOPIC, name) for name in topics]
        if not resources:
            return {}
        futures = self._call("describing topic configs", self._client.describe_configs, resources)
        results = await self._gather("describing topic configs", futures)
        return {
            resource.name: {
                name: entry.value
                for name, entry in entries.items()
                if not entry.is_sensitive and entry.value is not None
            }
            for resource, entries in results.items()
        }

    async def group_listings(self) -> list[Any]:
        """Every consumer group the cluster knows (``ConsumerGroupListing`` objects).

        Raises:
            KafkaRequestError: any broker could not answer. librdkafka reports that in
                ``result.errors`` next to an empty or partial ``valid`` list; taking that list for
                the answer would read an outage as "no consumer groups" and reconcile would
                delete them all.
        """
        future = self._call("listing consumer groups", self._client.list_consumer_groups)
        result = await self._await("listing consumer groups", future)
        if result.errors:
            first = result.errors[0]
            cause = first if isinstance(first, BaseException) else KafkaException(first)
            more = len(result.errors) - 1
            request = "listing consumer groups" + (f" ({more} more error(s))" if more else "")
            raise KafkaRequestError(request, self.settings, cause)
        return list(result.valid)

    async def describe_groups(self, group_ids: list[str]) -> dict[str, Any]:
        """``ConsumerGroupDescription`` per group id (members, state, coordinator)."""
        if not group_ids:
            return {}
        futures = self._call("describing consumer groups", self._client.describe_consumer_groups, group_ids)
        return await self._gather("describing consumer groups", futures)

    async def committed_offsets(self, group_ids: list[str]) -> dict[str, list[TopicPartition]]:
        """Each group's committed offsets (partitions it never committed are left out)."""
        limit = asyncio.Semaphore(_GROUP_OFFSET_CONCURRENCY)

        async def one(group_id: str) -> tuple[str, list[TopicPartition]]:
            async with limit:
                request = [ConsumerGroupTopicPartitions(group_id)]
                futures = self._call(
                    "listing committed offsets", self._client.list_consumer_group_offsets, request
                )
                result = await self._await(f"listing committed offsets of {group_id!r}", futures[group_id])
                return group_id, [tp for tp in result.topic_partitions if tp.offset >= 0]

        return dict(await asyncio.gather(*(one(group_id) for group_id in group_ids)))

    async def end_offsets(self, partitions: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """The latest offset (high watermark) of each ``(topic, partition)``."""
        latest = OffsetSpec.latest()  # type: ignore[no-untyped-call]
        specs = {TopicPartition(topic, partition): latest for topic, partition in partitions}
        if not specs:
            return {}
        futures = self._call("listing end offsets", self._client.list_offsets, specs)
        results = await self._gather("listing end offsets", futures)
        return {(tp.topic, tp.partition): info.offset for tp, info in results.items()}

    def _call(self, request: str, method: Any, *args: Any) -> Any:
        try:
            return method(*args, request_timeout=self._timeout)
        except (KafkaException, ValueError, TypeError) as exc:
            raise KafkaRequestError(request, self.settings, exc) from exc

    async def _await(self, request: str, future: Future[Any]) -> Any:
        try:
            # The request timeout is enforced by librdkafka; the margin only guards a lost future.
            return await asyncio.wait_for(asyncio.wrap_future(future), self._timeout + 5)
        except (KafkaException, TimeoutError) as exc:
            raise KafkaRequestError(request, self.settings, exc) from exc

    async def _gather(self, request: str, futures: dict[Any, Future[Any]]) -> dict[Any, Any]:
        keys = list(futures)
        values = await asyncio.gather(*(self._await(request, futures[key]) for key in keys))
        return dict(zip(keys, values, strict=True))


def _kafka_error(exc: BaseException) -> KafkaError | None:
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        return exc.args[0]
    return None


def _is_unsupported(exc: BaseException) -> bool:
    error = _kafka_error(exc)
    return error is not None and error.code() in _UNSUPPORTED_CODES


def _is_unanswered(exc: BaseException) -> bool:
    if isinstance(exc, TimeoutError):
        return True
    error = _kafka_error(exc)
    return error is not None and error.code() in _UNREACHABLE_CODES


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "no answer in time (is the broker reachable?)"
    error = _kafka_error(exc)
    if error is not None:
        hint = " (is the broker reachable?)" if error.code() in _UNREACHABLE_CODES else ""
        return f"{error.name()}: {error.str()}{hint}"
    return str(exc) or type(exc).__name__
