"""Signed deploy webhooks for ``integrations/fake``, and the catalog they leave behind.

The fake's ``/integration/webhook`` takes ``{"action": "deploy", "service", "version"}`` (and an
optional ``status``), signed with the HMAC-SHA256 of the body in ``x-fake-signature``. Each deploy
appends its version to the service's ``deployments`` property, so the catalog shows the order
the events were applied in.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ocean_runtime.webhooks import hmac_sha256_hex
from tests.support.sail import Sail

SECRET = "fake-webhook-secret"  # OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET of the sails tests start


def signed(payload: dict[str, Any], secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    """The body of ``payload`` and the headers that sign it with ``secret``."""
    body = json.dumps(payload).encode()
    return body, {
        "content-type": "application/json",
        "x-fake-signature": "sha256=" + hmac_sha256_hex(secret, body),
    }


def deploy(service: str, version: int, status: str | None = None) -> dict[str, Any]:
    """A deploy event of ``service`` at ``version`` (and, if given, the ``status`` it reports)."""
    payload: dict[str, Any] = {"action": "deploy", "service": service, "version": version}
    if status:
        payload["status"] = status
    return payload


def post_signed(url: str, payload: dict[str, Any], secret: str = SECRET) -> httpx.Response:
    """``payload``, signed, posted to the fake's webhook route of the sail serving at ``url``."""
    body, headers = signed(payload, secret)
    return httpx.post(url + "/integration/webhook", content=body, headers=headers, timeout=30)


def services(harbor: Any) -> dict[str, dict[str, Any]]:
    """The ``fakeService`` entities in ``harbor``, by identifier."""
    return {entity["identifier"]: entity for entity in harbor.entities("fakeService")}


def deployments(harbor: Any, keys: list[str]) -> dict[str, list[int]]:
    """The versions deployed, in the order applied, of each service of ``keys``."""
    catalog = services(harbor)
    return {key: catalog[key]["properties"]["deployments"] for key in keys}


def processed(sail: Sail) -> float:
    """How many events the fake's webhook route of ``sail`` has processed (its metric)."""
    return sail.metric("ocean_webhook_events_total", outcome="processed", path="/webhook")
