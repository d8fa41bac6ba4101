"""``client(...)``: an ``httpx.AsyncClient`` for a 3rd-party API, with the toolkit's transports.

    github = client("https://api.github.com", auth=BearerAuth(token),
                    rate_limit=RateLimit(concurrency=10))      # + header budgets by default

The transport chain, outermost first::

    AuthTransport → RetryTransport → RateLimitTransport → RoutedTransport → network

so every attempt of a retried request waits for the rate limiter, a refreshed OAuth token is
fetched through retries and limits too, and the innermost hop is where a test's
``use_http(transport=MockTransport(...))`` takes over (see ``context.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .context import Clock, RoutedTransport, context_sleep, context_time, current_defaults
from .transports.auth import AuthScheme, AuthTransport
from .transports.ratelimit import RateLimit, RateLimitTransport
from .transports.retry import RetryPolicy, RetryTransport

DEFAULT_RATE_LIMIT = RateLimit()  # no bucket, no bound: only honour X-RateLimit-* budgets
USER_AGENT = "ocean-sail"


def client(
    base_url: str = "",
    *,
    auth: AuthScheme | None = None,
    retry: RetryPolicy | bool = True,
    rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    timeout: float | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
    follow_redirects: bool = True,
) -> httpx.AsyncClient:
    """An async HTTP client for a 3rd-party API.

    Args:
        base_url: the API root; request paths are relative to it.
        auth: how to authenticate (``BearerAuth``, ``BasicAuth``, ``ApiKeyAuth``,
            ``OAuth2ClientCredentials``), or None.
        retry: a ``RetryPolicy``; True for the default one (429/5xx/network errors on
            idempotent methods); False to never retry.
        rate_limit: the API's limits; the default only honours ``X-RateLimit-Remaining: 0``.
            None disables rate limiting.
        headers: headers of every request.
        params: query parameters of every request.
        timeout: seconds per request; default ``OCEAN__CLIENT_TIMEOUT`` of the running
            integration (passed down by it: ``use_http_defaults``), else 60.
        transport: what sends requests instead of the network (a test's ``MockTransport``,
            an ASGI app). A ``use_http`` override still takes precedence.
        clock: time and sleep for retries and rate limits; default the ``use_http`` clock of
            the context, else the real one.
        follow_redirects: follow 3xx answers.

    Returns:
        An ``httpx.AsyncClient``; close it (``async with`` or ``aclose()``) when done.
    """
    now, sleep = (clock.time, clock.sleep) if clock is not None else (context_time, context_sleep)
    chain: httpx.AsyncBaseTransport = RoutedTransport(transport)
    if rate_limit is not None:
        chain = RateLimitTransport(chain, rate_limit, clock=now, sleep=sleep)
    if retry is not False:
        policy = retry if isinstance(retry, RetryPolicy) else RetryPolicy()
        chain = RetryTransport(chain, policy, sleep=sleep, clock=now)
    if auth is not None:
        chain = AuthTransport(chain, auth)
    return httpx.AsyncClient(
        base_url=base_url,
        transport=chain,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
        params=dict(params) if params else None,
        timeout=timeout if timeout is not None else current_defaults().timeout,
        follow_redirects=follow_redirects,
    )
