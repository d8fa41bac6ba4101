"""Retry transport: resend safe requests on throttling, server errors and network faults.

One implementation for every API Ocean talks to; the policy is what differs. The defaults here
suit 3rd-party APIs (429 and every usual 5xx are retried); the Port client uses its own
``ocean_runtime.port.RetryPolicy`` (500 is not retried: Port's 500s are not transient).

A request is retried only when resending it cannot do harm: a method listed in the policy
(idempotent ones by default) or a request that says so with ``extensions={"retryable": True}``.
A create sent twice is not the same as once, so POST is opt-in.

The wait before each retry honours the server (``Retry-After``, then ``X-RateLimit-Reset``) and
otherwise backs off exponentially with jitter. Time and sleep are injected so tests record the
waits instead of living through them.
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
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
RETRY_AFTER_HEADERS = ("Retry-After", "X-RateLimit-Reset")

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
        max_delay: cap for any single wait, server-requested ones included.
        jitter_ratio: each backoff wait is varied by ± this fraction so that concurrent
            requests that failed together do not retry together.
        retry_statuses: answers that mean "try again later".
        methods: methods that are safe to resend (add ``"POST"`` to opt every POST in; one
            request opts in with ``extensions={"retryable": True}``).
        retry_exhausted_budget: also retry a 403 carrying ``X-RateLimit-Remaining: 0`` — how
            GitHub (and others) announce an exhausted rate-limit budget.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 60.0
    jitter_ratio: float = 0.1
    retry_statuses: frozenset[int] = field(default=RETRY_STATUSES)
    methods: frozenset[str] = field(default=IDEMPOTENT_METHODS)
    retry_exhausted_budget: bool = True

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

    def allows(self, request: httpx.Request) -> bool:
        """Whether resending ``request`` is safe (listed method or marked ``retryable``)."""
        return request.method in self.methods or bool(request.extensions.get("retryable"))

    def wants_retry(self, response: httpx.Response) -> bool:
        """Whether ``response`` means "try again later"."""
        if response.status_code in self.retry_statuses:
            return True
        return (
            self.retry_exhausted_budget
            and response.status_code == 403
            and response.headers.get("X-RateLimit-Remaining", "").strip() == "0"
        )


def is_retryable_request(request: httpx.Request) -> bool:
    """Whether resending ``request`` is safe under the default methods (idempotent or marked)."""
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


def server_requested_wait(response: httpx.Response, now: float) -> float | None:
    """The wait ``response`` asks for (``Retry-After``, then ``X-RateLimit-Reset``), if any.

    ``X-RateLimit-Reset`` is ignored when ``X-RateLimit-Remaining`` says budget is left: APIs
    such as GitHub send both on every answer, and a 502 must not wait for the budget to reset.
    """
    for header in RETRY_AFTER_HEADERS:
        if header == "X-RateLimit-Reset" and not _about_rate_limit(response):
            continue
        value = response.headers.get(header)
        if value is None:
            continue
        seconds = parse_retry_after(value, now)
        if seconds is not None:
            return seconds
    return None


def _about_rate_limit(response: httpx.Response) -> bool:
    remaining = response.headers.get("X-RateLimit-Remaining")
    return response.status_code == 429 or remaining is None or remaining.strip() in ("0", "")


class RetryTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and resends safe requests that failed for a passing reason.

    After the last attempt a retryable *answer* is returned as is (the caller turns it into an
    error) and a network error is re-raised.

    Args:
        inner: the transport that really sends.
        policy: attempts, delays, statuses and methods.
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
        if not self.policy.allows(request):
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
                if last or not self.policy.wants_retry(response):
                    return response
                delay = self._delay_for(response, attempt)
                await response.aclose()
                self._log_retry(request, f"status {response.status_code}", delay, attempt)
            await self._sleep(delay)
        raise AssertionError("unreachable: the last attempt always returns or raises")

    def _delay_for(self, response: httpx.Response, attempt: int) -> float:
        requested = server_requested_wait(response, self._clock())
        if requested is not None:
            return min(requested, self.policy.max_delay)
        return self.policy.backoff(attempt, self._rand)

    def _log_retry(self, request: httpx.Request, reason: str, delay: float, attempt: int) -> None:
        logger.warning(
            "%s %s://%s%s failed (%s); retry %d/%d in %.1f s",
            request.method,
            request.url.scheme,
            f"{request.url.host}:{request.url.port}" if request.url.port else request.url.host,
            request.url.path,
            reason,
            attempt,
            self.policy.max_attempts - 1,
            delay,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()
