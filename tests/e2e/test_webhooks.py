"""``ocean sail integrations/fake`` listening, with signed webhooks posted over HTTP.

The fake's ``/integration/webhook`` takes deploy events for services; each deploy appends its
version to the service's ``deployments`` property, so the catalog shows the order the events
were applied in. Runs through the installed ``ocean`` entry point in a subprocess, into the
test's harbor; never asserts on wall time.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocean_runtime.webhooks import hmac_sha256_hex

OCEAN = str(Path(sys.executable).with_name("ocean"))
FAKE = Path(__file__).resolve().parents[2] / "integrations" / "fake"
SECRET = "e2e-webhook-secret"
WAIT_SECONDS = 120


class Sail:
    """A running ``ocean sail``: its output lines (read in a thread) and its HTTP address."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=lambda: [self.lines.put(line) for line in stream], daemon=True).start()
        self.url = self.wait_for(r"health on (http://127\.0\.0\.1:\d+)/health").group(1)

    def wait_for(self, pattern: str) -> re.Match[str]:
        while True:
            try:
                line = self.lines.get(timeout=WAIT_SECONDS)
            except queue.Empty:
                pytest.fail(f"no line matching {pattern!r}; output so far:\n{''.join(self.seen)}")
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match

    def metric(self, name: str, **labels: str) -> float:
        text = httpx.get(self.url + "/metrics").text
        wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
        for line in text.splitlines():
            if line.startswith(f"{name}{{{wanted}}} ") or (not labels and line.startswith(f"{name} ")):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def processed(self) -> float:
        return self.metric("ocean_webhook_events_total", outcome="processed", path="/webhook")


def signed(payload: dict[str, Any], secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {
        "content-type": "application/json",
        "x-fake-signature": "sha256=" + hmac_sha256_hex(secret, body),
    }


def deploy(service: str, version: int, status: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"action": "deploy", "service": service, "version": version}
    if status:
        payload["status"] = status
    return payload


def services(harbor: Any) -> dict[str, dict[str, Any]]:
    return {entity["identifier"]: entity for entity in harbor.entities("fakeService")}


def eventually(check: Any, what: str) -> None:
    """Poll ``check()`` until true (the test's timeout bounds it; no wall-time assertion)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.02)


@pytest.fixture
def start_sail(tmp_path: Path, harbor: Any) -> Iterator[Any]:
    copy = tmp_path / "fake"
    shutil.copytree(
        FAKE, copy, ignore=shutil.ignore_patterns(".ocean", "__pycache__", ".mypy_cache", "tests")
    )
    processes: list[subprocess.Popen[str]] = []

    def start(**env: str) -> Sail:
        environ = {
            **{key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")},
            "OCEAN__PORT__BASE_URL": harbor.url,
            "OCEAN__PORT__CLIENT_ID": harbor.client_id,
            "OCEAN__PORT__CLIENT_SECRET": harbor.client_secret,
            "OCEAN__EVENT_LISTENER__INTERVAL": "1",
            "OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET": SECRET,
            "PYTHONUNBUFFERED": "1",
            **env,
        }
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
        sail = Sail(process)
        sail.wait_for(r"Reconcile: deleted 0 stale")  # the start-up resync is done
        return sail

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=WAIT_SECONDS)
        if process.stdout is not None:
            process.stdout.close()


def test_a_signed_webhook_reaches_the_catalog_and_a_bad_one_gets_401(start_sail: Any, harbor: Any) -> None:
    sail = start_sail()
    assert services(harbor)["checkout"]["properties"]["deployments"] == []

    body, headers = signed(deploy("checkout", 1, "failing"))
    answer = httpx.post(sail.url + "/integration/webhook", content=body, headers=headers)
    assert answer.status_code == 202, answer.text
    eventually(lambda: services(harbor)["checkout"]["properties"]["deployments"] == [1], "checkout deployed")
    assert services(harbor)["checkout"]["properties"]["status"] == "failing"

    body, headers = signed(deploy("checkout", 2, "healthy"), secret="wrong")
    assert httpx.post(sail.url + "/integration/webhook", content=body, headers=headers).status_code == 401
    assert httpx.post(sail.url + "/integration/webhook", json=deploy("checkout", 3)).status_code == 401
    assert sail.metric("ocean_webhook_events_total", outcome="unauthorized", path="/webhook") == 2
    assert services(harbor)["checkout"]["properties"]["deployments"] == [1]

    # A resync requested in Port runs once — and agrees with the webhooks applied before it.
    with harbor.client() as client:
        client.post("/v1/integration/my-fake-integration/resync-request").raise_for_status()
    sail.wait_for(r"Reconcile: deleted 0 stale of 135 owned")
    time.sleep(3)  # three more polls: the request must not trigger again
    assert sail.metric("ocean_resyncs_total", status="completed") == 2
    assert services(harbor)["checkout"]["properties"]["deployments"] == [1]
    assert services(harbor)["checkout"]["properties"]["status"] == "failing"

    body, headers = signed({"action": "retire", "service": "checkout"})
    assert httpx.post(sail.url + "/integration/webhook", content=body, headers=headers).status_code == 202
    eventually(lambda: "checkout" not in services(harbor), "checkout retired")


def post_in_order(url: str, keys: list[str], versions: range) -> list[int]:
    """Deploy ``versions`` of every key: keys concurrently, each key's events one after the other."""

    async def post_all() -> list[int]:
        async with httpx.AsyncClient(
            base_url=url, limits=httpx.Limits(max_connections=len(keys)), timeout=60
        ) as client:

            async def one_key(key: str) -> list[int]:
                statuses = []
                for version in versions:  # in order per key: each waits for the previous 202
                    body, headers = signed(deploy(key, version))
                    answer = await client.post("/integration/webhook", content=body, headers=headers)
                    statuses.append(answer.status_code)
                return statuses

            return [code for codes in await asyncio.gather(*map(one_key, keys)) for code in codes]

    return asyncio.run(post_all())


def test_a_thousand_concurrent_events_are_all_processed_in_order_per_key(
    start_sail: Any, harbor: Any
) -> None:
    sail = start_sail()
    keys = sorted(services(harbor))[:20]
    versions = range(1, 51)

    statuses = post_in_order(sail.url, keys, versions)

    assert statuses == [202] * 1000
    eventually(lambda: sail.processed() == 1000, "1,000 events processed")
    catalog = services(harbor)
    assert {key: catalog[key]["properties"]["deployments"] for key in keys} == {
        key: list(versions) for key in keys
    }
    assert sail.metric("ocean_webhook_events_total", outcome="failed", path="/webhook") == 0
    assert sail.metric("ocean_live_events_queue_depth") == 0


def test_sigterm_finishes_the_accepted_events_before_exiting(start_sail: Any, harbor: Any) -> None:
    sail = start_sail(
        OCEAN__INTEGRATION__CONFIG__WEBHOOK_LATENCY="0.3", OCEAN__MAX_WAIT_SECONDS_BEFORE_SHUTDOWN="60"
    )
    keys = sorted(services(harbor))[:5]
    assert post_in_order(sail.url, keys, range(1, 11)) == [202] * 50
    queued = httpx.get(sail.url + "/health/live-events").json()["depth"]

    sail.process.send_signal(signal.SIGTERM)

    assert sail.process.wait(timeout=WAIT_SECONDS) == 0, "".join(sail.seen)
    assert queued > 0  # the signal did arrive while events were waiting (each takes 0.3 s)
    catalog = services(harbor)
    assert {key: catalog[key]["properties"]["deployments"] for key in keys} == {
        key: list(range(1, 11)) for key in keys
    }
