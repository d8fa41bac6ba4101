"""Port's retry policy on top of the toolkit's retry transport (``ocean_runtime.http``).

The mechanics — which requests are safe to resend, ``Retry-After``/``x-ratelimit-reset``
parsing, exponential backoff with jitter — are shared with 3rd-party clients; only the policy
is Port's own:

- Port's 500s are not transient, so only 408, 429, 502, 503 and 504 are retried;
- PATCH and the other POSTs are never retried; Port's bulk upsert, single upsert, bulk delete,
  search and datasource-entities mark themselves ``retryable``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from ocean_runtime.http.transports.retry import (
    Clock,
    Sleep,
    parse_retry_after,
)
from ocean_runtime.http.transports.retry import RetryPolicy as _BasePolicy
from ocean_runtime.http.transports.retry import (
    RetryTransport as _RetryTransport,
)

PORT_RETRY_STATUSES = frozenset({408, 429, 502, 503, 504})

__all__ = ["Clock", "PORT_RETRY_STATUSES", "RetryPolicy", "RetryTransport", "Sleep", "parse_retry_after"]


@dataclass(frozen=True)
class RetryPolicy(_BasePolicy):
    """How hard the Port client tries (see ``ocean_runtime.http.RetryPolicy`` for the fields).

    ``max_delay`` is 30 s: the reference waits up to 300 s per retry, so an unreachable Port
    makes a run hang for ~10 minutes before anyone hears about it. 30 s still rides out Port's
    rate-limit windows (announced in seconds via ``Retry-After``) and short gateway hiccups,
    while a real outage is reported within a couple of minutes.
    """

    max_attempts: int = 8
    base_delay: float = 0.3
    max_delay: float = 30.0
    retry_statuses: frozenset[int] = field(default=PORT_RETRY_STATUSES)
    retry_exhausted_budget: bool = False


class RetryTransport(_RetryTransport):
    """The toolkit's ``RetryTransport`` with Port's policy unless another one is given."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: _BasePolicy | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.time,
        rand: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(inner, policy or RetryPolicy(), sleep=sleep, clock=clock, rand=rand)
