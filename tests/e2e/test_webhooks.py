"""``ocean sail integrations/fake`` listening, with signed webhooks posted over HTTP.

The fake's ``/integration/webhook`` takes deploy events for services; each deploy appends its
version to the service's ``deployments`` property, so the catalog shows the order the events
were applied in. Runs through the installed ``ocean`` entry point in a subprocess, into the
test's harbor; never asserts on wall time.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fake_webhooks import SECRET, deploy, processed, services, signed
from tests.support.sail import Sail, copy_fake, eventually, launch_sail, ocean_env

WAIT_SECONDS = 120


@pytest.fixture
def start_sail(tmp_path: Path, harbor: Any) -> Iterator[Any]:
    copy = copy_fake(tmp_path / "fake")
    sails: list[Sail] = []

    def start(**env: str) -> Sail:
        environ = ocean_env(
            harbor,
            OCEAN__EVENT_LISTENER__INTERVAL="1",
            OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET=SECRET,
            **env,
        )
        sail = launch_sail(copy, environ, tmp_path, wait_seconds=WAIT_SECONDS)
        sails.append(sail)
        assert sail.url  # serving: its health line printed
        sail.wait_for(r"Reconcile: deleted 0 stale")  # the start-up resync is done
        return sail

    yield start
    for sail in sails:
        sail.stop(signal.SIGKILL, timeout=WAIT_SECONDS)


def test_a_signed_webhook_reaches_the_catalog_and_a_bad_one_gets_401(start_sail: Any, harbor: Any) -> None:
    sail = start_sail()
    assert services(harbor)["checkout"]["properties"]["deployments"] == []

    body, headers = signed(deploy("checkout", 1, "failing"))
    answer = httpx.post(sail.url + "/integration/webhook", content=body, headers=headers)
    assert answer.status_code == 202, answer.text
    eventually(
        lambda: services(harbor)["checkout"]["properties"]["deployments"] == [1], "checkout deployed", sail
    )
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
    eventually(lambda: "checkout" not in services(harbor), "checkout retired", sail)


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
    eventually(lambda: processed(sail) == 1000, "1,000 events processed", sail)
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

    assert sail.process.wait(timeout=WAIT_SECONDS) == 0, sail.output()
    assert queued > 0  # the signal did arrive while events were waiting (each takes 0.3 s)
    catalog = services(harbor)
    assert {key: catalog[key]["properties"]["deployments"] for key in keys} == {
        key: list(range(1, 11)) for key in keys
    }
