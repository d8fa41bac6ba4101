"""One request to Port: headers, concurrency bound, and turning failures into Ocean errors.

Every resource module (integrations, blueprints, entities, …) talks to Port through
``PortSession.request``; it is the single place where

- the ``User-Agent`` is chosen (with ``/exporter`` for entity and blueprint writes, which is how
  Port records ownership),
- the client-wide concurrency bound is applied,
- a non-2xx answer becomes ``PortAPIError(method, path, status, body)`` and a network failure
  (after the retry transport gave up) becomes ``PortUnreachableError``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from ocean_runtime.errors import PortAPIError, PortUnreachableError

from .identity import PortIdentity

logger = logging.getLogger(__name__)

QueryParams = Sequence[tuple[str, str]]
MAX_CACHED_URLS = 256


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

    Args:
        http: the client carrying the auth and retry transports, with ``base_url`` set.
        identity: the integration's identity (User-Agent).
        max_concurrency: how many requests this client may have in flight at once. One
            semaphore for the whole client, so concurrent upserts from several kinds share it.
    """

    def __init__(self, http: httpx.AsyncClient, identity: PortIdentity, *, max_concurrency: int) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self.http = http
        self.identity = identity
        self._slots = asyncio.Semaphore(max_concurrency)
        self._urls: dict[tuple[str, tuple[tuple[str, str], ...]], httpx.URL] = {}

    @property
    def base_url(self) -> str:
        return str(self.http.base_url).rstrip("/")

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

        Raises:
            PortAPIError: Port answered with a non-2xx status.
            PortAuthError: the client credentials were refused.
            PortUnreachableError: Port could not be reached, even after retries.
        """
        headers = {"User-Agent": self.identity.user_agent(exporter=exporter)}
        if content is not None:
            headers["Content-Type"] = "application/json"
        extensions = {"retryable": True} if retryable else None
        async with self._slots:
            try:
                response = await self.http.request(
                    method,
                    self._url(path, params),
                    json=json_body,
                    content=content,
                    headers=headers,
                    extensions=extensions,
                )
            except httpx.TransportError as exc:
                raise self._unreachable(exc) from exc
        body = decode_body(response.content)
        if response.is_success:
            return body
        logger.debug(
            "Port answered %s to %s %s (trace id %s): %s",
            response.status_code,
            method,
            response.request.url.path,
            response.headers.get("x-trace-id", "-"),
            body,
        )
        raise PortAPIError(method, response.request.url.path, response.status_code, body)

    def _url(self, path: str, params: QueryParams | None) -> httpx.URL:
        """The full URL of ``path`` with ``params``, built by httpx once per distinct pair.

        A resync sends thousands of requests to a handful of URLs (one bulk path per blueprint,
        the same query flags); parsing and validating each URL again cost more than the rest of
        building the request.
        """
        key = (path, tuple(params) if params else ())
        url = self._urls.get(key)
        if url is None:
            if len(self._urls) >= MAX_CACHED_URLS:
                self._urls.clear()
            url = self._urls[key] = self.http.build_request("GET", path, params=key[1] or None).url
        return url

    def _unreachable(self, exc: httpx.TransportError) -> PortUnreachableError:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return PortUnreachableError(
            f"Could not reach Port at {self.base_url} ({reason}), even after retrying. "
            "Check that it is up and that OCEAN__PORT__BASE_URL points at it "
            "(e.g. https://api.getport.io, https://api.us.getport.io or a local harbor URL)."
        )
