"""Port's rate limits, enforced as Port's gateway does: per route family, with bursts.

``ocean harbor --rate-limits port`` applies the limits Port publishes (API reference, "Rate
limits"; per organization, and a harbor is one organization):

==================  =====================  ======  ===============================================
family              requests per 5 minutes  burst   requests
==================  =====================  ======  ===============================================
``unauthenticated``  100                    10      without an ``Authorization`` header
``bulkUpsert``       35,000                 3,500   ``POST /v1/blueprints/{bp}/entities/bulk``
``search``           35,000                 3,500   ``POST /v1/entities/search``, ``…/entities/search``
``singleUpsert``     10,000                 200     ``POST /v1/blueprints/{bp}/entities``
``entities``         35,000                 3,500   any other request under ``…/entities``
``blueprints``       15,000                 1,500   any other request under ``/v1/blueprints``
``other``            15,000                 1,500   everything else under ``/v1`` and ``/ingest``
==================  =====================  ======  ===============================================

Each family is a token bucket holding ``burst`` requests, refilled at ``limit / period`` per
second, inside a window of ``period`` seconds that admits at most ``limit`` requests. A request
over either gets **429** with ``Retry-After`` (whole seconds, at least 1). Every answer of a
limited family carries Port's headers:

- ``x-ratelimit-limit``: requests per period; ``x-ratelimit-period``: the period in seconds;
- ``x-ratelimit-remaining``: requests that may be sent now (the bucket and the window agree);
- ``x-ratelimit-reset``: seconds until the current window ends and its count starts again.

Instead of ``port``, a JSON object (inline, or a file) overrides families of Port's table, e.g.
``{"bulkUpsert": {"limit": 60, "burst": 5, "period": 2}}`` (tests use small, quick limits).
``RateLimits.enabled`` can be switched off at run time: the limits lift, the headers stop.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocean_harbor.errors import error_response

ENV_VAR = "OCEAN_HARBOR_RATE_LIMITS"
PORT_PERIOD = 300.0
LIMITED_PREFIXES = ("/v1/", "/ingest/")


class RateLimitConfigError(ValueError):
    """A rate-limit setting that cannot be used; the message names the family and key."""


@dataclass(frozen=True)
class Family:
    """One route family's limit: ``limit`` requests per ``period`` seconds, ``burst`` at once."""

    limit: int
    burst: int
    period: float = PORT_PERIOD

    @property
    def rate(self) -> float:
        """Requests per second the bucket refills with."""
        return self.limit / self.period


PORT_FAMILIES: dict[str, Family] = {
    "unauthenticated": Family(100, 10),
    "bulkUpsert": Family(35_000, 3_500),
    "search": Family(35_000, 3_500),
    "singleUpsert": Family(10_000, 200),
    "entities": Family(35_000, 3_500),
    "blueprints": Family(15_000, 1_500),
    "other": Family(15_000, 1_500),
}


def whole_seconds(seconds: float) -> int:
    """``seconds`` rounded up, ignoring the float noise of a clock difference (300.0000001 → 300)."""
    return math.ceil(seconds - 1e-6)


def family_of(method: str, path: str, authenticated: bool) -> str:
    """The route family a request counts against (the most specific one matching)."""
    if not authenticated:
        return "unauthenticated"
    if method == "POST":
        if path.endswith("/entities/bulk") and path.startswith("/v1/blueprints/"):
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
class _Bucket:
    family: Family
    tokens: float
    refilled_at: float
    window_start: float
    window_count: int = 0

    def take(self, now: float) -> float:
        """Admits one request (returns 0) or says how many seconds until one would be admitted."""
        family = self.family
        self.tokens = min(float(family.burst), self.tokens + (now - self.refilled_at) * family.rate)
        self.refilled_at = now
        if now - self.window_start >= family.period:
            self.window_start, self.window_count = now, 0
        if self.window_count >= family.limit:
            return self.window_start + family.period - now
        if self.tokens < 1.0:
            return (1.0 - self.tokens) / family.rate
        self.tokens -= 1.0
        self.window_count += 1
        return 0.0

    def headers(self, now: float) -> list[tuple[bytes, bytes]]:
        family = self.family
        remaining = max(0, min(int(self.tokens), family.limit - self.window_count))
        reset = max(0.0, self.window_start + family.period - now)
        return [
            (b"x-ratelimit-limit", b"%d" % family.limit),
            (b"x-ratelimit-period", b"%d" % math.ceil(family.period)),
            (b"x-ratelimit-remaining", b"%d" % remaining),
            (b"x-ratelimit-reset", b"%d" % whole_seconds(reset)),
        ]


