"""Live events: webhook processors, their admission, queues and processing.

POST /integration/<path> ──admission (401/400/202)──► LiveEventsBackend (durable, per-key order)
    ──runs of a key──► WebhookDispatcher.process ──► processors ──► raw results ──► mapping
    ──► phases (a key's writes composed) ──► SharedWriter (keys share bulk requests)
    ──► EntityWriter (the resync's writer) ──► Port
"""

from .backend import BackendUnavailableError, LiveEventsBackend
from .backends import create_backend
from .event import EventHeaders, EventPayload, WebhookEvent, WebhookEventRawResults
from .local import LocalLiveEventsBackend
from .processor import WebhookProcessor
from .signatures import (
    constant_time_equals,
    hmac_sha256_hex,
    verify_github_signature,
    verify_gitlab_token,
    verify_hmac_sha256,
    verify_shared_token,
)

__all__ = [
    "BackendUnavailableError",
    "EventHeaders",
    "EventPayload",
    "LiveEventsBackend",
    "LocalLiveEventsBackend",
    "WebhookEvent",
    "WebhookEventRawResults",
    "WebhookProcessor",
    "constant_time_equals",
    "create_backend",
    "hmac_sha256_hex",
    "verify_github_signature",
    "verify_gitlab_token",
    "verify_hmac_sha256",
    "verify_shared_token",
]
