"""``http_async_client``, ``OceanAsyncClient``, ``RetryConfig``, ``RetryTransport`` (published helpers).

Published integrations call 3rd-party APIs through ``port_ocean.utils.http_async_client`` (one
shared ``httpx.AsyncClient``) or their own ``OceanAsyncClient(RetryTransport, retry_config=…)``.
The retry transport keeps the published retry loop and hook order (integrations subclass it and
override its hooks) and reads ``Retry-After``-style headers with Ocean's ``parse_retry_after``.

Routing hook, for tests and for APIs whose base URL an integration hard-codes: every request goes
through ``RoutingTransport``, which (1) answers through ``ocean_runtime.http.use_http``'s transport
when a test installed one, and (2) rewrites origins listed in ``OCEAN_COMPAT_HTTP_ROUTES`` (a JSON
object ``{"https://api.pagerduty.com": "http://127.0.0.1:8123"}``) — how the corpus tests point an
unmodified integration at a local fake of its API under ``ocean sail``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
import weakref
from collections.abc import Iterable
from typing import Any

import httpx

from ocean_runtime.http import RetryPolicy, parse_retry_after
from ocean_runtime.http.context import current_override

log = logging.getLogger(__name__)
ROUTES_ENV = "OCEAN_COMPAT_HTTP_ROUTES"
DEFAULT_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class RoutingTransport(httpx.AsyncBaseTransport):
    """Sends through a test's ``use_http`` transport if any, else ``inner`` after origin rewriting."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self._routes = _routes()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        override = current_override()
        if override is not None and override.transport is not None:
            return await override.transport.handle_async_request(request)
        target = self._routes.get(f"{request.url.scheme}://{request.url.netloc.decode()}")
        if target is not None:
            routed = httpx.URL(target)
            request.url = request.url.copy_with(scheme=routed.scheme, host=routed.host, port=routed.port)
            request.headers["host"] = routed.netloc.decode()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _routes() -> dict[str, str]:
    raw = os.environ.get(ROUTES_ENV)
    if not raw:
        return {}
    try:
        routes = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"{ROUTES_ENV} must be a JSON object of origin -> origin: {exc}") from None
    return {str(k).rstrip("/"): str(v).rstrip("/") for k, v in dict(routes).items()}


class RetryConfig:
    """The published retry settings, mapped onto ``ocean_runtime.http.RetryPolicy``."""

    def __init__(
        self,
        max_attempts: int = 10,
        max_backoff_wait: float = 60.0,
        base_delay: float = 0.1,
        jitter_ratio: float = 0.1,
        respect_retry_after_header: bool = True,
        retryable_methods: Iterable[str] | None = None,
        retry_status_codes: Iterable[int] | None = None,
        retry_after_headers: list[str] | None = None,
        additional_retry_status_codes: Iterable[int] | None = None,
        ignore_retry_after_status_codes: Iterable[int] | None = None,
        apply_sync_tier_jitter: bool = True,
    ) -> None:
        self.max_attempts = max_attempts
        self.max_backoff_wait = max_backoff_wait
        self.base_delay = base_delay
        self.jitter_ratio = jitter_ratio
        self.respect_retry_after_header = respect_retry_after_header
        self.retryable_methods = (
            frozenset(m.upper() for m in retryable_methods) if retryable_methods else None
        )
        statuses = (
            set(DEFAULT_RETRY_STATUSES)
            | set(retry_status_codes or ())
            | set(additional_retry_status_codes or ())
        )
        self.retry_status_codes = frozenset(statuses)
        self.retry_after_headers = retry_after_headers or ["Retry-After"]

    def policy(self) -> RetryPolicy:
        """The equivalent ``RetryPolicy``."""
        kwargs: dict[str, Any] = {
            "max_attempts": max(1, self.max_attempts),
            "base_delay": self.base_delay,
            "max_delay": self.max_backoff_wait,
            "jitter_ratio": min(max(self.jitter_ratio, 0.0), 0.5),
            "retry_statuses": self.retry_status_codes,
        }
        if self.retryable_methods:
            kwargs["methods"] = self.retryable_methods
        return RetryPolicy(**kwargs)


