"""Which messages on Port's Kafka topics ask this integration to resync.

The same rules as the reference listener (``_should_be_processed``), on two topics:

- ``{orgId}.integration.resync.requests``: any message whose ``context.integrationId`` is this
  integration;
- ``{orgId}.change.log`` (the legacy topic, every change in the organization):
  - a resync action: ``context.integrationId`` is this integration and ``action == "RESYNC"``;
  - a change of this integration's record (its config was edited): ``diff.after.identifier``
    is this integration, ``diff.after.updatedAt`` differs from
    ``diff.after.resyncState.updatedAt`` (a change that only reports resync progress is not a
    config change) and ``changelogDestination.type == "KAFKA"``. Deletions (``after: null``)
    are ignored.

Anything else is ignored — including shapes the reference would crash on (``diff: null``, a
JSON list, a body that is not JSON).
"""

from __future__ import annotations

import json
from typing import Any

RESYNC_REQUESTS_TOPIC_MARK = "integration.resync.requests"
CHANGE_LOG_TOPIC_MARK = "change.log"


def decode(value: bytes | None) -> dict[str, Any] | None:
    """A message body as a JSON object, or None when it is empty or not an object."""
    if not value:
        return None
    try:
        decoded = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return decoded if isinstance(decoded, dict) else None


def resync_reason(message: dict[str, Any], topic: str, integration_identifier: str) -> str | None:
    """Why ``message`` on ``topic`` asks ``integration_identifier`` to resync, or None when it does not."""
    if RESYNC_REQUESTS_TOPIC_MARK in topic:
        if _get(message, "context", "integrationId") == integration_identifier:
            return "a resync request from Port (Kafka)"
        return None
    if (
        CHANGE_LOG_TOPIC_MARK in topic
        and _get(message, "context", "integrationId") == integration_identifier
        and message.get("action") == "RESYNC"
    ):
        return "a resync request from Port (Kafka change log)"
    after = _get(message, "diff", "after")
    if not isinstance(after, dict) or after.get("identifier") != integration_identifier:
        return None
    if after.get("updatedAt") == _get(after, "resyncState", "updatedAt"):
        return None  # only the resync state moved: not a configuration change
    if CHANGE_LOG_TOPIC_MARK in topic and _get(message, "changelogDestination", "type") == "KAFKA":
        return "a configuration change in Port (Kafka change log)"
    return None


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
