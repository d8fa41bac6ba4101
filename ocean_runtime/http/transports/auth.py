"""Auth schemes for 3rd-party APIs, applied by one transport.

A scheme puts credentials on a request (``apply``); a scheme whose credentials expire
(OAuth2 client credentials) can also ``refresh`` them, and the transport does so once when the
API answers 401. Token requests go through the inner transports, so they are retried and
rate-limited like any other request — and answered by a test's mock transport.

Secrets and tokens are never logged; ``repr`` of a scheme hides them.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from ocean_runtime.errors import UserInputError

logger = logging.getLogger(__name__)

Send = Callable[[httpx.Request], Awaitable[httpx.Response]]
Clock = Callable[[], float]


class AuthScheme:
    """Base class: how one API wants its credentials. Subclasses override ``apply``."""

    refreshable = False

    async def apply(self, request: httpx.Request, send: Send) -> None:
        """Add credentials to ``request`` (``send`` reaches the API, for token requests)."""
        raise NotImplementedError

    async def refresh(self, used: str | None) -> None:
        """Forget the cached credentials ``used`` (the refused header) so ``apply`` gets new ones."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(***)"


class BearerAuth(AuthScheme):
    """``Authorization: Bearer <token>`` (GitHub, GitLab, most SaaS personal tokens)."""

    def __init__(self, token: str, *, prefix: str = "Bearer") -> None:
        self._header = f"{prefix} {token}" if prefix else token

    async def apply(self, request: httpx.Request, send: Send) -> None:
        request.headers["Authorization"] = self._header


class BasicAuth(AuthScheme):
    """``Authorization: Basic base64(user:password)`` (Jira Cloud email + API token)."""

    def __init__(self, username: str, password: str) -> None:
        raw = f"{username}:{password}".encode()
        self._header = "Basic " + base64.b64encode(raw).decode("ascii")

    async def apply(self, request: httpx.Request, send: Send) -> None:
        request.headers["Authorization"] = self._header


class ApiKeyAuth(AuthScheme):
    """An API key in a header (default ``X-API-Key``) or, with ``query=``, a query parameter.

    Args:
        key: the API key.
        header: the header name (ignored when ``query`` is given).
        query: the query parameter name, for APIs that take ``?api_key=…``.
    """

    def __init__(self, key: str, *, header: str = "X-API-Key", query: str | None = None) -> None:
        self._key = key
        self._header = header
        self._query = query

    async def apply(self, request: httpx.Request, send: Send) -> None:
        if self._query is None:
            request.headers[self._header] = self._key
            return
        request.url = request.url.copy_merge_params({self._query: self._key})


@dataclass(frozen=True)
class _Token:
    header: str
    expires_at: float


class OAuth2ClientCredentials(AuthScheme):
    """OAuth2 client-credentials grant: fetch a token, cache it until it expires, refresh on 401.

    Args:
        token_url: the token endpoint (absolute URL).
        client_id: the client id.
        client_secret: the client secret.
        scope: requested scopes, space-separated.
        extra: more form fields some providers need (``audience``, ``resource``).
        basic: send the credentials as HTTP Basic (RFC 6749's preferred way) rather than in the
            form body.
        clock: monotonic seconds, for expiry.
    """

    refreshable = True
    # Refresh this long before the announced expiry, so no request leaves with a dying token.
    SAFETY_MARGIN = 30.0
    DEFAULT_EXPIRES_IN = 300.0

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        extra: dict[str, str] | None = None,
        basic: bool = False,
        clock: Clock = time.monotonic,
    ) -> None:
        self._token_url = httpx.URL(token_url)
        self._client_id = client_id
        self._client_secret = client_secret
        self._form = {"grant_type": "client_credentials", **(extra or {})}
        if scope:
            self._form["scope"] = scope
        self._basic = basic
        self._clock = clock
        self._token: _Token | None = None
        self._lock = asyncio.Lock()

    async def apply(self, request: httpx.Request, send: Send) -> None:
        async with self._lock:  # concurrent requests share one token fetch
            if self._token is None or self._clock() >= self._token.expires_at:
                self._token = await self._fetch(send)
            request.headers["Authorization"] = self._token.header

    async def refresh(self, used: str | None) -> None:
        async with self._lock:
            # Concurrent requests refused with the same token drop it once, not once each.
            if self._token is not None and self._token.header == used:
                self._token = None

    async def _fetch(self, send: Send) -> _Token:
        form = dict(self._form)
        headers = {"Accept": "application/json"}
        if self._basic:
            raw = f"{self._client_id}:{self._client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
        else:
            form.update(client_id=self._client_id, client_secret=self._client_secret)
        request = httpx.Request(
            "POST", self._token_url, data=form, headers=headers, extensions={"retryable": True}
        )
        requested_at = self._clock()
        response = await send(request)
        await response.aread()
        if not response.is_success:
            raise UserInputError(
                f"the OAuth2 token endpoint {self._token_url} answered {response.status_code}: "
                f"{_detail(response)}",
                location="auth (OAuth2 client credentials)",
                fix="check the client id, client secret, scope and token URL",
            )
        return self._token_from(_json(response), requested_at)

    def _token_from(self, body: Any, requested_at: float) -> _Token:
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise UserInputError(
                f"the OAuth2 token endpoint {self._token_url} answered without an access_token",
                location="auth (OAuth2 client credentials)",
                fix="check that the token URL is the provider's client-credentials endpoint",
            )
        lifetime = float(body.get("expires_in") or self.DEFAULT_EXPIRES_IN)
        token_type = str(body.get("token_type") or "Bearer")
        # Some providers answer "bearer"; RFC 6750 spells the scheme "Bearer".
        scheme = "Bearer" if token_type.lower() == "bearer" else token_type
        margin = min(self.SAFETY_MARGIN, lifetime / 10)
        return _Token(f"{scheme} {body['access_token']}", requested_at + lifetime - margin)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _detail(response: httpx.Response) -> str:
    body = _json(response)
    if isinstance(body, dict):
        return str(body.get("error_description") or body.get("error") or body.get("message") or body)
    return response.text[:200] or "no detail"


class AuthTransport(httpx.AsyncBaseTransport):
    """Applies ``scheme`` to every request; on 401, refreshes once and resends.

    Args:
        inner: the transports below (retry, rate limit, network).
        scheme: the API's auth scheme.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, scheme: AuthScheme) -> None:
        self._inner = inner
        self.scheme = scheme

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.scheme.refreshable:
            await request.aread()  # the body may be sent twice
        await self.scheme.apply(request, self._inner.handle_async_request)
        response = await self._inner.handle_async_request(request)
        if response.status_code != 401 or not self.scheme.refreshable:
            return response
        await response.aclose()
        logger.info("%s answered 401 to %s; refreshing the credentials", request.url.host, request.url.path)
        await self.scheme.refresh(request.headers.get("Authorization"))
        await self.scheme.apply(request, self._inner.handle_async_request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