class RetryTransport(httpx.AsyncBaseTransport):
    """Published ``RetryTransport(wrapped_transport, retry_config=…)``.

    Integrations subclass it and override its hooks (``before_retry_async``,
    ``before_retry_after_sleep_async``, ``after_retry_async``, ``_should_retry_async``,
    ``_calculate_sleep``, ``_log_before_retry``), so it keeps the published retry loop and hook
    order; waits honour ``Retry-After``-style headers (Ocean's ``parse_retry_after``), else a
    jittered exponential backoff from ``RetryConfig``.
    """

    def __init__(
        self,
        wrapped_transport: httpx.AsyncBaseTransport | None = None,
        max_attempts: int | None = None,
        max_backoff_wait: float | None = None,
        base_delay: float | None = None,
        jitter_ratio: float | None = None,
        respect_retry_after_header: bool = True,
        retryable_methods: Iterable[str] | None = None,
        retry_status_codes: Iterable[int] | None = None,
        retry_config: RetryConfig | None = None,
        logger: Any = None,
        retry_after_headers: list[str] | None = None,
    ) -> None:
        given: dict[str, Any] = {
            "max_attempts": max_attempts,
            "max_backoff_wait": max_backoff_wait,
            "base_delay": base_delay,
            "jitter_ratio": jitter_ratio,
            "retryable_methods": retryable_methods,
            "retry_status_codes": retry_status_codes,
            "retry_after_headers": retry_after_headers,
        }
        self._retry_config = retry_config or RetryConfig(**{k: v for k, v in given.items() if v is not None})
        self._respect_retry_after = (
            respect_retry_after_header and self._retry_config.respect_retry_after_header
        )
        self._wrapped_transport = RoutingTransport(wrapped_transport or httpx.AsyncHTTPTransport())
        self._logger = logger

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._is_retryable_method(request):
            return await self._wrapped_transport.handle_async_request(request)
        attempts_made = 0
        response: httpx.Response | None = None
        error: Exception | None = None
        while True:
            if attempts_made > 0:
                sleep_time = self._calculate_sleep(
                    attempts_made,
                    response.headers if response else {},
                    response.status_code if response else None,
                )
                request = (
                    await self.before_retry_async(request, response, sleep_time, attempts_made) or request
                )
                self._log_before_retry(request, sleep_time, response, error)
                await asyncio.sleep(sleep_time)
                request = (
                    await self.before_retry_after_sleep_async(request, response, sleep_time, attempts_made)
                    or request
                )
            last_attempt = attempts_made + 1 >= self._retry_config.max_attempts
            response, error = None, None
            try:
                response = await self._wrapped_transport.handle_async_request(request)
                response.request = request
                await self.after_retry_async(request, response, attempts_made + 1)
                if last_attempt or not await self._should_retry_async(response):
                    return response
                await response.aclose()
            except httpx.HTTPError as exc:
                if last_attempt:
                    raise
                error = exc
            attempts_made += 1

    # -- the published hooks ------------------------------------------------------------------------

    async def before_retry_async(
        self, request: httpx.Request, response: httpx.Response | None, sleep_time: float, attempt: int
    ) -> httpx.Request | None:
        return None

    async def before_retry_after_sleep_async(
        self, request: httpx.Request, response: httpx.Response | None, sleep_time: float, attempt: int
    ) -> httpx.Request | None:
        return None

    async def after_retry_async(self, request: httpx.Request, response: httpx.Response, attempt: int) -> None:
        return None

    def _is_retryable_method(self, request: httpx.Request) -> bool:
        methods = self._retry_config.retryable_methods or DEFAULT_RETRYABLE_METHODS
        return request.method.upper() in methods or bool(request.extensions.get("retryable"))

    def _should_retry(self, response: httpx.Response) -> bool:
        return response.status_code in self._retry_config.retry_status_codes

    async def _should_retry_async(self, response: httpx.Response) -> bool:
        return self._should_retry(response)

    def _calculate_sleep(self, attempts_made: int, headers: Any, status_code: int | None = None) -> float:
        config = self._retry_config
        if self._respect_retry_after:
            for name in config.retry_after_headers:
                value = headers.get(name) if headers else None
                waited = parse_retry_after(value, time.time()) if value else None
                if waited is not None:
                    return float(min(max(waited, 0.0), config.max_backoff_wait))
        backoff = config.base_delay * (2 ** max(attempts_made - 1, 0))
        jitter = backoff * config.jitter_ratio * (2 * random.random() - 1)
        return float(min(max(backoff + jitter, 0.0), config.max_backoff_wait))

    def _log_before_retry(
        self,
        request: httpx.Request,
        sleep_time: float,
        response: httpx.Response | None,
        error: Exception | None,
    ) -> None:
        cause = f"status {response.status_code}" if response is not None else f"{type(error).__name__}"
        log.info("retrying %s %s in %.2f s (%s)", request.method, request.url, sleep_time, cause)

    async def aclose(self) -> None:
        await self._wrapped_transport.aclose()


