"""Token authentication transport: every Port request carries a fresh access token.

``POST /v1/auth/access_token {clientId, clientSecret}`` answers ``{accessToken, expiresIn,
tokenType}``. The token is cached until shortly before it expires, refreshed when it does, and
refreshed once more if Port answers 401 to a request (it may have been revoked early). Port
rejects a 401 before acting, so resending that request once is safe whatever its method.

Bad credentials fail at once with ``PortAuthError``: the reference retries a 401 from the token
endpoint for about five minutes, which only delays the one message the user needs.
The secret and the tokens are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx

from ocean_runtime.errors import PortAPIError, PortAuthError

from .retry import Clock
from .session import decode_body

logger = logging.getLogger(__name__)

TOKEN_PATH = "/v1/auth/access_token"
# Used when Port's answer omits ``expiresIn``: short, so a wrong guess costs one extra request.
DEFAULT_EXPIRES_IN = 300.0
# Refresh this long before the announced expiry (but at most a tenth of the lifetime) so a
# request never leaves with a token that dies on the way.
MAX_SAFETY_MARGIN = 60.0


@dataclass(frozen=True)
class AccessToken:
    """A cached token and the (clock) time after which it must not be used."""

    header: str
    expires_at: float


class TokenAuthTransport(httpx.AsyncBaseTransport):
    """Adds ``Authorization`` to every request, fetching and caching Port's token.

    Args:
        inner: the transport requests go through (normally the retry transport, so the token
            request itself is retried on 429/5xx/network errors).
        token_url: absolute URL of ``/v1/auth/access_token``.
        client_id: Port client id.
        client_secret: Port client secret.
        user_agent: ``User-Agent`` of the token request.
        clock: monotonic seconds, injected by tests to expire tokens without waiting.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        user_agent: str,
        clock: Clock = time.monotonic,
    ) -> None:
        self._inner = inner
        self._token_url = httpx.URL(token_url)
        self._credentials = {"clientId": client_id, "clientSecret": client_secret}
        self._user_agent = user_agent
        self._clock = clock
        self._token: AccessToken | None = None
        self._refused: str | None = None
        self._lock = asyncio.Lock()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # The path first: a cheap string test settles it for every request but the token's.
        if request.url.path == self._token_url.path and request.url.copy_with(query=None) == self._token_url:
            return await self._inner.handle_async_request(request)
        await request.aread()  # the body may be sent twice (after a 401)
        token = await self._current_token()
        request.headers["Authorization"] = token.header
        response = await self._inner.handle_async_request(request)
        if response.status_code != 401:
            return response
        await response.aclose()
        logger.info(
            "Port answered 401 to %s %s; refreshing the access token", request.method, request.url.path
        )
        token = await self._current_token(stale=token)
        request.headers["Authorization"] = token.header
        return await self._inner.handle_async_request(request)

    async def _current_token(self, *, stale: AccessToken | None = None) -> AccessToken:
        """The cached token, or a new one if there is none, it expired, or it is ``stale``."""
        async with self._lock:
            if self._refused is not None:
                # Credentials do not mend themselves: requests that were waiting for the token
                # fail with the same error instead of asking Port again.
                raise PortAuthError(self._refused)
            # Concurrent requests that all got a 401 for the same token refresh it only once.
            token = self._token
            if token is None or token is stale or self._clock() >= token.expires_at:
                self._token = token = await self._fetch_token()
            return token

    async def _fetch_token(self) -> AccessToken:
        request = httpx.Request(
            "POST",
            self._token_url,
            json=self._credentials,
            headers={"User-Agent": self._user_agent},
            extensions={"retryable": True},
        )
        requested_at = self._clock()
        response = await self._inner.handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        body = decode_body(response.content)
        if response.status_code in (401, 403):
            self._refused = _refused_message(self._token_url, response.status_code, body)
            raise PortAuthError(self._refused)
        if not response.is_success:
            raise PortAPIError("POST", TOKEN_PATH, response.status_code, body)
        return _token_from_answer(body, requested_at)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _token_from_answer(body: Any, requested_at: float) -> AccessToken:
    if not isinstance(body, dict) or not isinstance(body.get("accessToken"), str):
        shape = sorted(body) if isinstance(body, dict) else type(body).__name__
        raise PortAPIError(
            "POST",
            TOKEN_PATH,
            200,
            {"message": f"the token answer has no 'accessToken' (got {shape}); is the base URL a Port API?"},
        )
    lifetime = float(body.get("expiresIn") or DEFAULT_EXPIRES_IN)
    margin = min(MAX_SAFETY_MARGIN, lifetime / 10)
    token_type = body.get("tokenType") or "Bearer"
    return AccessToken(
        header=f"{token_type} {body['accessToken']}", expires_at=requested_at + lifetime - margin
    )


def _refused_message(token_url: httpx.URL, status: int, body: Any) -> str:
    detail = body.get("message") or body.get("error") if isinstance(body, dict) else body
    origin = f"{token_url.scheme}://{token_url.netloc.decode()}"
    return (
        f"Port at {origin} refused the client credentials ({status}: {detail or 'no detail'}). "
        "Check OCEAN__PORT__CLIENT_ID and OCEAN__PORT__CLIENT_SECRET (they must be a pair from "
        "the same Port organization) and that OCEAN__PORT__BASE_URL is that organization's API."
    )
