"""Retry transport: resend safe requests on throttling, gateway errors and network faults.

A request is retried only when resending it cannot do harm: idempotent methods (GET, PUT,
DELETE, …) and requests that explicitly say so with ``extensions={"retryable": True}`` (Port's
bulk upsert, single upsert, bulk delete, search and datasource-entities are all safe to repeat).
PATCH and the other POSTs are never retried: a create sent twice is not the same as once.

The wait before each retry honours the server (``Retry-After``, then ``x-ratelimit-reset``) and
otherwise backs off exponentially with jitter. Time and sleep are injected so tests can record
the waits instead of living through them.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
RETRY_STATUSES = frozenset({408, 429, 502, 503, 504})
RETRY_AFTER_HEADERS = ("Retry-After", "x-ratelimit-reset")

# A bare number above this is a Unix timestamp, not a number of seconds (same rule as the
# reference client: no sane server asks for a wait of almost three hours).
EPOCH_THRESHOLD = 10_000

# Network faults worth another try. Not ``UnsupportedProtocol``/``InvalidURL``: a malformed base
# URL stays malformed however often we knock.
RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try.

    Args:
        max_attempts: total sends per request, the first one included.
        base_delay: the first backoff wait in seconds; doubled on every retry.
        max_delay: cap for any single wait, server-requested ones included. The reference waits
            up to 300 s per retry, so an unreachable Port makes a run hang for ~10 minutes
            before anyone hears about it. 30 s still rides out Port's rate-limit windows (they
            are announced in seconds via ``Retry-After``) and short gateway hiccups, while a
            real outage is reported within a couple of minutes.
        jitter_ratio: each backoff wait is varied by ± this fraction so that concurrent
            requests that failed together do not retry together.
        retry_statuses: answers that mean "try again later".
    """

    max_attempts: int = 8
    base_delay: float = 0.3
    max_delay: float = 30.0
    jitter_ratio: float = 0.1
    retry_statuses: frozenset[int] = field(default=RETRY_STATUSES)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if not 0 <= self.jitter_ratio <= 0.5:
            raise ValueError(f"jitter_ratio must be between 0 and 0.5, got {self.jitter_ratio}")

    def backoff(self, retry_number: int, rand: Callable[[], float]) -> float:
        """The exponential wait before retry ``retry_number`` (1 for the first retry)."""
        delay = self.base_delay * 2.0 ** (retry_number - 1)
        jitter = delay * self.jitter_ratio * (2 * rand() - 1)
        return min(max(delay + jitter, 0.0), self.max_delay)


def is_retryable_request(request: httpx.Request) -> bool:
    """Whether resending ``request`` is safe (idempotent method or marked ``retryable``)."""
    return request.method in IDEMPOTENT_METHODS or bool(request.extensions.get("retryable"))


def parse_retry_after(value: str, now: float) -> float | None:
    """Seconds to wait according to one ``Retry-After``-style header value.

    Accepts a number of seconds, a Unix timestamp (a number above 10 000), an HTTP date
    (``Wed, 21 Oct 2015 07:28:00 GMT``) or an ISO-8601 date. Returns None when the value is
    none of those; never returns a negative wait.

    Args:
        value: the header value.
        now: the current Unix time.
    """
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        moment = _parse_date(text)
        return None if moment is None else max(moment.timestamp() - now, 0.0)
    if number > EPOCH_THRESHOLD:
        number -= now
    return max(number, 0.0)


def _parse_date(text: str) -> datetime | None:
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class RetryTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and resends safe requests that failed for a passing reason.

    After the last attempt a retryable *answer* is returned as is (the caller turns it into an
    error) and a network error is re-raised.

    Args:
        inner: the transport that really sends.
        policy: attempts, delays and statuses.
        sleep: awaited with the number of seconds to wait (tests pass a recorder).
        clock: current Unix time, used to read ``Retry-After`` dates and epochs.
        rand: uniform random number in [0, 1) for the jitter.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: RetryPolicy | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.time,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._inner = inner
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rand = rand

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not is_retryable_request(request):
            return await self._inner.handle_async_request(request)
        # Buffer the body once so every attempt sends the same bytes.
        await request.aread()
        attempts = self.policy.max_attempts
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = await self._inner.handle_async_request(request)
            except RETRYABLE_ERRORS as exc:
                if last:
                    raise
                delay = self.policy.backoff(attempt, self._rand)
                self._log_retry(request, f"{type(exc).__name__}: {exc}", delay, attempt)
            else:
                if last or response.status_code not in self.policy.retry_statuses:
                    return response
                delay = self._delay_for(response, attempt)
                await response.aclose()
                self._log_retry(request, f"status {response.status_code}", delay, attempt)
            await self._sleep(delay)
        raise AssertionError("unreachable: the last attempt always returns or raises")

    def _delay_for(self, response: httpx.Response, attempt: int) -> float:
        now = self._clock()
        for header in RETRY_AFTER_HEADERS:
            value = response.headers.get(header)
            if value is None:
                continue
            seconds = parse_retry_after(value, now)
            if seconds is not None:
                return min(seconds, self.policy.max_delay)
        return self.policy.backoff(attempt, self._rand)

    def _log_retry(self, request: httpx.Request, reason: str, delay: float, attempt: int) -> None:
        logger.warning(
            "%s %s failed (%s); retry %d/%d in %.1f s",
            request.method,
            request.url.path,
            reason,
            attempt,
            self.policy.max_attempts - 1,
            delay,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()
