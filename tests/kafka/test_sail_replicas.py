"""Two ``ocean sail`` replicas of the fake integration sharing live events through Kafka.

``OCEAN__LIVE_EVENTS__BACKEND=kafka``: each replica's webhook route publishes the accepted
event to one topic, keyed by service; the replicas consume it in one consumer group. Webhooks
are posted to both; one replica is killed (SIGKILL) while events wait; the other processes
them. The fake's ``deployments`` property records, per service, the versions applied in order.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocean_runtime.testing.kafka import FAST_GROUP_SETTINGS, TansuBroker
from ocean_runtime.webhooks import hmac_sha256_hex

from .conftest import unique

OCEAN = str(Path(sys.executable).with_name("ocean"))
FAKE = Path(__file__).resolve().parents[2] / "integrations" / "fake"
SECRET = "kafka-webhook-secret"
WAIT_SECONDS = 60


class Sail:
    """A running ``ocean sail``: its output (read in a thread) and its HTTP address."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()
        self.url = self.wait_for(r"health on (http://127\.0\.0\.1:\d+)/health").group(1)
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def _read(self, stream: Any) -> None:
        for line in stream:
            self.lines.put(line)

    def wait_for(self, pattern: str) -> re.Match[str]:
        while True:
            try:
                line = self.lines.get(timeout=WAIT_SECONDS)
            except queue.Empty:
                pytest.fail(f"no line matching {pattern!r}; output so far:\n{''.join(self.seen)}")
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match

    def post(self, service: str, version: int) -> int:
        body = json.dumps({"action": "deploy", "service": service, "version": version}).encode()
        headers = {
            "content-type": "application/json",
            "x-fake-signature": "sha256=" + hmac_sha256_hex(SECRET, body),
        }
        return self.http.post("/integration/webhook", content=body, headers=headers).status_code

    def processed(self) -> float:
        text = self.http.get("/metrics").text
        found = re.search(r'ocean_webhook_events_total\{outcome="processed",path="/webhook"\} (\S+)', text)
        return float(found.group(1)) if found else 0.0


@pytest.fixture
def start_sail(tmp_path: Path, harbor: Any, tansu: TansuBroker) -> Iterator[Any]:
    # Each replica has its own folder, as each pod has its own filesystem: one folder runs one
    # ``ocean sail`` at a time (its .ocean/ holds the run's lock and local state).
    folders = iter(tmp_path / f"replica-{number}" for number in range(1_000))
    topic = unique("fake-live-events")
    processes: list[subprocess.Popen[str]] = []
    sails: list[Sail] = []

    def start(count: int) -> list[Sail]:
        """Start ``count`` replicas; return them once their start-up resyncs are done."""
        environ = {
            **{key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")},
            "OCEAN__PORT__BASE_URL": harbor.url,
            "OCEAN__PORT__CLIENT_ID": harbor.client_id,
            "OCEAN__PORT__CLIENT_SECRET": harbor.client_secret,
            "OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET": SECRET,
            "OCEAN__INTEGRATION__CONFIG__WEBHOOK_LATENCY": "0.1",
            "OCEAN__LIVE_EVENTS__BACKEND": "kafka",
            "OCEAN__LIVE_EVENTS__KAFKA__BROKERS": tansu.bootstrap_servers,
            "OCEAN__LIVE_EVENTS__KAFKA__TOPIC": topic,
            "OCEAN__LIVE_EVENTS__KAFKA__CONFIG": json.dumps(FAST_GROUP_SETTINGS),
            "PYTHONUNBUFFERED": "1",
        }
        started = []
        for _ in range(count):
            copy = next(folders)
            shutil.copytree(
                FAKE, copy, ignore=shutil.ignore_patterns(".ocean", "__pycache__", ".mypy_cache", "tests")
            )
            process = subprocess.Popen(
                [OCEAN, "sail", str(copy), "--port", "0"],
                cwd=tmp_path,
                env=environ,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
            )
            processes.append(process)
            # Serving means docked: the next replica finds the integration record in Port.
            started.append(Sail(process))
        for sail in started:
            sail.wait_for(r"Reconcile: deleted 0 stale")  # the start-up resync is done
        sails.extend(started)
        return started

    yield start
    for sail in sails:
        sail.http.close()
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=WAIT_SECONDS)
        if process.stdout is not None:
            process.stdout.close()


def deployments(harbor: Any, keys: list[str]) -> dict[str, list[int]]:
    catalog = {entity["identifier"]: entity for entity in harbor.entities("fakeService")}
    return {key: catalog[key]["properties"]["deployments"] for key in keys}


def eventually(check: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.05)


def test_two_sail_replicas_share_webhooks_and_a_killed_one_loses_none(start_sail: Any, harbor: Any) -> None:
    first, second = start_sail(2)
    keys = sorted(entity["identifier"] for entity in harbor.entities("fakeService"))[:12]
    versions = range(1, 11)

    # Both routes accept; each key's versions are posted in order, alternating replicas.
    statuses = [
        (first if version % 2 else second).post(key, version) for version in versions[:5] for key in keys
    ]
    eventually(lambda: first.processed() > 0 and second.processed() > 0, "both replicas processing")
    first.process.kill()  # mid-stream: no shutdown, no commit of what it was doing
    first.process.wait()
    statuses += [second.post(key, version) for version in versions[5:] for key in keys]

    assert statuses == [202] * 120
    eventually(
        lambda: all(got[-1:] == [10] for got in deployments(harbor, keys).values()), "every key at v10"
    )
    for key, got in deployments(harbor, keys).items():
        # In order, nothing skipped after the takeover: the survivor resumed from the last
        # committed event of the key (it may repeat some: processing is idempotent).
        assert got == list(range(got[0], 11)), (key, got)
