"""``AsyncConsumer``: a confluent-kafka consumer driven from asyncio, with rebalances bridged in.

librdkafka's calls block, so every call on the consumer runs in one dedicated thread: they
never overlap, and the event loop stays free. Rebalance callbacks run inside ``poll`` (or
``close``) on that thread; they hand over to the owner's ``RebalanceListener`` coroutines on the
event loop and wait for them — so when partitions are revoked, the owner says which offsets are
done and they are committed *before* the partitions go to another member.

A listener coroutine must not call the consumer itself (that thread is busy waiting for it).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Coroutine, Iterable
from typing import Any, Protocol

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from .offsets import Partition

logger = logging.getLogger("ocean.kafka")

# How long a rebalance callback waits for the owner's coroutine; past it, nothing is committed
# (the messages are re-delivered: at-least-once) rather than stalling the group forever.
REBALANCE_CALLBACK_TIMEOUT_SECONDS = 60.0


class RebalanceListener(Protocol):
    """What the owner of an ``AsyncConsumer`` does when its partitions change."""

    async def partitions_assigned(self, partitions: list[Partition]) -> None:
        """These partitions are now ours."""

    async def partitions_revoked(self, partitions: list[Partition]) -> dict[Partition, int]:
        """These partitions go to another member: stop their work; return the offsets to commit."""

    async def partitions_lost(self, partitions: list[Partition]) -> None:
        """These partitions were taken away (session lost): nothing of them may be committed."""


class AsyncConsumer:
    """A subscribed, manually committing consumer whose blocking calls run in its own thread.

    Args:
        config: librdkafka configuration (see ``client_config.consumer_config``).
        topics: the topics to subscribe to.
        listener: told about assignments and revocations.
        name: names the thread (logs).
    """

    def __init__(
        self, config: dict[str, Any], topics: list[str], listener: RebalanceListener, *, name: str
    ) -> None:
        self._config = config
        self._topics = topics
        self._listener = listener
        self._name = name
        self._thread = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"kafka-{name}"
        )
        self._consumer: Consumer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    async def start(self) -> None:
        """Create the consumer and subscribe (the group is joined by the following polls)."""
        self._loop = asyncio.get_running_loop()
        await self._call(self._create)

    async def poll(self, timeout: float) -> Message | None:
        """The next message, or None (nothing within ``timeout``, or a transient error, logged).

        Raises:
            KafkaException: a fatal client error; the consumer cannot go on.
        """
        message: Message | None = await self._call(self._require().poll, timeout)
        if message is None:
            return None
        error = message.error()
        if error is None:
            return message
        if error.fatal():
            raise KafkaException(error)
        if error.code() != KafkaError._PARTITION_EOF:
            # Unknown topic (not created yet, or the broker lost it), a broker going away…:
            # librdkafka retries by itself.
            logger.warning("Kafka consumer %s: %s", self._name, error.str())
        return None

    async def commit(self, offsets: dict[Partition, int]) -> bool:
        """Commit ``offsets`` (the next offset to read, per partition) and wait for the answer.

        Returns:
            False when the commit failed (logged); those messages will be delivered again.
        """
        if not offsets:
            return True
        return bool(await self._call(self._commit_now, offsets))

    async def pause(self, partitions: Iterable[Partition]) -> None:
        """Stop fetching ``partitions`` (polling goes on, so the membership stays alive)."""
        await self._call(self._toggle, list(partitions), True)

    async def resume(self, partitions: Iterable[Partition]) -> None:
        """Fetch ``partitions`` again."""
        await self._call(self._toggle, list(partitions), False)

    async def close(self) -> None:
        """Leave the group (revoking, so finished work is committed) and free the client. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._consumer is not None:
                await self._call(self._consumer.close)
        except (KafkaException, RuntimeError) as exc:
            logger.warning("Kafka consumer %s did not close cleanly: %s", self._name, exc)
        finally:
            self._consumer = None
            self._thread.shutdown(wait=False)

    # -- on the consumer thread -----------------------------------------------------------

    def _create(self) -> None:
        self._consumer = Consumer(self._config)
        self._consumer.subscribe(
            self._topics, on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )
        logger.info("Kafka consumer %s subscribed to %s", self._name, ", ".join(self._topics))

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        if partitions:
            self._bridge(self._listener.partitions_assigned(_partitions(partitions)), default=None)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        if not partitions:
            return
        offsets = self._bridge(self._listener.partitions_revoked(_partitions(partitions)), default={})
        if offsets:
            self._commit_now(offsets)

    def _on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        if partitions:
            self._bridge(self._listener.partitions_lost(_partitions(partitions)), default=None)

    def _commit_now(self, offsets: dict[Partition, int]) -> bool:
        entries = [TopicPartition(topic, number, offset) for (topic, number), offset in offsets.items()]
        try:
            results = self._require().commit(offsets=entries, asynchronous=False)
        except KafkaException as exc:
            logger.warning("Kafka consumer %s could not commit %s: %s", self._name, offsets, exc)
            return False
        failed = [entry for entry in results or () if entry.error is not None]
        for entry in failed:
            logger.warning("Kafka consumer %s could not commit %s: %s", self._name, entry, entry.error)
        return not failed

    def _toggle(self, partitions: list[Partition], pause: bool) -> None:
        entries = [TopicPartition(topic, number) for topic, number in partitions]
        try:
            (self._require().pause if pause else self._require().resume)(entries)
        except KafkaException as exc:  # e.g. a partition revoked meanwhile
            logger.debug(
                "Kafka consumer %s could not %s %s: %s",
                self._name,
                "pause" if pause else "resume",
                partitions,
                exc,
            )

    def _bridge(self, coroutine: Coroutine[Any, Any, Any], *, default: Any) -> Any:
        """Run ``coroutine`` on the event loop and wait for its result (called on the thread)."""
        assert self._loop is not None
        if self._loop.is_closed():
            coroutine.close()
            return default
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(REBALANCE_CALLBACK_TIMEOUT_SECONDS)
        except Exception:
            future.cancel()
            logger.exception("Kafka consumer %s: rebalance handling failed", self._name)
            return default

    # -- plumbing -------------------------------------------------------------------------

    def _require(self) -> Consumer:
        if self._consumer is None:
            raise RuntimeError(f"the Kafka consumer {self._name} is not started or already closed")
        return self._consumer

    async def _call(self, function: Any, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, function, *args)


def _partitions(entries: list[TopicPartition]) -> list[Partition]:
    return [(entry.topic, entry.partition) for entry in entries]
