"""Deciding the HTTP answer to a webhook request — before anything is acknowledged.

    body is not a JSON object                          → 400
    no processor of the path authenticates it          → 401
    no authenticated processor validates the payload   → 400
    otherwise                                          → an event, to be submitted (202)

The reference answers 200 to everything and drops bad events later, in the background, where
the sender never learns about it. Here the sender learns at once, and only events that will be
processed are acknowledged. Exceptions in ``authenticate``/``validate_payload`` count as "no"
(and are logged): a broken check never lets a request through.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .event import WebhookEvent
from .processor import WebhookProcessor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Admission:
    """The decision about one request.

    Attributes:
        status: 202, 400 or 401.
        reason: why it was refused ("" when accepted).
        event: the event to submit, when accepted.
    """

    status: int
    reason: str = ""
    event: WebhookEvent | None = None


async def admit(
    processors: Sequence[type[WebhookProcessor]], path: str, body: bytes, headers: Mapping[str, str]
) -> Admission:
    """Authenticate and validate one request against the processors registered for ``path``."""
    try:
        payload = json.loads(body) if body else None
    except (UnicodeDecodeError, ValueError) as exc:
        return Admission(400, f"the body is not valid JSON: {exc}")
    if not isinstance(payload, dict):
        return Admission(400, "the body must be a JSON object")
    event = WebhookEvent.new(path, payload, dict(headers), body=body)
    instances = [processor(event) for processor in processors]
    authentic = [p for p in instances if await _asks(p, "authenticate", payload, event.headers)]
    if not authentic:
        return Admission(401, "no webhook processor of this path authenticated the request")
    valid = [p for p in authentic if await _asks(p, "validate_payload", payload)]
    if not valid:
        return Admission(400, "the payload is not valid for any webhook processor of this path")
    event.accepted_by = tuple(type(p).name() for p in valid)
    event.group_key = _group_key(valid, payload, path)
    return Admission(202, event=event)


async def _asks(processor: WebhookProcessor, method: str, *args: object) -> bool:
    try:
        answer = await getattr(processor, method)(*args)
    except Exception:
        logger.exception("%s.%s raised; counting it as a no", type(processor).__name__, method)
        return False
    return bool(answer)


def _group_key(processors: list[WebhookProcessor], payload: dict[str, object], path: str) -> str:
    """``path`` + the first key a processor gives (events of another path never share a queue)."""
    for processor in processors:
        try:
            key = processor.group_key(payload)
        except Exception:
            logger.exception("%s.group_key raised; grouping by path", type(processor).__name__)
            continue
        if key is not None:
            return f"{path}#{key}"
    return path
