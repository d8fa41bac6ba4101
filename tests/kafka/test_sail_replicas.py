"""Two ``ocean sail`` replicas of the fake integration sharing live events through Kafka.

``OCEAN__LIVE_EVENTS__BACKEND=kafka``: each replica's webhook route publishes the accepted
event to one topic, keyed by service; the replicas consume it in one consumer group. Webhooks
are posted to both; one replica is killed (SIGKILL) while events wait; the other processes
them. The fake's ``deployments`` property records, per service, the versions applied in order.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ocean_runtime.testing.kafka import FAST_GROUP_SETTINGS, TansuBroker
from tests.support.fake_webhooks import SECRET, deploy, deployments, post_signed, processed
from tests.support.sail import Sail, copy_fake, eventually, launch_sail, ocean_env

from .conftest import unique

WAIT_SECONDS = 60


@pytest.fixture
def start_sail(tmp_path: Path, harbor: Any, tansu: TansuBroker) -> Iterator[Any]:
    # Each replica has its own folder, as each pod has its own filesystem: one folder runs one
    # ``ocean sail`` at a time (its .ocean/ holds the run's lock and local state).
    folders = iter(tmp_path / f"replica-{number}" for number in range(1_000))
    topic = unique("fake-live-events")
    sails: list[Sail] = []

    def start(count: int) -> list[Sail]:
        """Start ``count`` replicas; return them once their start-up resyncs are done."""
        environ = ocean_env(
            harbor,
            OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET=SECRET,
            OCEAN__INTEGRATION__CONFIG__WEBHOOK_LATENCY="0.1",
            OCEAN__LIVE_EVENTS__BACKEND="kafka",
            OCEAN__LIVE_EVENTS__KAFKA__BROKERS=tansu.bootstrap_servers,
            OCEAN__LIVE_EVENTS__KAFKA__TOPIC=topic,
            OCEAN__LIVE_EVENTS__KAFKA__CONFIG=json.dumps(FAST_GROUP_SETTINGS),
        )
        started = []
        for _ in range(count):
            sail = launch_sail(copy_fake(next(folders)), environ, tmp_path, wait_seconds=WAIT_SECONDS)
            sails.append(sail)
            # Serving means docked: the next replica finds the integration record in Port.
            assert sail.url
            started.append(sail)
        for sail in started:
            sail.wait_for(r"Reconcile: deleted 0 stale")  # the start-up resync is done
        return started

    yield start
    for sail in sails:
        sail.stop(signal.SIGKILL, timeout=WAIT_SECONDS)


def post(sail: Sail, service: str, version: int) -> int:
    """A signed deploy of ``service`` at ``version`` posted to ``sail``; the status it answered."""
    return post_signed(sail.url, deploy(service, version)).status_code


def test_two_sail_replicas_share_webhooks_and_a_killed_one_loses_none(start_sail: Any, harbor: Any) -> None:
    first, second = start_sail(2)
    keys = sorted(entity["identifier"] for entity in harbor.entities("fakeService"))[:12]
    versions = range(1, 11)

    # Both routes accept; each key's versions are posted in order, alternating replicas.
    statuses = [
        post(first if version % 2 else second, key, version) for version in versions[:5] for key in keys
    ]
    eventually(
        lambda: processed(first) > 0 and processed(second) > 0,
        "both replicas processing",
        timeout=WAIT_SECONDS,
    )
    first.process.kill()  # mid-stream: no shutdown, no commit of what it was doing
    first.process.wait()
    statuses += [post(second, key, version) for version in versions[5:] for key in keys]

    assert statuses == [202] * 120
    eventually(
        lambda: all(got[-1:] == [10] for got in deployments(harbor, keys).values()),
        "every key at v10",
        second,
        timeout=WAIT_SECONDS,
    )
    for key, got in deployments(harbor, keys).items():
        # In order, nothing skipped after the takeover: the survivor resumed from the last
        # committed event of the key (it may repeat some: processing is idempotent).
        assert got == list(range(got[0], 11)), (key, got)
