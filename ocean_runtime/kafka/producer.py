"""``AsyncProducer``: send and await the broker's acknowledgement; ``ensure_topic``, ``topic_partitions``.

``produce`` only queues a message inside librdkafka; the broker's answer arrives later as a
delivery report, served by ``poll``. Here a small task keeps polling on a dedicated thread and
each report settles the future of the ``send`` that is waiting for it — so ``send`` returns
only once the broker holds the message (``acks=all``), or raises.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import time
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

logger = logging.getLogger("ocean.kafka")

POLL_SECONDS = 0.1


class AsyncProducer:
    """A producer whose sends are awaitable (they return once the broker acknowledged).

    Args:
        config: librdkafka configuration (see ``client_config.producer_config``).
        name: names the thread (logs).
    """

    def __init__(self, config: dict[str, Any], *, name: str) -> None:
        self._config = config
        self._thread = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"kafka-{name}"
        )
        self._producer: Producer | None = None
        self._poller: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Create the producer and start serving delivery reports."""
        self._producer = Producer(self._config)
        self._poller = asyncio.create_task(self._serve_reports(), name="kafka-delivery-reports")

    async def send(
        self,
        topic: str,
        value: bytes,
        *,
        key: bytes | None = None,
        headers: list[tuple[str, str | bytes | None]] | None = None,
    ) -> Message:
        """Send one message; returns once the broker acknowledged it.

        Raises:
            KafkaException: the broker did not take it (timed out, refused…).
            BufferError: librdkafka's local queue is full.
            RuntimeError: the producer is not started or already closed.
        """
        if self._producer is None:
            raise RuntimeError("the Kafka producer is not started or already closed")
        loop = asyncio.get_running_loop()
        delivered: asyncio.Future[Message] = loop.create_future()

        def report(error: KafkaError | None, message: Message) -> None:  # on the polling thread
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
                loop.call_soon_threadsafe(_settle, delivered, error, message)

        self._producer.produce(topic, value, key, headers=headers or [], on_delivery=report)
        return await delivered

    def pending(self) -> int:
        """Messages queued or waiting for their acknowledgement."""
        return len(self._producer) if self._producer is not None else 0

    async def close(self, deadline: float) -> None:
        """Wait for pending acknowledgements until ``deadline`` (``time.monotonic()``), then stop."""
        producer = self._producer
        if producer is None:
            return
        remaining = max(deadline - time.monotonic(), 0.0)
        left = await asyncio.get_running_loop().run_in_executor(self._thread, producer.flush, remaining)
        if left:
            logger.error("%d message(s) were not acknowledged by Kafka before the shutdown deadline", left)
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        self._producer = None
        self._thread.shutdown(wait=False)

    async def _serve_reports(self) -> None:
        loop = asyncio.get_running_loop()
        while self._producer is not None:
            await loop.run_in_executor(self._thread, self._producer.poll, POLL_SECONDS)


def _settle(future: asyncio.Future[Message], error: KafkaError | None, message: Message) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(KafkaException(error))
    else:
        future.set_result(message)


def ensure_topic(config: dict[str, Any], topic: str, *, partitions: int, timeout: float = 10.0) -> bool:
    """Create ``topic`` with ``partitions`` partitions unless it exists (blocking; run it in a thread).

    Returns:
        True when it was created now.

    Raises:
        KafkaException: the broker could not be reached or refused.
    """
    # Create and accept "exists" rather than look first: asking for the metadata of a missing
    # topic may make the broker auto-create it with its default partition count.
    admin = AdminClient(config)
    future = admin.create_topics([NewTopic(topic, num_partitions=partitions)], request_timeout=timeout)[topic]
    try:
        future.result(timeout)
    except KafkaException as exc:
        if exc.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
            return False
        raise
    return True


def topic_partitions(config: dict[str, Any], topic: str, *, timeout: float = 10.0) -> int | None:
    """How many partitions ``topic`` has, or None when the broker does not list it (blocking).

    Ask only about a topic known to exist: asking for a missing one may make the broker
    auto-create it.

    Raises:
        KafkaException: the broker could not be reached.
    """
    listed = AdminClient(config).list_topics(topic, timeout=timeout).topics.get(topic)
    if listed is None or listed.error is not None:
        return None
    return len(listed.partitions)
