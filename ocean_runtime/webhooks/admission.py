"""Deciding the HTTP answer to a webhook request — before anything is acknowledged.

    no processor of the path authenticates it          → 401
    body is not a JSON object                          → 400
    no authenticated processor validates the payload   → 400
    otherwise                                          → an event, to be submitted (202)

Authentication comes first: an unauthenticated sender learns nothing about what the route
accepts (not even that its body is not JSON). A body that is not a JSON object is
authenticated with an empty payload — signatures are over the raw bytes, which it has.

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
    payload, problem = _parse(body)
    event = WebhookEvent.new(path, payload if payload is not None else {}, dict(headers), body=body)
    instances = [processor(event) for processor in processors]
    authentic = [p for p in instances if await _asks(p, "authenticate", event.payload, event.headers)]
    if not authentic:
        return Admission(401, "no webhook processor of this path authenticated the request")
    if payload is None:
        return Admission(400, problem)
    valid = [p for p in authentic if await _asks(p, "validate_payload", payload)]
    if not valid:
        return Admission(400, "the payload is not valid for any webhook processor of this path")
    event.accepted_by = tuple(type(p).name() for p in valid)
    event.group_key = _group_key(valid, payload, path)
    return Admission(202, event=event)


def _parse(body: bytes) -> tuple[dict[str, object] | None, str]:
    """The body as a JSON object, or None and why not."""
    try:
        payload = json.loads(body) if body else None
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"the body is not valid JSON: {exc}"
    except RecursionError:
        return None, "the body is not valid JSON: it is nested too deeply"
    if not isinstance(payload, dict):
        return None, "the body must be a JSON object"
    return payload, ""


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