DEFAULT_RETRYABLE_METHODS = frozenset({"HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE"})


_RETRY_ARGS = {"max_attempts", "max_backoff_wait", "base_delay", "jitter_ratio", "retryable_methods"}


class OceanAsyncClient(httpx.AsyncClient):
    """Published ``OceanAsyncClient``: an ``httpx.AsyncClient`` sending through ``RetryTransport``."""

    def __init__(
        self,
        transport_class: type[RetryTransport] = RetryTransport,
        transport_kwargs: dict[str, Any] | None = None,
        retry_config: RetryConfig | None = None,
        **kwargs: Any,
    ) -> None:
        inner = kwargs.pop("transport", None) or httpx.AsyncHTTPTransport(
            verify=kwargs.get("verify", True), limits=kwargs.get("limits", httpx.Limits())
        )
        transport = transport_class(
            wrapped_transport=inner, retry_config=retry_config or RetryConfig(), **(transport_kwargs or {})
        )
        kwargs.setdefault("timeout", httpx.Timeout(60.0))
        super().__init__(transport=transport, **kwargs)


class StreamingClientWrapper:
    """Published wrapper streaming large JSON answers; here: the whole answer, parsed."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def stream_json(self, url: str, target_items_path: str = "", **kwargs: Any) -> Any:
        response = await self._client.request(kwargs.pop("method", "GET"), url, **kwargs)
        response.raise_for_status()
        data = response.json()
        for part in [p for p in target_items_path.split(".") if p]:
            data = data.get(part, []) if isinstance(data, dict) else []
        yield data


def register_retry_config_callback(callback: Any) -> None:
    """Published hook to tune retries per deployment; Ocean's transport needs none (ignored)."""
    return None


# -- the shared client ----------------------------------------------------------------------------


class _PerLoopTransport(httpx.AsyncBaseTransport):
    """A retry transport (and its connection pool) per event loop: pools cannot cross loops."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RetryTransport] = (
            weakref.WeakKeyDictionary()
        )

    def _current(self) -> RetryTransport:
        loop = asyncio.get_running_loop()
        transport = self._by_loop.get(loop)
        if transport is None:
            transport = self._by_loop[loop] = RetryTransport(
                httpx.AsyncHTTPTransport(), retry_config=RetryConfig()
            )
        return transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._current().handle_async_request(request)

    async def aclose(self) -> None:
        await self._current().aclose()


class _Shared:
    client: httpx.AsyncClient | None = None


def shared_client() -> httpx.AsyncClient:
    """The process's one shared client (published: ``port_ocean.utils.http_async_client``).

    One client, so headers and auth an integration sets on it — often at import time, outside
    any event loop — hold for every later request; its transport keeps a pool per event loop.
    """
    client = _Shared.client
    if client is None or client.is_closed:
        client = _Shared.client = httpx.AsyncClient(
            transport=_PerLoopTransport(), timeout=httpx.Timeout(60.0)
        )
    return client


class _SharedClientProxy:
    """``http_async_client``: attribute access goes to the shared client."""

    def __getattr__(self, name: str) -> Any:
        return getattr(shared_client(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(shared_client(), name, value)

    def __delattr__(self, name: str) -> None:
        # ``mock.patch.object(http_async_client, "get", …)`` restores by deleting its attribute.
        client = shared_client()
        if name in vars(client):
            delattr(client, name)


http_async_client: Any = _SharedClientProxy()
