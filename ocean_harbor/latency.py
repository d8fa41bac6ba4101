"""Network latency, simulated: every API answer arrives ``latency`` (± ``jitter``) seconds late.

A harbor on the same machine answers in about a millisecond; Port is across the internet
(~50–150 ms per request). ``ocean harbor --latency 0.1`` makes the harbor behave like the
latter, so a client's concurrency and batching can be judged before anyone has a Port account.
Only the API (``/v1``, ``/ingest``) is delayed; the catalog UI stays instant.

The wait is an ``asyncio.sleep`` before the request is served: the event loop keeps serving
other requests meanwhile, as a far-away server would.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Receive, Scope, Send

LATENCY_ENV = "OCEAN_HARBOR_LATENCY"
JITTER_ENV = "OCEAN_HARBOR_JITTER"
DELAYED_PREFIXES = ("/v1/", "/ingest/")


class LatencyError(ValueError):
    """A latency setting that cannot be used; the message names the setting and the value."""


@dataclass(frozen=True)
class Latency:
    """How late the harbor answers.

    Attributes:
        seconds: the mean delay of every API answer.
        jitter: each delay is drawn uniformly from ``seconds ± jitter`` (never below 0).
        seed: seeds the jitter, so a run is repeatable.
    """

    seconds: float
    jitter: float = 0.0
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, value in (("latency", self.seconds), ("jitter", self.jitter)):
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 60:
                raise LatencyError(f"{name} must be a number of seconds between 0 and 60, got {value!r}.")
        object.__setattr__(self, "_rng", random.Random(self.seed))

    @classmethod
    def parse(cls, latency: str | float, jitter: str | float = 0.0) -> Latency:
        """Reads the settings as given on the command line or in the environment.

        Raises:
            LatencyError: not a number of seconds between 0 and 60.
        """
        return cls(_seconds(latency, "latency"), _seconds(jitter, "jitter"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Latency | None:
        """``OCEAN_HARBOR_LATENCY`` (and ``OCEAN_HARBOR_JITTER``), or None when unset or 0."""
        env = os.environ if environ is None else environ
        value = env.get(LATENCY_ENV, "").strip()
        if not value:
            return None
        try:
            latency = cls.parse(value, env.get(JITTER_ENV, "").strip() or 0.0)
        except LatencyError as exc:
            raise LatencyError(f"{LATENCY_ENV}/{JITTER_ENV}: {exc}") from None
        return latency if latency else None

    def __bool__(self) -> bool:
        return self.seconds > 0 or self.jitter > 0

    def draw(self) -> float:
        """The delay of one answer."""
        if not self.jitter:
            return self.seconds
        return max(0.0, self.seconds + self._rng.uniform(-self.jitter, self.jitter))


def _seconds(value: str | float, name: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise LatencyError(f"{name} must be a number of seconds (like 0.1), got {value!r}.") from None


class LatencyMiddleware:
    """Delays every API request by one ``Latency.draw()`` before serving it."""

    def __init__(self, app: ASGIApp, latency: Latency) -> None:
        self.app = app
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(DELAYED_PREFIXES):
            await asyncio.sleep(self.latency.draw())
        await self.app(scope, receive, send)
