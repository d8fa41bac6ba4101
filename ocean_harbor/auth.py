"""Client-credentials auth as Port does it: ``POST /v1/auth/access_token`` → an expiring bearer token.

Tokens are HS256 JWTs signed with a key derived from the client secret, carrying ``exp`` and
``isMachine: true`` (the published client decodes the token to decide whether it is a machine
user). They are stateless, so they stay valid across a restart of the same harbor and across
several harbor processes serving one database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ocean_harbor.errors import error_response, read_object

TOKEN_PATH = "/v1/auth/access_token"
DEFAULT_TOKEN_TTL_SECONDS = 3 * 60 * 60  # what Port hands out
MAX_VERIFIED_TOKENS = 1024  # remembered valid tokens (see TokenIssuer.check)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenIssuer:
    """Issues and checks the harbor's access tokens.

    Args:
        client_id: the accepted client id.
        client_secret: the accepted client secret (also keys the signature).
        ttl_seconds: how long a token stays valid.
        clock: returns the current Unix time; tests pass their own to reach expiry without waiting.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self._key = hashlib.sha256(f"ocean-harbor:{client_id}:{client_secret}".encode()).digest()
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        # Expiry of tokens whose signature checked out: clients send the same token on every
        # request, and verifying it each time (HMAC, base64, JSON) was a visible share of a bulk
        # upsert's cost. Bounded: cleared when full.
        self._verified: dict[str, int] = {}

    def credentials_match(self, client_id: Any, client_secret: Any) -> bool:
        """True when the pair is the accepted one (compared in constant time)."""
        if not isinstance(client_id, str) or not isinstance(client_secret, str):
            return False
        return hmac.compare_digest(client_id, self.client_id) & hmac.compare_digest(
            client_secret, self._client_secret
        )

    def issue(self) -> str:
        """A new signed token valid for ``ttl_seconds``."""
        now = int(self._clock())
        header = {"alg": "HS256", "typ": "JWT"}
        payload = {"sub": self.client_id, "iat": now, "exp": now + self.ttl_seconds, "isMachine": True}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
        signature = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(signature)}"

    def check(self, token: str) -> str | None:
        """Returns why ``token`` is refused, or None when it is valid."""
        expiry = self._verified.get(token)
        if expiry is None:
            refusal, expiry = self._verify(token)
            if refusal is not None or expiry is None:
                return refusal
            if len(self._verified) >= MAX_VERIFIED_TOKENS:
                self._verified.clear()
            self._verified[token] = expiry
        if expiry <= self._clock():
            return "The access token has expired; request a new one from POST /v1/auth/access_token."
        return None

    def _verify(self, token: str) -> tuple[str | None, int | None]:
        """(why the token is refused, None) or (None, its expiry)."""
        parts = token.split(".")
        if len(parts) != 3:
            return "The access token is malformed.", None
        expected = hmac.new(self._key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(expected, _unb64(parts[2])):
                return "The access token signature is invalid.", None
            payload = json.loads(_unb64(parts[1]))
        except (ValueError, json.JSONDecodeError):
            return "The access token is malformed.", None
        if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
            return "The access token is malformed.", None
        return None, payload["exp"]


def token_route(issuer: TokenIssuer) -> Route:
    """The ``POST /v1/auth/access_token`` route."""

    async def access_token(request: Request) -> Response:
        body = await read_object(request)
        if not issuer.credentials_match(body.get("clientId"), body.get("clientSecret")):
            return error_response(
                401,
                "unauthorized",
                "The client id or client secret is wrong (body keys clientId, clientSecret).",
            )
        return JSONResponse(
            {
                "ok": True,
                "accessToken": issuer.issue(),
                "expiresIn": issuer.ttl_seconds,
                "tokenType": "Bearer",
            }
        )

    return Route(TOKEN_PATH, access_token, methods=["POST"])


PROTECTED_PREFIXES = ("/v1/", "/ingest/")


class BearerAuthMiddleware:
    """Refuses every API request — ``/v1`` except the token request, and the ``/ingest`` URLs
    integrations ship logs and metrics to — without a valid bearer token."""

    def __init__(self, app: ASGIApp, issuer: TokenIssuer) -> None:
        self.app = app
        self.issuer = issuer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PROTECTED_PREFIXES) or path == TOKEN_PATH:
            await self.app(scope, receive, send)
            return
        reason = self._refusal(scope)
        if reason is None:
            await self.app(scope, receive, send)
            return
        response = error_response(401, "unauthorized", reason, headers={"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)

    def _refusal(self, scope: Scope) -> str | None:
        headers = dict(scope.get("headers") or [])
        value = headers.get(b"authorization", b"").decode("latin-1").strip()
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return (
                "Missing bearer token: send 'Authorization: Bearer <accessToken>' "
                "(from POST /v1/auth/access_token)."
            )
        return self.issuer.check(token.strip())
