"""``ServerState``: what the HTTP endpoints need to know about the service's lifecycle."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ServerState:
    """Set by the service, read by the routes.

    Attributes:
        ready: the listener and the live-events queues run (``/health/ready`` answers 200).
        stopping: shutdown began: webhooks get 503 + ``Retry-After``, readiness turns 503.
    """

    ready: bool = False
    stopping: bool = False
