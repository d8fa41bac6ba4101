"""What travels from the HTTP route to the processors: ``WebhookEvent`` and its results.

A ``WebhookEvent`` is created once, when the route accepts a request, and may cross a process
boundary (the Kafka backend puts it on a topic), so it serialises to JSON and back without
loss. ``WebhookEventRawResults`` is what a processor's ``handle_event`` returns: raw items, not
entities — the live port-app-config turns them into entities, exactly as in a resync.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

from ocean_runtime import compact_json

EventPayload = dict[str, Any]
EventHeaders = dict[str, str]


class _EventIds:
    """32 hex digits unique to this process (a random prefix, then a counter): what
    ``uuid4().hex`` gave, at a fifteenth of the cost on the route's hot path."""

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)  # a forked child must not repeat ids

    def reset(self) -> None:
        self._prefix = os.urandom(10).hex()
        self._counter = itertools.count()

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter):012x}"


_ids = _EventIds()


def new_event_id() -> str:
    """A new event id: 32 hex digits, never repeated (random per process, counted within it)."""
    return _ids.next()


@dataclass
class WebhookEvent:
    """One accepted webhook request.

    Attributes:
        id: unique id (the ``id`` of the 202 answer; logs and failure records carry it).
        path: the registered path it was posted to (``/webhook``, without ``/integration``).
        payload: the JSON body.
        headers: request headers, lower-case names.
        group_key: events with the same key are processed one at a time, in arrival order.
        received_at: Unix time the route accepted it.
        accepted_by: qualified names of the processor classes that authenticated and validated
            it; only those process it (empty: every processor of the path).
        body: the raw request body, for signature checks while the request is admitted. It is
            not serialised: a re-delivered event was authenticated when it was first accepted.
    """

    id: str
    path: str
    payload: EventPayload
    headers: EventHeaders
    group_key: str
    received_at: float
    accepted_by: tuple[str, ...] = ()
    body: bytes = field(default=b"", repr=False, compare=False)

    @classmethod
    def new(
        cls, path: str, payload: EventPayload, headers: EventHeaders, *, body: bytes = b""
    ) -> WebhookEvent:
        """A freshly received event (new id, now, grouped by path until a processor says otherwise)."""
        return cls(
            id=new_event_id(),
            path=path,
            payload=payload,
            headers={key.lower(): value for key, value in headers.items()},
            group_key=path,
            received_at=time.time(),
            body=body,
        )

    def to_json(self) -> bytes:
        """UTF-8 JSON of every field but ``body`` (``from_json`` reads it back unchanged)."""
        return _dumps(
            {
                "id": self.id,
                "path": self.path,
                "payload": self.payload,
                "headers": self.headers,
                "group_key": self.group_key,
                "received_at": self.received_at,
                "accepted_by": list(self.accepted_by),
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> WebhookEvent:
        """The event ``to_json`` wrote.

        Raises:
            ValueError: ``data`` is not such an event.
        """
        try:
            raw = json.loads(data)
            event = cls(
                id=str(raw["id"]),
                path=str(raw["path"]),
                payload=dict(raw["payload"]),
                headers={str(k): str(v) for k, v in dict(raw.get("headers") or {}).items()},
                group_key=str(raw["group_key"]),
                received_at=float(raw["received_at"]),
                accepted_by=tuple(str(name) for name in raw.get("accepted_by") or ()),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a serialised webhook event: {exc}") from exc
        return event


@dataclass
class WebhookEventRawResults:
    """What one processor found for one resource: raw items to write and to delete.

    Attributes:
        updated_raw_results: raw items as the 3rd-party API returns them (the same shape a
            resync handler yields); mapped with the resource, upserted when the selector passes,
            deleted (if this integration owns them) when it no longer does.
        deleted_raw_results: raw items that no longer exist; their entities are deleted if this
            integration owns them.
    """

    updated_raw_results: list[dict[str, Any]] = field(default_factory=list)
    deleted_raw_results: list[dict[str, Any]] = field(default_factory=list)


def _dumps(value: dict[str, Any]) -> bytes:
    """Compact JSON that reads back unchanged: NaN/Infinity (which ``json`` reads from a body)
    and lone surrogates are kept as ``json`` writes them."""
    return compact_json.dumps(value, allow_nan=True, ensure_ascii=True)
