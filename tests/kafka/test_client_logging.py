"""Kafka client errors while a broker is unreachable: a few log lines, not a flood.

librdkafka retries a refused connection several times a second and reports each failure
twice (its log and ``error_cb``); ``RepeatThrottle`` lets each kind of message through once
per window and says how many it held back.
"""

from __future__ import annotations

import logging

import pytest
from confluent_kafka import Consumer

from ocean_runtime.kafka.client_config import RepeatThrottle, consumer_config
from ocean_runtime.testing.kafka import free_port

from .conftest import unique


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_repeats_are_held_back_for_a_window_then_counted() -> None:
    clock = Clock()
    throttle = RepeatThrottle(window=60, clock=clock)

    assert throttle.admit("b:9092: Connect failed (after 0ms in state CONNECT)") == 0
    # The same message but for its numbers: held back.
    assert throttle.admit("b:9092: Connect failed (after 12ms in state CONNECT)") is None
    assert throttle.admit("b:9092: Connect failed (after 3ms in state CONNECT)") is None
    # Another message is not.
    assert throttle.admit("1/1 brokers are down") == 0
    clock.now += 59
    assert throttle.admit("b:9092: Connect failed (after 0ms in state CONNECT)") is None
    clock.now += 1
    assert throttle.admit("b:9092: Connect failed (after 0ms in state CONNECT)") == 3  # the ones held back
    assert throttle.admit("b:9092: Connect failed (after 0ms in state CONNECT)") is None


def test_an_unreachable_broker_is_reported_in_a_few_lines(caplog: pytest.LogCaptureFixture) -> None:
    nobody_listens = f"127.0.0.1:{free_port()}"
    consumer = Consumer(consumer_config(nobody_listens, unique("unreachable")))
    consumer.subscribe([unique("topic")])
    with caplog.at_level(logging.DEBUG, logger="ocean.kafka"):
        for _ in range(20):  # librdkafka tries to connect dozens of times meanwhile
            consumer.poll(0.2)
    consumer.close()

    kafka_records = [record for record in caplog.records if record.name.startswith("ocean.kafka")]
    # At most: the refused connection and "all brokers down", each from the log and error_cb.
    assert len(kafka_records) <= 4, [record.getMessage() for record in kafka_records]
