"""``ocean_live``: an integration's webhooks, fed in-process, land in the harbor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocean_runtime.testing import Catalog

PROCESSOR = """

from ocean_runtime import WebhookEventRawResults, WebhookProcessor


class ItemHook(WebhookProcessor):
    async def authenticate(self, payload, headers):
        return headers.get("x-token") == "hook-token"

    async def validate_payload(self, payload):
        return isinstance(payload.get("item"), dict)

    async def should_process_event(self, event):
        return True

    async def get_matching_kinds(self, event):
        return ["item"]

    async def handle_event(self, payload, resource):
        return WebhookEventRawResults(updated_raw_results=[payload["item"]])


ocean.add_webhook_processor("/items-hook", ItemHook)
"""


async def test_a_webhook_fed_in_process_lands_in_the_catalog(
    probe: Path, ocean_live: Any, catalog: Catalog
) -> None:
    with (probe / "main.py").open("a") as main:
        main.write(PROCESSOR)

    async with ocean_live(probe) as live:
        refused = await live.post("/items-hook", json={"item": {"id": "w"}}, headers={"x-token": "nope"})
        accepted = await live.post(
            "/items-hook",
            json={"item": {"id": "w", "name": "W", "size": 3}},
            headers={"x-token": "hook-token"},
        )
        await live.settle()

    assert refused.status_code == 401
    assert accepted.status_code == 202
    catalog.assert_entity("probeItem", "w", title="W", properties={"size": 3})
