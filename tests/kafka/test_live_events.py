"""``KafkaLiveEventsBackend`` against a real broker: replicas share the work, order per key holds,
unfinished events go to the next replica, a broker restart is survived.

A replica killed mid-stream (SIGKILL) is tested end to end, through two ``ocean sail``
processes, in ``test_sail_replicas.py``."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer

from ocean_runtime.config import load_settings
from ocean_runtime.kafka.live_events import KafkaLiveEventsBackend
from ocean_runtime.testing.kafka import FAST_GROUP_SETTINGS, TansuBroker
from ocean_runtime.webhooks.backend import BackendUnavailableError
from ocean_runtime.webhooks.event import WebhookEvent

from .conftest import FAST, eventually, unique

Processed = list[tuple[str, int]]


def event(seq: int, key: str) -> WebhookEvent:
    created = WebhookEvent.new("/webhook", {"seq": seq}, {"x-test": "1"})
    created.group_key = key
    return created


def in_order_per_key(processed: Processed) -> bool:
    last: dict[str, int] = {}
    for key, seq in processed:
        if seq <= last.get(key, -1):
            return False
        last[key] = seq
    return True


@pytest.fixture
async def replicas(tansu: TansuBroker) -> AsyncIterator[Callable[..., Any]]:
    """``make(topic, group, processed, fail=...)`` → a started backend recording into ``processed``."""
    started: list[KafkaLiveEventsBackend] = []

    async def make(
        topic: str, group: str, processed: Processed, *, delay: float = 0.0, fail: set[int] | None = None
    ) -> KafkaLiveEventsBackend:
        failures = set(fail or ())

        async def process(run: list[WebhookEvent]) -> None:
            (received,) = run  # Kafka hands over one event per run: its offset is its own
            await asyncio.sleep(delay)
            seq = received.payload["seq"]
            if seq in failures:
                failures.discard(seq)  # fails once, then succeeds when delivered again
                raise ConnectionError("Port is unreachable")
            processed.append((received.group_key, seq))

        backend = KafkaLiveEventsBackend(
            brokers=tansu.bootstrap_servers,
            topic=topic,
            group_id=group,
            integration="tests.replicas",
            config=FAST_GROUP_SETTINGS,
            partitions=12,
        )
        await backend.start(process)
        started.append(backend)
        return backend

    yield make
    deadline = time.monotonic() + 2
    await asyncio.gather(*(backend.stop(deadline) for backend in started))


async def test_two_replicas_share_the_events_in_order_per_key_and_lose_none(replicas: Any) -> None:
    topic, group = unique("live"), unique("live-group")
    first: Processed = []
    second: Processed = []
    a = await replicas(topic, group, first, delay=0.005, fail={7, 40})
    b = await replicas(topic, group, second, delay=0.005)
    await eventually(lambda: a.assignment and b.assignment, what="both replicas to own partitions")
    assert not set(a.assignment) & set(b.assignment)

    for seq in range(120):
        await (a if seq % 2 else b).submit(event(seq, f"repo-{seq % 12}"))  # both routes publish

    await eventually(lambda: len(first) + len(second) >= 120, what="every event processed")
    assert first and second  # the load is shared
    assert sorted(seq for _, seq in first + second) == list(range(120))  # none lost, none twice
    assert in_order_per_key(first) and in_order_per_key(second)  # 7 and 40 were retried in place
    assert not {key for key, _ in first} & {key for key, _ in second}  # a key lives on one replica
    await eventually(lambda: a.depth() == 0 and b.depth() == 0, what="empty queues")


async def test_submit_refuses_when_stopped_and_events_wait_for_the_next_replica(
    tansu: TansuBroker, replicas: Any
) -> None:
    topic, group = unique("restart"), unique("restart-group")
    nobody: Processed = []
    first = await replicas(topic, group, nobody, delay=30.0)  # never finishes an event
    await eventually(lambda: first.assignment, what="the first replica to own partitions")
    await first.submit(event(0, "repo-0"))
    await eventually(lambda: first.depth() == 1, what="the event to be fetched")

    await first.stop(time.monotonic() + 0.2)  # gives up before the event finished

    with pytest.raises(BackendUnavailableError):
        await first.submit(event(1, "repo-0"))
    later: Processed = []
    await replicas(topic, group, later)
    await eventually(lambda: later == [("repo-0", 0)], what="the event processed by the next replica")
    assert nobody == []


def partition_count(bootstrap: str, topic: str) -> int:
    reader = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("metadata")})
    try:
        return len(reader.list_topics(topic, timeout=10).topics[topic].partitions)
    finally:
        reader.close()


async def test_the_topic_gets_the_partitions_of_the_setting_and_an_existing_one_is_kept(
    tansu: TansuBroker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "fake"\nversion = "1.0.0"\n')
    topic = unique("sized")
    environ = {
        "OCEAN__LIVE_EVENTS__BACKEND": "kafka",
        "OCEAN__LIVE_EVENTS__KAFKA__BROKERS": tansu.bootstrap_servers,
        "OCEAN__LIVE_EVENTS__KAFKA__TOPIC": topic,
        "OCEAN__LIVE_EVENTS__KAFKA__GROUP_ID": unique("sized-group"),
        "OCEAN__LIVE_EVENTS__KAFKA__CONFIG": json.dumps(FAST_GROUP_SETTINGS),
    }
    processed: Processed = []

    async def process(run: list[WebhookEvent]) -> None:
        processed.extend((received.group_key, received.payload["seq"]) for received in run)

    settings = load_settings(tmp_path, environ={**environ, "OCEAN__LIVE_EVENTS__KAFKA__PARTITIONS": "3"})
    first = KafkaLiveEventsBackend.from_settings(settings)
    await first.start(process)
    try:
        assert partition_count(tansu.bootstrap_servers, topic) == 3
        await eventually(lambda: len(first.assignment) == 3, what="the replica to own the 3 partitions")
        await first.submit(event(0, "repo-0"))
        await eventually(lambda: processed == [("repo-0", 0)], what="the event processed")
    finally:
        await first.stop(time.monotonic() + 2)

    resized = load_settings(tmp_path, environ={**environ, "OCEAN__LIVE_EVENTS__KAFKA__PARTITIONS": "5"})
    second = KafkaLiveEventsBackend.from_settings(resized)
    with caplog.at_level(logging.INFO, logger="ocean.kafka.live_events"):
        await second.start(process)
    await second.stop(time.monotonic() + 2)
    assert partition_count(tansu.bootstrap_servers, topic) == 3  # an existing topic is never altered
    assert "exists with 3 partitions (OCEAN__LIVE_EVENTS__KAFKA__PARTITIONS=5" in caplog.text


async def test_a_replica_keeps_accepting_and_processing_across_a_broker_restart() -> None:
    processed: Processed = []

    async def process(run: list[WebhookEvent]) -> None:
        processed.extend((received.group_key, received.payload["seq"]) for received in run)

    with TansuBroker() as broker:
        backend = KafkaLiveEventsBackend(
            brokers=broker.bootstrap_servers,
            topic=unique("restart"),
            group_id=unique("restart-group"),
            integration="tests.replicas",
            config=FAST,
        )
        await backend.start(process)
        try:
            for seq in range(3):
                await backend.submit(event(seq, "repo-0"))
            await eventually(lambda: len(processed) == 3, what="the events before the restart")

            broker.restart()  # a fresh broker: the topic is re-created on the next send

            sent = 3
            while sent < 6:
                try:
                    await backend.submit(event(sent, "repo-0"))
                except BackendUnavailableError:  # the route answers 503: the sender retries
                    await asyncio.sleep(0.1)
                    continue
                sent += 1
            await eventually(lambda: len(processed) >= 6, what="the events after the restart")
        finally:
            await backend.stop(time.monotonic() + 2)
    # In order; a send whose acknowledgement was lost in the restart may have been retried.
    assert list(dict.fromkeys(seq for _, seq in processed)) == list(range(6))


def test_events_survive_the_trip_through_kafka_unchanged() -> None:
    original = event(3, "repo-3")
    original.accepted_by = ("main.Processor",)
    assert WebhookEvent.from_json(original.to_json()) == original
    assert json.loads(original.to_json())["group_key"] == "repo-3"
