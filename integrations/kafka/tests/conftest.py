"""Fixtures of the Kafka integration's tests: a real broker per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ocean_runtime.testing.kafka import TansuBroker


@pytest.fixture
def tansu() -> Iterator[TansuBroker]:
    """A fresh Tansu broker (in-memory: no topic or group survives the test) on a free port."""
    with TansuBroker() as broker:
        yield broker
