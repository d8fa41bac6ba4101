"""Accepted means durable: a 202 survives ``kill -9`` and SIGTERM of ``ocean sail``.

A small integration (listener ``WEBHOOKS_ONLY``: no resync, so nothing but the webhooks writes)
turns each signed event ``{"key": K, "seq": N}`` into its own entity ``K-N``, slowly enough
that most events are still queued when the process goes. After a restart on the same folder
every accepted event must be in the catalog. ``OCEAN_DURABILITY_EVENTS`` raises the count
(the acceptance run uses 3,000; the suite 400).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocean_runtime.webhooks import hmac_sha256_hex
from tests.support.sail import Sail, launch_sail, ocean_env

SECRET = "ledger-secret"
EVENTS = int(os.environ.get("OCEAN_DURABILITY_EVENTS", "400"))
KEYS = 20
WAIT_SECONDS = 300

MAIN = """
import asyncio

from ocean_runtime import WebhookEventRawResults, WebhookProcessor, ocean, verify_hmac_sha256


class Ledger(WebhookProcessor):
    async def authenticate(self, payload, headers):
        return verify_hmac_sha256(self.event.body, headers, ocean.integration_config["secret"],
                                  header="x-ledger-signature")

    async def validate_payload(self, payload):
        return isinstance(payload.get("key"), str) and isinstance(payload.get("seq"), int)

    def group_key(self, payload):
        return payload["key"]

    async def should_process_event(self, event):
        return True

    async def get_matching_kinds(self, event):
        return ["entry"]

    async def handle_event(self, payload, resource):
        await asyncio.sleep(0.2)  # a 3rd-party API answering: most events are still queued
        return WebhookEventRawResults(updated_raw_results=[payload])


ocean.add_webhook_processor("/ledger", Ledger)
"""
SPEC = "configurations:\n  - {name: secret, type: string, required: true}\n"
BLUEPRINTS = [
    {"identifier": "entry", "title": "Entry", "schema": {"properties": {"seq": {"type": "number"}}}}
]
MAPPING = {
    "resources": [{
        "kind": "entry",
        "selector": {"query": "true"},
        "port": {"entity": {"mappings": {
            "identifier": '.key + "-" + (.seq | tostring)', "title": ".key", "blueprint": '"entry"',
            "properties": {"seq": ".seq"}}}},
    }],
}  # fmt: skip


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    root = tmp_path / "ledger"
    files = {
        "pyproject.toml": '[project]\nname = "ledger"\nversion = "0.1.0"\n',
        "main.py": MAIN,
        ".port/spec.yaml": SPEC,
        ".port/resources/blueprints.json": json.dumps(BLUEPRINTS),
        ".port/resources/port-app-config.yml": json.dumps(MAPPING),
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def start(root: Path, harbor: Any, **env: str) -> Sail:
    environ = ocean_env(
        harbor, OCEAN__EVENT_LISTENER__TYPE="WEBHOOKS_ONLY", OCEAN__INTEGRATION__CONFIG__SECRET=SECRET, **env
    )
    return launch_sail(root, environ, root.parent)


def post_all(url: str) -> list[int]:
    """``EVENTS`` signed events over ``KEYS`` keys: keys concurrently, each key in order."""

    async def run() -> list[int]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:

            async def one_key(key: str) -> list[int]:
                statuses = []
                for seq in range(EVENTS // KEYS):
                    body = json.dumps({"key": key, "seq": seq}).encode()
                    signature = "sha256=" + hmac_sha256_hex(SECRET, body)
                    answer = await client.post(
                        "/integration/ledger", content=body, headers={"x-ledger-signature": signature}
                    )
                    statuses.append(answer.status_code)
                return statuses

            keys = [f"k{i:02d}" for i in range(KEYS)]
            return [code for codes in await asyncio.gather(*map(one_key, keys)) for code in codes]

    return asyncio.run(run())


def entries(harbor: Any) -> set[str]:
    return {entity["identifier"] for entity in harbor.entities("entry")}


def wait_for_all(harbor: Any, sail: Sail) -> set[str]:
    deadline = time.monotonic() + WAIT_SECONDS
    while len(found := entries(harbor)) < EVENTS and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def expected() -> set[str]:
    return {f"k{i:02d}-{seq}" for i in range(KEYS) for seq in range(EVENTS // KEYS)}


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_every_accepted_event_reaches_the_catalog_across_a_restart(
    ledger: Path, harbor: Any, how: signal.Signals
) -> None:
    sail = start(ledger, harbor, OCEAN__MAX_WAIT_SECONDS_BEFORE_SHUTDOWN="0.5")
    statuses = post_all(sail.url)
    code = sail.stop(how, timeout=WAIT_SECONDS)
    before_restart = len(entries(harbor))
    output = sail.output()

    again = start(ledger, harbor)
    try:
        found = wait_for_all(harbor, again)
    finally:
        again.stop(timeout=WAIT_SECONDS)

    print(
        f"{how.name}: {before_restart} of {EVENTS} applied before, {len(found & expected())} after restarting"
    )
    assert statuses == [202] * EVENTS
    assert code == (-signal.SIGKILL if how == signal.SIGKILL else 0), output
    assert before_restart < EVENTS, output  # the signal came while events waited
    assert found == expected(), f"lost {len(expected() - found)} of {EVENTS}"
