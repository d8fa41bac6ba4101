"""What the toolkit's clients read from the context they run in: a transport and a clock.

An integration builds its clients with ``ocean_runtime.http.client(...)`` and never thinks about
tests. A test (or the ``third_party`` fixture of ``ocean_runtime.testing``) wraps the run in
``use_http(transport=MockTransport(handler), clock=FakeClock())``: every toolkit client then sends
through that transport and waits on that clock — retries, rate limits and auth included —
without monkeypatching and without sleeping for real.

The override lives in a context variable and is read *per request*, so it applies to clients
created before it was installed (a module-level client in ``main.py``) and to tasks started
inside it, and two tests running side by side do not see each other's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

import httpx

from .transports.network import network_transport, proxy_for


class Clock(Protocol):
    """Wall time and a way to wait; tests pass one that records waits instead of sleeping."""

    def time(self) -> float:
        """Current Unix time in seconds."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class SystemClock:
    """The real clock: ``time.time`` and ``asyncio.sleep``."""

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


@dataclass(frozen=True)
class HttpOverride:
    """What replaces the network and the clock for toolkit clients (both optional)."""

    transport: httpx.AsyncBaseTransport | None = None
    clock: Clock | None = None


_override: ContextVar[HttpOverride | None] = ContextVar("ocean_http_override", default=None)

DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class HttpDefaults:
    """Settings of the running integration that toolkit clients take when not told otherwise.

    Attributes:
        timeout: seconds per request (``OCEAN__CLIENT_TIMEOUT``).
    """

    timeout: float = DEFAULT_TIMEOUT


_defaults: ContextVar[HttpDefaults | None] = ContextVar("ocean_http_defaults", default=None)
_BUILT_IN = HttpDefaults()


def use_http_defaults(defaults: HttpDefaults) -> AbstractContextManager[HttpDefaults]:
    """Make ``defaults`` what toolkit clients created inside the block start from.

    The running application passes its settings down this way (``OceanApp.activated``): the
    toolkit never reaches up into the application for them.
    """
    return _DefaultsInEffect(defaults)


class _DefaultsInEffect:
    """``use_http_defaults``: a class, not ``@contextmanager`` — entered for every webhook."""

    __slots__ = ("_defaults", "_token")

    def __init__(self, defaults: HttpDefaults) -> None:
        self._defaults = defaults

    def __enter__(self) -> HttpDefaults:
        self._token = _defaults.set(self._defaults)
        return self._defaults

    def __exit__(self, *exc_info: object) -> None:
        _defaults.reset(self._token)


def current_defaults() -> HttpDefaults:
    """The defaults in effect (the running integration's, or the built-in ones)."""
    return _defaults.get() or _BUILT_IN


@contextmanager
def use_http(
    *, transport: httpx.AsyncBaseTransport | None = None, clock: Clock | None = None
) -> Iterator[HttpOverride]:
    """Route every toolkit client to ``transport`` and ``clock`` inside the ``with`` block.

    Args:
        transport: answers every request instead of the network (e.g. ``httpx.MockTransport``).
        clock: replaces ``time.time``/``asyncio.sleep`` for retries and rate limits.
    """
    override = HttpOverride(transport, clock)
    token = _override.set(override)
    try:
        yield override
    finally:
        _override.reset(token)


def current_override() -> HttpOverride | None:
    """The override in effect, or None (real network, real clock)."""
    return _override.get()


def current_clock() -> Clock:
    """The clock toolkit clients use right now."""
    override = _override.get()
    return override.clock if override is not None and override.clock is not None else SYSTEM_CLOCK


def context_time() -> float:
    """``current_clock().time()`` — a plain function for transports that take a ``clock``."""
    return current_clock().time()


async def context_sleep(seconds: float) -> None:
    """``current_clock().sleep(seconds)`` — a plain function for transports that take a ``sleep``."""
    await current_clock().sleep(seconds)


class RoutedTransport(httpx.AsyncBaseTransport):
    """The innermost transport of a toolkit client: the override's transport if any, else the network.

    The network is reached as the environment says (``HTTPS_PROXY``/``NO_PROXY``, CA bundles:
    see ``transports/network.py``), decided per request since one client may call several hosts.

    Args:
        network: what really sends (default: created lazily, so a client used only under an
            override never opens sockets).
        environ: the environment naming proxies and CA bundles (default ``os.environ``).
    """

    def __init__(
        self, network: httpx.AsyncBaseTransport | None = None, *, environ: Mapping[str, str] | None = None
    ) -> None:
        self._network = network
        self._environ = environ
        self._by_proxy: dict[str | None, httpx.AsyncBaseTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        override = _override.get()
        if override is not None and override.transport is not None:
            return await override.transport.handle_async_request(request)
        if self._network is not None:
            return await self._network.handle_async_request(request)
        proxy = proxy_for(request.url, self._environ)
        network = self._by_proxy.get(proxy)
        if network is None:
            network = self._by_proxy[proxy] = network_transport(request.url, environ=self._environ)
        return await network.handle_async_request(request)

    async def aclose(self) -> None:
        # The override's transport belongs to whoever installed it; only close our own.
        if self._network is not None:
            await self._network.aclose()
        opened, self._by_proxy = self._by_proxy, {}
        for network in opened.values():
            await network.aclose()
