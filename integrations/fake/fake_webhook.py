"""Live events for the fake organisation: signed "deploy" and "retire" webhooks for services.

The fake 3rd-party system keeps one piece of live state, ``DEPLOYMENTS``: for each service the
versions deployed through webhooks (oldest first) and whether it was retired. Resyncs read it
too (``with_live_state``), so a resync after some webhooks agrees with them.

Request (``POST /integration/webhook``), signed with the ``webhookSecret`` configuration::

    X-Fake-Signature: sha256=<hex HMAC-SHA256 of the raw body>

    {"action": "deploy", "service": "checkout", "version": 3, "status": "healthy"}
    {"action": "retire", "service": "checkout"}

A deploy appends ``version`` to the service's ``deployments`` (and sets ``status`` when
given); a retire deletes the service's entity. Events of one service are processed in order
(the group key is the service), so ``deployments`` records the order they were applied in.
"""

from __future__ import annotations

import asyncio
import copy
import functools
from dataclasses import dataclass, field
from typing import Any

from fake_config import org_shape
from fake_org import OrgShape, service, service_id

from ocean_runtime import (
    ResourceConfig,
    WebhookEvent,
    WebhookEventRawResults,
    WebhookProcessor,
    ocean,
    verify_hmac_sha256,
)

SIGNATURE_HEADER = "x-fake-signature"
ACTIONS = ("deploy", "retire")
STATUSES = ("healthy", "failing")
MAX_DEPLOYMENTS_KEPT = 1000


@dataclass
class ServiceLiveState:
    """What webhooks changed about one service."""

    deployments: list[int] = field(default_factory=list)
    status: str | None = None
    retired: bool = False


class Deployments:
    """The fake system's live state, per service id."""

    def __init__(self) -> None:
        self.services: dict[str, ServiceLiveState] = {}

    def deploy(self, service: str, version: int, status: str | None) -> None:
        """Record a deployment; the same version twice in a row is one deployment (redelivery)."""
        state = self.services.setdefault(service, ServiceLiveState())
        state.retired = False
        if not state.deployments or state.deployments[-1] != version:
            state.deployments = [*state.deployments, version][-MAX_DEPLOYMENTS_KEPT:]
        if status is not None:
            state.status = status

    def retire(self, service: str) -> None:
        """Mark a service gone (until it is deployed again)."""
        self.services.setdefault(service, ServiceLiveState()).retired = True

    def apply(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """``record`` with the live state applied; None when the service was retired."""
        state = self.services.get(record["id"], ServiceLiveState())
        if state.retired:
            return None
        updated = {**record, "deployments": list(state.deployments)}
        if state.status is not None:
            updated["status"] = state.status
        return updated


DEPLOYMENTS = Deployments()


def with_live_state(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Service records as the fake system serves them now (live state applied, retired dropped)."""
    return [live for record in records if (live := DEPLOYMENTS.apply(record)) is not None]


def service_record(shape: OrgShape, identifier: str) -> dict[str, Any] | None:
    """The fake system's record of one service (only that one is generated: it is an API call)."""
    record = _generated_record(shape, identifier)
    return copy.deepcopy(record) if record is not None else None


@functools.lru_cache(maxsize=4096)
def _generated_record(shape: OrgShape, identifier: str) -> dict[str, Any] | None:
    # A real API call waits on the network; generating a record costs ~25 seeded RNGs of CPU in
    # this process, which a webhook benchmark would measure instead of Ocean. The record is a
    # pure function of its arguments, so it is generated once.
    index = next((s for s in range(shape.service_count) if service_id(s) == identifier), None)
    return service(shape, index) if index is not None else None


class FakeWebhook(WebhookProcessor):
    """Deploy / retire events of the fake organisation's services (see the module docstring)."""

    # The fake system never fails transiently; keep retries quick anyway.
    initial_retry_delay_seconds = 0.1

    async def authenticate(self, payload: dict[str, Any], headers: dict[str, str]) -> bool:
        secret = ocean.integration_config.get("webhook_secret")
        return verify_hmac_sha256(self.event.body, headers, secret, header=SIGNATURE_HEADER)

    async def validate_payload(self, payload: dict[str, Any]) -> bool:
        if payload.get("action") not in ACTIONS or not isinstance(payload.get("service"), str):
            return False
        if payload["action"] == "retire":
            return True
        version = payload.get("version")
        status = payload.get("status")
        return isinstance(version, int) and not isinstance(version, bool) and status in (None, *STATUSES)

    def group_key(self, payload: dict[str, Any]) -> str | None:
        return str(payload["service"])

    async def should_process_event(self, event: WebhookEvent) -> bool:
        return event.payload.get("action") in ACTIONS

    async def get_matching_kinds(self, event: WebhookEvent) -> list[str]:
        return ["service"]

    async def handle_event(self, payload: dict[str, Any], resource: ResourceConfig) -> WebhookEventRawResults:
        latency = float(ocean.integration_config.get("webhook_latency") or 0)
        if latency > 0:
            await asyncio.sleep(latency)  # the fake system answering slowly
        record = service_record(org_shape(), payload["service"])
        if record is None:  # not a service of this organisation: nothing to write
            return WebhookEventRawResults()
        if payload["action"] == "retire":
            DEPLOYMENTS.retire(record["id"])
            return WebhookEventRawResults(deleted_raw_results=[record])
        DEPLOYMENTS.deploy(record["id"], payload["version"], payload.get("status"))
        live = DEPLOYMENTS.apply(record)
        return WebhookEventRawResults(updated_raw_results=[live] if live else [])
