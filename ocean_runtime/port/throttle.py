"""One 429 backs off every request of the Port client, not just the one that got it.

Port's rate limits are per organisation. When one request is told to wait (429), its siblings
— up to ``max_concurrency`` of them in flight, and the next batches behind them — would
otherwise keep knocking, each collecting its own 429 and retry budget. ``ThrottleTransport``
sits between the retry transport and the network, so it sees every attempt: a 429 starts a
pause for the whole client (``Retry-After`` / ``X-RateLimit-Reset``, or ``DEFAULT_PAUSE``), and
every attempt that starts during it waits until it ends. The request that got the 429 is
retried by the retry transport after the same wait, and is not held a second time.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from ocean_runtime.http.transports.retry import Clock, Sleep, server_requested_wait

logger = logging.getLogger(__name__)

DEFAULT_PAUSE = 1.0
MAX_PAUSE = 30.0  # the Port retry policy's cap on any single wait
_SERVED = "ocean_throttle_served"  # request extension: the pause this request already waited out


class ThrottleTransport(httpx.AsyncBaseTransport):
    """Wraps the network transport; pauses every request while Port rate-limits the client.

    Args:
        inner: the transport that really sends.
        sleep: awaited with the seconds to wait (tests pass a recorder).
        clock: current Unix time (``Retry-After`` may be a date or an epoch).
    """

    def __init__(
        self, inner: httpx.AsyncBaseTransport, *, sleep: Sleep = asyncio.sleep, clock: Clock = time.time
    ) -> None:
        self._inner = inner
        self._sleep = sleep
        self._clock = clock
        self._paused_until = 0.0  # Unix time; 0: no pause
        self.pauses = 0  # how many 429s started or extended a pause (for reports and tests)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self._wait_out_pause(request)
        response = await self._inner.handle_async_request(request)
        if response.status_code == 429:
            now = self._clock()
            wait = server_requested_wait(response, now)
            pause = min(DEFAULT_PAUSE if wait is None else wait, MAX_PAUSE)
            self._paused_until = max(self._paused_until, now + pause)
            self.pauses += 1
            # The retry transport waits for this request itself: it must not wait twice.
            request.extensions[_SERVED] = self._paused_until
            logger.warning("Port is rate limiting this client: every request waits %.1f s", pause)
        return response

    async def _wait_out_pause(self, request: httpx.Request) -> None:
        until = self._paused_until
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
