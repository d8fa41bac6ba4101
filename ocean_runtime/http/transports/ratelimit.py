"""Proactive rate limiting: stay under an API's limits instead of bouncing off them.

Three independent brakes, any combination, all in one transport per client:

- a **token bucket**: at most ``requests`` per ``per`` seconds, with bursts up to ``requests``;
- a **concurrency** bound: at most ``concurrency`` requests in flight;
- a **header-driven budget**: when an answer says ``X-RateLimit-Remaining: 0`` (GitHub, GitLab,
  Jira, …), every request waits until ``X-RateLimit-Reset`` (an epoch or seconds) instead of
  spending the next hour collecting 403s.

All waiting goes through the injected clock, so tests record the waits instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from .retry import parse_retry_after

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RateLimit:
    """Limits of one API, as its documentation states them.

    Args:
        requests: requests allowed per ``per`` seconds (None: no bucket).
        per: the interval of ``requests``, in seconds.
        concurrency: requests in flight at once (None: unbounded).
        remaining_header: the header carrying the remaining budget (None: ignore budgets).
        reset_header: the header saying when the budget resets (epoch or seconds).
        max_wait: the longest a budget pause may last; a reset further away is capped here so a
            wrong header cannot park a run for a day.
    """

    requests: int | None = None
    per: float = 1.0
    concurrency: int | None = None
    remaining_header: str | None = "X-RateLimit-Remaining"
    reset_header: str = "X-RateLimit-Reset"
    max_wait: float = 3600.0

    def __post_init__(self) -> None:
        if self.requests is not None and self.requests < 1:
            raise ValueError(f"requests must be at least 1, got {self.requests}")
        if self.per <= 0:
            raise ValueError(f"per must be a positive number of seconds, got {self.per}")
        if self.concurrency is not None and self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")


class TokenBucket:
    """``capacity`` tokens, refilled continuously at ``capacity / per`` tokens a second.

    Args:
        capacity: the burst size (and the number of requests per interval).
        per: seconds to refill a full bucket.
        clock: current time in seconds.
        sleep: how to wait.
    """

    def __init__(self, capacity: int, per: float, *, clock: Clock, sleep: Sleep) -> None:
        self._capacity = float(capacity)
        self._rate = capacity / per
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(capacity)
        self._updated: float | None = None
        # Waiters queue in order, so one starving request cannot be overtaken forever.
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        """Take one token, waiting for it if the bucket is empty."""
        async with self._lock:
            self._refill()
            if self._tokens < 1:
                await self._sleep((1 - self._tokens) / self._rate)
                self._refill()
                # A clock that did not advance as far as asked (a test's) must not make us
                # spend a token we do not have: the bucket never goes below zero.
                self._tokens = max(self._tokens, 1.0)
            self._tokens -= 1

    def _refill(self) -> None:
        now = self._clock()
        if self._updated is not None:
            elapsed = max(now - self._updated, 0.0)
            self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
        self._updated = now


class RateLimitTransport(httpx.AsyncBaseTransport):
    """Waits as ``limit`` says before letting a request through to ``inner``.

    Args:
        inner: the transport that sends.
        limit: the API's limits.
        clock: current Unix time (budget resets are epochs).
        sleep: how to wait.
    """

    def __init__(
        self, inner: httpx.AsyncBaseTransport, limit: RateLimit, *, clock: Clock, sleep: Sleep
    ) -> None:
        self._inner = inner
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._bucket = (
            TokenBucket(limit.requests, limit.per, clock=clock, sleep=sleep) if limit.requests else None
        )
        self._slots = asyncio.Semaphore(limit.concurrency) if limit.concurrency else None
        self._paused_until = 0.0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        slot = self._slots if self._slots is not None else contextlib.nullcontext()
        async with slot:
            await self._wait_for_budget(request)
            if self._bucket is not None:
                await self._bucket.take()
            response = await self._inner.handle_async_request(request)
        self._read_budget(response)
        return response

    async def _wait_for_budget(self, request: httpx.Request) -> None:
        # One wait, not a loop: should the budget be spent again meanwhile, the answer says so
        # and the retry transport waits for it; a clock that does not advance cannot hang us.
        wait = self._paused_until - self._clock()
        if wait > 0:
            logger.info(
                "Rate-limit budget of %s is spent; waiting %.0f s for it to reset", request.url.host, wait
            )
            await self._sleep(wait)

    def _read_budget(self, response: httpx.Response) -> None:
        header = self.limit.remaining_header
        if header is None:
            return
        remaining = response.headers.get(header)
        if remaining is None or remaining.strip() not in ("0", "0.0"):
            return
        now = self._clock()
        reset = response.headers.get(self.limit.reset_header)
        wait = parse_retry_after(reset, now) if reset is not None else None
        if wait is None:
            logger.warning(
                "%s says the rate-limit budget is spent but gives no usable %s (%r); not pausing",
                response.request.url.host,
                self.limit.reset_header,
                reset,
            )
            return
        self._paused_until = max(self._paused_until, now + min(wait, self.limit.max_wait))

    async def aclose(self) -> None:
        await self._inner.aclose()
