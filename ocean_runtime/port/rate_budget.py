"""Port's rate limits as the client sees them: a budget per route family, read from the answers.

Port limits each organization per route family (bulk upserts, searches, single upserts,
blueprints, the rest; API reference, "Rate limits") and says where a client stands on every
answer: ``x-ratelimit-limit`` requests per ``x-ratelimit-period`` seconds, of which
``x-ratelimit-remaining`` may be sent now. ``RateBudget`` mirrors that as one token bucket per
family: it starts from ``remaining``, refills at ``limit / period`` per second, never believes
it holds more than Port said, and makes a request wait — before it takes a connection — until
its family has a token. So the client spends a burst while Port grants one, then settles at the
steady rate instead of collecting 429s; a 429 still empties the family's bucket.

A family whose answers carry no such headers (a harbor without ``--rate-limits``, a Port that
lifted its limit) has no budget: its requests never wait here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

DEFAULT_PERIOD_S = 300.0  # Port's window, when an answer gives a limit without a period
RECHECK_S = 0.25  # a request waiting for a token checks this often that the budget still holds


def route_family(method: str, path: str) -> str:
    """The family of Port's rate limits a request counts against (the client's own reading)."""
    if path.endswith("/auth/access_token"):
        return "unauthenticated"
    if method == "POST":
        if path.endswith("/entities/bulk"):
            return "bulkUpsert"
        if path.endswith("/entities/search"):
            return "search"
        if path.endswith("/entities") and path.startswith("/v1/blueprints/") and path.count("/") == 4:
            return "singleUpsert"
    if "/entities" in path:
        return "entities"
    if path.startswith("/v1/blueprints"):
        return "blueprints"
    return "other"


@dataclass
class _Allowance:
    """One family's bucket: ``tokens`` may go below zero, by the requests waiting for one."""

    rate: float
    capacity: float
    tokens: float
    updated_at: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated_at) * self.rate)
        self.updated_at = now


class RateBudget:
    """Per-family request budgets learned from Port's ``x-ratelimit-*`` headers.

    Args:
        clock: monotonic seconds.
        sleep: awaited with the seconds a request must wait for its family's next token.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._families: dict[str, _Allowance] = {}
        self.waited_s = 0.0  # total seconds requests spent waiting for tokens (for reports)

    def known(self, family: str) -> bool:
        """Whether Port announced a limit for ``family``."""
        return family in self._families

    def tokens(self, family: str) -> float | None:
        """Requests ``family`` may send now (None: no known limit)."""
        allowance = self._families.get(family)
        if allowance is None:
            return None
        allowance.refill(self._clock())
        return allowance.tokens

    async def take(self, family: str) -> bool:
        """Takes one request's token of ``family``, waiting for it when the budget is spent.

        Each request reserves its token at once (the bucket may go into debt), then waits for
        the debt to refill: waiting requests are served in order, at exactly the refill rate.

        Returns:
            False when ``family`` has no known budget (nothing was taken).
        """
        allowance = self._families.get(family)
        if allowance is None:
            return False
        now = self._clock()
        allowance.refill(now)
        allowance.tokens -= 1.0
        if allowance.tokens >= 0:
            return True
        due = now - allowance.tokens / allowance.rate
        # In steps, so a budget Port stops announcing (its limit lifted) frees the waiting at once.
        while now < due and self._families.get(family) is allowance:
            step = min(due - now, RECHECK_S)
            self.waited_s += step
            await self._sleep(step)
            now = self._clock()
        return True

    def observe(self, family: str, headers: Mapping[str, str]) -> None:
        """Learns from an answer's headers where ``family`` stands."""
        limit = _number(headers.get("x-ratelimit-limit"))
        if limit is None or limit <= 0:
            self._families.pop(family, None)  # no limit announced (any more): no budget
            return
        period = _number(headers.get("x-ratelimit-period")) or DEFAULT_PERIOD_S
        remaining = _number(headers.get("x-ratelimit-remaining"))
        now = self._clock()
        allowance = self._families.get(family)
        if allowance is None:
            start = remaining if remaining is not None else 1.0
            allowance = self._families[family] = _Allowance(limit / period, max(start, 1.0), start, now)
            return
        allowance.rate = limit / period
        allowance.refill(now)
        if remaining is not None:
            allowance.capacity = max(allowance.capacity, remaining)
            # Port counts every client of the organization: never believe in more than it grants.
            allowance.tokens = min(allowance.tokens, remaining)

    def exhausted(self, family: str) -> None:
        """Port refused a request of ``family`` for its rate limit: its bucket is empty."""
        allowance = self._families.get(family)
        if allowance is not None:
            allowance.refill(self._clock())
            allowance.tokens = min(allowance.tokens, 0.0)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None
