"""One request to Port: headers, concurrency bound, and turning failures into Ocean errors.

Every resource module (integrations, blueprints, entities, …) talks to Port through
``PortSession.request``; it is the single place where

- the ``User-Agent`` is chosen (with ``/exporter`` for entity and blueprint writes, which is how
  Port records ownership),
- a non-2xx answer becomes ``PortAPIError(method, path, status, body)`` and a network failure
  (after the retry transport gave up) becomes ``PortUnreachableError``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from ocean_runtime.errors import PortAPIError, PortUnreachableError

from .batching import serialize
from .identity import PortIdentity

logger = logging.getLogger(__name__)

QueryParams = Sequence[tuple[str, str]]
MAX_CACHED_URLS = 256
# What httpx's client would add; Port answers JSON, compressed when it is worth it.
_BASE_HEADERS = MappingProxyType(
    {"Accept": "application/json", "Accept-Encoding": "gzip, deflate", "Connection": "keep-alive"}
)


def segment(value: str) -> str:
    """Percent-encode one path segment (an identifier may contain ``/``, spaces, ``#``…)."""
    return quote(value, safe="")


def decode_body(content: bytes) -> Any:
    """Port's JSON body, or the raw text when the answer is not JSON (a proxy's HTML page)."""
    if not content:
        return {}
    try:
        return orjson.loads(content)
    except ValueError:
        pass  # orjson refuses what Python's json reads (NaN, integers beyond 64 bits): try that
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


class PortSession:
    """Sends requests to Port and decodes the answers.

    Requests go straight into the transport chain (auth → retry → throttle → network) rather
    than through ``httpx.AsyncClient``: the client's per-request machinery (cookies, redirects,
    hooks, header merging) was half of the CPU a bulk upsert cost us, and Port needs none of it.

    Args:
        transport: the transport chain that carries auth and retries.
        base_url: Port API root without ``/v1``.
        identity: the integration's identity (User-Agent).
        timeout: seconds allowed to connect, to send, to wait for an answer and for a connection.
    """

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport,
        base_url: str,
        identity: PortIdentity,
        *,
        timeout: float,
    ) -> None:
        self.transport = transport
        self.base_url = base_url.rstrip("/")
        self.identity = identity
        self._timeout = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        self._urls: dict[tuple[str, tuple[tuple[str, str], ...]], httpx.URL] = {}

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        params: QueryParams | None = None,
        exporter: bool = False,
        retryable: bool = False,
        resend_if_stale: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request and return the decoded JSON answer.

        Args:
            method: HTTP method.
            path: ``/v1/...`` relative to the base URL, or an absolute URL (log ingestion).
            json_body: a JSON-serialisable body.
            content: an already serialised JSON body (bulk upserts measure their bytes).
            params: query parameters as pairs (keeps their order; a name may repeat).
            exporter: add ``/exporter`` to the User-Agent (entity writes, blueprint writes).
            retryable: allow the retry transport to resend a POST.
            resend_if_stale: a POST that may go out twice (best-effort reports): sent again,
                once, when the kept-alive connection it went out on turns out closed.
            headers: extra headers (e.g. ``x-port-reserved-usage`` on action-run claims).

        Raises:
            PortAPIError: Port answered with a non-2xx status.
            PortAuthError: the client credentials were refused.
            PortUnreachableError: Port could not be reached, even after retries.
        """
        if json_body is not None:
            content = serialize(json_body)
        sent = {**_BASE_HEADERS, "User-Agent": self.identity.user_agent(exporter=exporter)}
        if headers:
            sent.update(headers)
        if content is not None:
            sent["Content-Type"] = "application/json"
        extensions: dict[str, Any] = {"timeout": self._timeout}
        if retryable:
            extensions["retryable"] = True
        if resend_if_stale:
            extensions["resend_if_stale"] = True
        request = httpx.Request(
            method, self._url(path, params), headers=sent, content=content, extensions=extensions
        )
        try:
            response = await self.transport.handle_async_request(request)
            try:
                raw = await response.aread()
            finally:
                await response.aclose()
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        body = decode_body(raw)
        if response.is_success:
            return body
        logger.debug(
            "Port answered %s to %s %s (trace id %s): %s",
            response.status_code,
            method,
            request.url.path,
            response.headers.get("x-trace-id", "-"),
            body,
        )
        raise PortAPIError(method, request.url.path, response.status_code, body)

    def _url(self, path: str, params: QueryParams | None) -> httpx.URL:
        """The full URL of ``path`` with ``params``, built once per distinct pair.

        A resync sends thousands of requests to a handful of URLs (one bulk path per blueprint,
        the same query flags); parsing and validating each URL again cost more than the rest of
        building the request.
        """
        key = (path, tuple(params) if params else ())
        url = self._urls.get(key)
        if url is None:
            if len(self._urls) >= MAX_CACHED_URLS:
                self._urls.clear()
            absolute = path if path.startswith(("http://", "https://")) else self.base_url + path
            url = self._urls[key] = httpx.URL(absolute, params=key[1] or None)
        return url

    async def aclose(self) -> None:
        """Close the transport chain (and its connections)."""
        await self.transport.aclose()

    def _unreachable(self, exc: httpx.TransportError) -> PortUnreachableError:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return PortUnreachableError(
            f"Could not reach Port at {self.base_url} ({reason}), even after retrying. "
            "Check that it is up and that OCEAN__PORT__BASE_URL points at it "
            "(e.g. https://api.getport.io, https://api.us.getport.io or a local harbor URL)."
        )
