"""Putting a real Kafka-protocol broker into a known state: topics, messages, consumer groups.

Messages are produced one at a time (each flushed), so every partition's end offset is
exactly the number of messages sent to it — on Kafka and on Tansu alike (Tansu gives a
multi-record batch a single offset).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT = 15.0
# librdkafka logs through Python logging (pytest captures it) instead of onto stderr, where a
# client outliving its test's broker would print reconnect failures into other tests' output.
LOGGER = logging.getLogger("kafka.test-clients")


class KafkaCluster:
    """Drives the broker at ``bootstrap_servers`` the way applications would."""

    def __init__(self, bootstrap_servers: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.admin = AdminClient({"bootstrap.servers": bootstrap_servers, "logger": LOGGER})
        self._consumers: list[Consumer] = []

    def create_topic(self, name: str, partitions: int = 1, config: Mapping[str, str] | None = None) -> None:
        """Create a topic and wait until the broker confirms it."""
        futures = self.admin.create_topics([NewTopic(name, partitions, 1, config=dict(config or {}))])
        futures[name].result(TIMEOUT)

    def produce(self, topic: str, counts: Mapping[int, int]) -> None:
        """Send ``counts[partition]`` messages to each partition, one flushed message at a time."""
        producer = Producer({"bootstrap.servers": self.bootstrap_servers, "linger.ms": 0, "logger": LOGGER})
        for partition, count in counts.items():
            for index in range(count):
                producer.produce(topic, value=f"message {index}".encode(), partition=partition)
                assert producer.flush(TIMEOUT) == 0, "the broker did not acknowledge a message"

    def commit(self, group_id: str, offsets: Mapping[tuple[str, int], int]) -> None:
        """Commit ``offsets[(topic, partition)]`` for ``group_id`` without joining the group."""
        consumer = Consumer(
            {"bootstrap.servers": self.bootstrap_servers, "group.id": group_id, "logger": LOGGER}
        )
        try:
            consumer.commit(
                offsets=[
                    TopicPartition(topic, partition, offset) for (topic, partition), offset in offsets.items()
                ],
                asynchronous=False,
            )
        finally:
            consumer.close()

    def join(self, group_id: str, topic: str, *, timeout: float = 60.0) -> Consumer:
        """A consumer in ``group_id`` that consumed and committed ``topic``'s first message.

        It stays in the group (a live member) until ``close``. ``topic`` must hold a message.
        """
        consumer = Consumer(
            {
                "bootstrap.servers": self.bootstrap_servers,
                "group.id": group_id,
                "client.id": f"{group_id}-member",
                "logger": LOGGER,
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
                # Short timeouts: the group forms in seconds instead of librdkafka's 45 s default.
                "session.timeout.ms": 6000,
                "heartbeat.interval.ms": 500,
            }
        )
        self._consumers.append(consumer)
        consumer.subscribe([topic])
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"consumer of {group_id!r} got no message of {topic!r}")
            message = consumer.poll(0.2)
            if message is not None and message.error() is None:
                break
        consumer.commit(message, asynchronous=False)
        return consumer

    def close(self) -> None:
        """Close the consumers ``join`` opened."""
        for consumer in self._consumers:
            consumer.close()
        self._consumers.clear()