@dataclass
class RateLimits:
    """The limits a harbor enforces, and their live state (one bucket per family).

    Args:
        families: the limit of each family by name (see ``PORT_FAMILIES``).
        clock: monotonic seconds (tests pass their own).
    """

    families: dict[str, Family] = field(default_factory=lambda: dict(PORT_FAMILIES))
    clock: Callable[[], float] = time.monotonic
    enabled: bool = True
    throttled: int = 0  # requests answered 429 so far

    def __post_init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        # The harbor may serve from several threads (tests toggle ``enabled`` from another).
        self._lock = threading.Lock()

    @classmethod
    def load(cls, value: str) -> RateLimits:
        """``port``, inline JSON overriding families, or the path of such a JSON file.

        Raises:
            RateLimitConfigError: unreadable, an unknown family or key, a bad number.
        """
        text = value.strip()
        if text.lower() == "port":
            return cls()
        source = "rate limits"
        if not text.startswith(("{", "[")):
            path = Path(text)
            if not path.is_file():
                raise RateLimitConfigError(
                    f"{value!r} is neither 'port', a JSON object nor an existing JSON file."
                )
            text, source = path.read_text(encoding="utf-8"), str(path)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RateLimitConfigError(f"{source} is not valid JSON: {exc}.") from None
        return cls(families=_overridden(data, source))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RateLimits | None:
        """The limits ``OCEAN_HARBOR_RATE_LIMITS`` names, or None when it is unset or empty."""
        value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
        try:
            return cls.load(value) if value else None
        except RateLimitConfigError as exc:
            raise RateLimitConfigError(f"{ENV_VAR}: {exc}") from None

    def admit(self, family_name: str) -> tuple[float, list[tuple[bytes, bytes]]]:
        """Counts one request: (seconds to wait — 0 when admitted, the headers to answer with)."""
        family = self.families[family_name]
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(family_name)
            if bucket is None:
                bucket = self._buckets[family_name] = _Bucket(family, float(family.burst), now, now)
            wait = bucket.take(now)
            if wait:
                self.throttled += 1
            return wait, bucket.headers(now)


def _overridden(data: Any, source: str) -> dict[str, Family]:
    if not isinstance(data, dict):
        raise RateLimitConfigError(f'{source} must be an object like {{"bulkUpsert": {{"limit": 60}}}}.')
    families = dict(PORT_FAMILIES)
    for name, raw in data.items():
        if name not in families:
            raise RateLimitConfigError(
                f"{source}: unknown family {name!r}; known: {', '.join(PORT_FAMILIES)}."
            )
        if not isinstance(raw, dict) or set(raw) - {"limit", "burst", "period"}:
            raise RateLimitConfigError(f"{source}.{name} must be an object with limit, burst and/or period.")
        for key, number in raw.items():
            if not isinstance(number, int | float) or isinstance(number, bool) or number <= 0:
                raise RateLimitConfigError(
                    f"{source}.{name}.{key} must be a positive number, got {number!r}."
                )
        base = families[name]
        values = {"limit": base.limit, "burst": base.burst, "period": base.period, **raw}
        limit, burst = int(values["limit"]), int(values["burst"])
        if limit < 1 or burst < 1:
            raise RateLimitConfigError(f"{source}.{name}: limit and burst must be at least 1.")
        families[name] = Family(limit, burst, float(values["period"]))
    return families


class RateLimitMiddleware:
    """Answers 429 over a family's limit; adds the rate-limit headers to every limited answer."""

    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not self.limits.enabled or not path.startswith(LIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        authenticated = any(name == b"authorization" for name, _ in scope.get("headers") or ())
        name = family_of(scope["method"], path, authenticated)
        wait, headers = self.limits.admit(name)
        if wait:
            retry_after = str(max(1, whole_seconds(wait)))
            response = error_response(
                429,
                "too_many_requests",
                f"Rate limit of the {name} requests exceeded; retry in {retry_after} s.",
                headers={"Retry-After": retry_after, **{k.decode(): v.decode() for k, v in headers}},
            )
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
