"""How many requests the Port client keeps in flight: as many as Port sustains, found as it goes.

A fixed bound is wrong in both directions: 8 requests in flight against a Port 100 ms away
caps a sync at 80 requests/s, while a harbor on the same machine is already saturated by fewer.
``AdaptiveConcurrency`` is an AIMD limiter (as TCP's congestion control, and Netflix's
concurrency-limits) steered by what the answers say:

- **grow** while answers come back as fast as the quickest seen lately: by one request per
  answer at first (slow start: the limit doubles every round trip), then by one per round trip;
- **start wide far away**: in slow start, when even the quickest answer so far took
  ``REMOTE_RTT_S`` or more (a server across a network, not on this machine), the first answer
  to a request sent while the limit was in use lifts it to ``WIDE_START`` at once.
  Doubling from 8 spent three round trips (~0.3 s against a Port 100 ms away, a tenth of a
  10,000-entity sync) reaching what the first answers allow; 32 requests are within every burst
  Port grants (bulk and search 3,500, single upserts 200, token requests go one at a time), and
  the rate budgets still pace them once Port's headers are known. A server on this machine
  keeps the cautious start: it saturates with fewer;
- **shrink ×0.5** on a sign of overload — a 429, a 502/503/504, a timeout or a dropped
  connection — at most once per round trip, so one burst of refusals counts once;
- **shrink ×0.9** when round trips (smoothed) grow beyond four times the quickest seen (the
  server is queueing: more requests in flight would only wait longer; at twice, a busy
  machine's noise read as queueing and held a remote sync at a third of its pace), but not
  below ``latency_floor`` — a queue of a few requests costs a server nothing and keeps it busy
  between answers; below the floor the limit grows back whatever the round trips.

Growth only happens while the limit is in use, so a quiet client does not inflate it. The
quickest round trip is tracked per route (a bulk upsert takes longer than a token request) over
a sliding window, so a server that became slower for good becomes the new baseline.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass

DEFAULT_INITIAL = 8
DEFAULT_MAXIMUM = 100
WIDE_START = 32
REMOTE_RTT_S = 0.05  # no answer quicker than this: a server across a network (loopback: ~1 ms)
LATENCY_TOLERANCE = 4.0  # round trips up to this multiple of the quickest mean "not queueing"
LATENCY_SLACK_S = 0.002  # ... plus this much, so sub-millisecond noise on loopback is no signal
OVERLOAD_FACTOR = 0.5
QUEUEING_FACTOR = 0.9
SMOOTHING = 0.1  # weight of the newest round trip in the smoothed recent one
BASELINE_WINDOW = 250  # answers per route after which the older quickest round trip is forgotten


@dataclass
class _Baseline:
    """One route's round trips: the quickest over the last one to two windows, and the recent
    ones smoothed (one slow answer on a busy machine is noise, a run of them is queueing)."""

    current: float = float("inf")
    previous: float = float("inf")
    samples: int = 0
    recent: float = 0.0

    def observe(self, rtt: float) -> float:
        self.recent = rtt if not self.samples and self.previous == float("inf") else self.recent
        self.recent += SMOOTHING * (rtt - self.recent)
        self.current = min(self.current, rtt)
        self.samples += 1
        if self.samples >= BASELINE_WINDOW:
            self.previous, self.current, self.samples = self.current, float("inf"), 0
        return min(self.current, self.previous)


class AdaptiveConcurrency:
    """A semaphore whose size follows what the server sustains (see the module docstring).

    Args:
        initial: the limit before anything is known.
        maximum: the limit never grows beyond this (the connection pool's size).
        minimum: overload never shrinks it below this.
        latency_floor: rising round trips never shrink it below this.
        clock: monotonic seconds.
    """

    def __init__(
        self,
        *,
        initial: int = DEFAULT_INITIAL,
        maximum: int = DEFAULT_MAXIMUM,
        minimum: int = 1,
        latency_floor: int = DEFAULT_INITIAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= minimum <= maximum:
            raise ValueError(f"need 1 <= minimum <= maximum, got {minimum} and {maximum}")
        self.maximum = maximum
        self.minimum = minimum
        self.latency_floor = min(max(latency_floor, minimum), maximum)
        self.limit = float(min(max(initial, minimum), maximum))
        self.in_flight = 0
        self.peak_limit = self.limit  # the highest limit reached (for reports and tests)
        self.decreases = 0  # how often the limit was cut (for reports and tests)
        self._slow_start = True
        self._clock = clock
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._baselines: dict[Hashable, _Baseline] = {}
        self._last_cut = float("-inf")
        self._round_trip = 0.0  # the latest quickest round trip seen, to space out the cuts
        self._quickest = float("inf")  # the quickest answer of any route, ever

    async def acquire(self) -> int:
        """Waits for a free slot; returns how many requests were in flight with this one."""
        if self.in_flight >= int(self.limit) or self._waiters:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self.release()  # it was handed a slot it will not use: pass it on
                elif waiter in self._waiters:
                    self._waiters.remove(waiter)
                raise
        else:
            self.in_flight += 1
        return self.in_flight

    def release(self) -> None:
        """Frees a slot (call once per ``acquire``)."""
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < int(self.limit):
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)

    def on_answer(self, route: Hashable, rtt: float, in_flight: int) -> None:
        """An answer that says nothing of overload came back after ``rtt`` seconds.

        Args:
            route: what the round trip is compared with (a method and path family).
            rtt: seconds from sending to the answer's head.
            in_flight: requests in flight when it was sent (``acquire``'s result).
        """
        self._quickest = min(self._quickest, rtt)
        history = self._baselines.setdefault(route, _Baseline())
        baseline = history.observe(rtt)
        self._round_trip = baseline
        queueing = history.recent > baseline * LATENCY_TOLERANCE + LATENCY_SLACK_S
        if queueing and self.limit >= self.latency_floor:
            if self.limit > self.latency_floor:
                self._cut(QUEUEING_FACTOR, floor=self.latency_floor)
            return
        if in_flight < self.limit / 2:
            return  # the limit was not what held this request back: no evidence for more
        if self._slow_start and self._quickest >= REMOTE_RTT_S and self.limit < WIDE_START:
            self._raise_to(WIDE_START)
            return
        # Up to the floor the limit grows back whatever the round trips (overload cut it there).
        step = 1.0 if self._slow_start else 1.0 / self.limit
        self._raise_to(self.limit + step)

    def _raise_to(self, limit: float) -> None:
        self.limit = min(float(self.maximum), limit)
        self.peak_limit = max(self.peak_limit, self.limit)
        self._wake()

    def on_overload(self) -> None:
        """The server refused or dropped a request for load (429, 502/503/504, timeout)."""
        self._cut(OVERLOAD_FACTOR, floor=self.minimum)

    def _cut(self, factor: float, *, floor: int) -> None:
        now = self._clock()
        self._slow_start = False
        if now - self._last_cut < self._round_trip:
            return  # answers to requests sent before the last cut: it is already accounted for
        self._last_cut = now
        self.limit = max(float(floor), self.limit * factor)
        self.decreases += 1
