"""``FakeClock``: time that moves only when someone waits, so tests never sleep for real."""

from __future__ import annotations

import asyncio

# 2023-11-14T22:13:20Z: a fixed, recognisable start so epochs in fake headers are easy to write.
START = 1_700_000_000.0


class FakeClock:
    """A clock for ``use_http``/``third_party``: ``sleep`` records the wait and advances time.

    Attributes:
        now: the current fake Unix time.
        sleeps: every wait asked for, in order (assert on these, never on wall time).
    """

    def __init__(self, start: float = START) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        """The current fake Unix time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Record ``seconds`` and jump ahead by that much (yielding to other tasks once)."""
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        """Move time forward without anyone waiting (e.g. to let a token bucket refill)."""
        self.now += seconds

    @property
    def slept(self) -> float:
        """Total seconds waited."""
        return sum(self.sleeps)
