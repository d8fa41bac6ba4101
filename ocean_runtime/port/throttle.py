"""Flow control of the Port client: rate budgets, adaptive concurrency, and pauses on 429.

``ThrottleTransport`` sits between the retry transport and the network, so it sees every
attempt of every request the client sends — every kind of a resync and every live event share
it. Each attempt, in order:

1. waits out a pause of its route family (a 429 pauses the family for ``Retry-After`` /
   ``X-RateLimit-Reset``, or ``DEFAULT_PAUSE``: its siblings would otherwise keep knocking, each
   collecting its own 429 and retry budget);
2. takes a token of the family's rate budget (``rate_budget.py``: Port's ``x-ratelimit-*``
   headers), waiting for one when Port's budget is spent;
3. takes a slot of the adaptive concurrency limit (``concurrency.py``) for the time it is on
   the wire, and reports how the answer came back: its round trip, or overload (429,
   502/503/504, a timeout, a dropped connection).

The request that got the 429 is retried by the retry transport after the same wait, and is not
held a second time.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from ocean_runtime.http.transports.retry import Clock, Sleep, server_requested_wait

from .concurrency import AdaptiveConcurrency
from .rate_budget import RateBudget, route_family

logger = logging.getLogger(__name__)

DEFAULT_PAUSE = 1.0
MAX_PAUSE = 30.0  # the Port retry policy's cap on any single wait
OVERLOAD_STATUSES = frozenset({429, 502, 503, 504})
_SERVED = "ocean_throttle_served"  # request extension: the pause this request already waited out


class ThrottleTransport(httpx.AsyncBaseTransport):
    """Wraps the network transport with the client's flow control (see the module docstring).

    Args:
        inner: the transport that really sends.
        concurrency: the adaptive limit of requests in flight (one per client).
        budget: the per-family rate budgets (one per client).
        sleep: awaited with the seconds to wait (tests pass a recorder).
        clock: current Unix time (``Retry-After`` may be a date or an epoch).
        monotonic: monotonic seconds, for round trips.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        concurrency: AdaptiveConcurrency | None = None,
        budget: RateBudget | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.time,
        monotonic: Clock = time.monotonic,
    ) -> None:
        self._inner = inner
        self.concurrency = concurrency or AdaptiveConcurrency()
        self.budget = budget or RateBudget(sleep=sleep)
        self._sleep = sleep
        self._clock = clock
        self._monotonic = monotonic
        self._paused_until: dict[str, float] = {}  # family -> Unix time the pause ends
        self.pauses = 0  # how many 429s started or extended a pause (for reports and tests)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        family = route_family(request.method, request.url.path)
        await self._wait_out_pause(request, family)
        counted = await self.budget.take(family)
        in_flight = await self.concurrency.acquire()
        if not counted and self.budget.known(family):
            # It passed before Port's first answer set the budget (the first round of a sync,
            # all queued at once): it counts now, or that whole round would overshoot Port's.
            await self.budget.take(family)
        sent = self._monotonic()
        try:
            response = await self._inner.handle_async_request(request)
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError):
            self.concurrency.on_overload()
            raise
        finally:
            self.concurrency.release()
        self.budget.observe(family, response.headers)
        if response.status_code in OVERLOAD_STATUSES:
            self.concurrency.on_overload()
            if response.status_code == 429:
                self._pause(request, response, family)
        else:
            self.concurrency.on_answer((request.method, family), self._monotonic() - sent, in_flight)
        return response

    def _pause(self, request: httpx.Request, response: httpx.Response, family: str) -> None:
        self.budget.exhausted(family)
        now = self._clock()
        wait = server_requested_wait(response, now)
        pause = min(DEFAULT_PAUSE if wait is None else wait, MAX_PAUSE)
        until = max(self._paused_until.get(family, 0.0), now + pause)
        self._paused_until[family] = until
        self.pauses += 1
        # The retry transport waits for this request itself: it must not wait twice.
        request.extensions[_SERVED] = until
        logger.warning(
            "Port is rate limiting this client's %s requests: they wait %.1f s (limit now %d in flight)",
            family,
            pause,
            int(self.concurrency.limit),
        )

    async def _wait_out_pause(self, request: httpx.Request, family: str) -> None:
        until = self._paused_until.get(family, 0.0)
        if until <= request.extensions.get(_SERVED, 0.0):
            return
        remaining = min(until - self._clock(), MAX_PAUSE)
        if remaining > 0:
            path = request.url.path
            logger.info("%s %s holds %.1f s for Port's rate limit", request.method, path, remaining)
            await self._sleep(remaining)
        request.extensions[_SERVED] = until

    async def aclose(self) -> None:
        await self._inner.aclose()
