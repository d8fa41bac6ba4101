"""The REST API described in the integration config, checked once and turned into toolkit objects.

The config (``config.yaml`` → ``integration.config``, or ``OCEAN__INTEGRATION__CONFIG__*``)::

    baseUrl: https://api.example.com
    auth: {type: bearer}
    token: "{{ from env EXAMPLE_TOKEN }}"      # secrets are configurations of their own
    rateLimit: {requests: 10, per: 1, concurrency: 4}
    endpoints:
      user:                                   # a kind of the port-app-config
        path: /users
        itemsPath: data                       # where the list is in each answer
        pagination: {type: page, size: 50}    # none | offset | page | cursor | next_url | link_header

A mistake is reported as one ``UserInputError`` naming the key (``endpoints.user.pagination``),
the value and the fix — before anything is fetched.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ocean_runtime import UserInputError, http

CONFIG = "integration config"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AuthConfig(_Model):
    """``auth``: the scheme and where credentials go; the secrets are configurations of their own."""

    type: Literal["none", "bearer", "basic", "apiKey", "oauth2"] = "none"
    header: str = "X-API-Key"
    query: str | None = None
    token_url: str | None = Field(default=None, alias="tokenUrl")
    scope: str | None = None


class Secrets(_Model):
    """The secret configurations (``token``, ``password``, ``clientSecret``…), settable from env."""

    token: str | None = None
    username: str | None = None
    password: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    def require(self, auth_type: str, *names: str) -> list[str]:
        """The values of ``names``; a clear error naming every missing one."""
        missing = [name for name in names if not getattr(self, name)]
        if missing:
            variables = ", ".join(f"OCEAN__INTEGRATION__CONFIG__{name.upper()}" for name in missing)
            raise UserInputError(
                f"auth type {auth_type!r} needs the {', '.join(missing)} configuration",
                location=f"{CONFIG}: auth",
                fix=f"set {variables} (or write {{{{ from env NAME }}}} for it in config.yaml)",
            )
        return [str(getattr(self, name)) for name in names]


def auth_scheme(auth: AuthConfig, secrets: Secrets) -> http.AuthScheme | None:
    """The toolkit auth scheme for ``auth``, or None for ``type: none``."""
    if auth.type == "bearer":
        (token,) = secrets.require("bearer", "token")
        return http.BearerAuth(token)
    if auth.type == "basic":
        username, password = secrets.require("basic", "username", "password")
        return http.BasicAuth(username, password)
    if auth.type == "apiKey":
        (key,) = secrets.require("apiKey", "token")
        return http.ApiKeyAuth(key, header=auth.header, query=auth.query)
    if auth.type == "oauth2":
        client_id, client_secret = secrets.require("oauth2", "client_id", "client_secret")
        if not auth.token_url:
            raise UserInputError(
                "auth type 'oauth2' needs tokenUrl",
                location=f"{CONFIG}: auth",
                fix="add tokenUrl: https://...",
            )
        return http.OAuth2ClientCredentials(auth.token_url, client_id, client_secret, scope=auth.scope)
    return None


class RateLimitConfig(_Model):
    """``rateLimit``: requests per interval and/or concurrency (header budgets are always honoured)."""

    requests: int | None = Field(default=None, ge=1)
    per: float = Field(default=1.0, gt=0, description="seconds")
    concurrency: int | None = Field(default=None, ge=1)


class RetryConfig(_Model):
    """``retry``: attempts per request; ``retryPost`` for APIs whose POST searches are safe to repeat."""

    max_attempts: int = Field(default=5, ge=1, alias="maxAttempts")
    retry_post: bool = Field(default=False, alias="retryPost")


class EndpointConfig(_Model):
    """``endpoints.<kind>``: where the kind's items come from."""

    path: str
    method: Literal["GET", "POST"] = "GET"
    params: dict[str, Any] = Field(default_factory=dict)
    body: dict[str, Any] | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    items_path: str | None = Field(default=None, alias="itemsPath")
    pagination: dict[str, Any] = Field(default_factory=lambda: {"type": "none"})
    updated_since_param: str | None = Field(default=None, alias="updatedSinceParam")
    max_pages: int | None = Field(default=None, ge=1, alias="maxPages")


class ApiConfig(Secrets):
    """The whole integration config."""

    base_url: str
    auth: AuthConfig = Field(default_factory=AuthConfig)
    headers: dict[str, str] = Field(default_factory=dict)
    rate_limit: RateLimitConfig = Field(default_factory=RateLimitConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    endpoints: dict[str, EndpointConfig]

    def endpoint(self, kind: str) -> EndpointConfig:
        """The endpoint of ``kind``; a clear error when the config has none."""
        if kind not in self.endpoints:
            known = ", ".join(sorted(self.endpoints)) or "none"
            raise UserInputError(
                f"the port-app-config has kind {kind!r} but no endpoint is configured for it "
                f"(configured: {known})",
                location=f"{CONFIG}: endpoints",
                fix=f"add endpoints.{kind}: {{path: /...}} or use one of the configured kinds",
            )
        return self.endpoints[kind]

    def auth_scheme(self) -> http.AuthScheme | None:
        """The toolkit auth scheme (None for ``auth.type: none``)."""
        return auth_scheme(self.auth, self)

    def rate_limit_policy(self) -> http.RateLimit:
        """The toolkit ``RateLimit``."""
        limit = self.rate_limit
        return http.RateLimit(requests=limit.requests, per=limit.per, concurrency=limit.concurrency)

    def retry_policy(self) -> http.RetryPolicy:
        """The toolkit ``RetryPolicy``."""
        idempotent = http.RetryPolicy().methods
        methods = idempotent | {"POST"} if self.retry.retry_post else idempotent
        return http.RetryPolicy(max_attempts=self.retry.max_attempts, methods=methods)


def paginator_for(kind: str, endpoint: EndpointConfig) -> http.Paginator:
    """The endpoint's paginator; ``pagination`` options are camelCase in YAML, snake_case here."""
    options = {_snake(str(key)): value for key, value in endpoint.pagination.items() if key != "type"}
    name = str(endpoint.pagination.get("type", "none"))
    try:
        return http.make_paginator(_snake(name), **options)
    except UserInputError as exc:
        raise UserInputError(
            exc.message, location=f"{CONFIG}: endpoints.{kind}.pagination", fix=exc.fix
        ) from None


def load_api_config(values: dict[str, Any]) -> ApiConfig:
    """Validate the integration config (``ocean.integration_config``, snake_case top-level keys).

    Raises:
        UserInputError: naming the first bad key, its value and the fix.
    """
    given = {key: value for key, value in values.items() if value is not None}
    try:
        api = ApiConfig.model_validate(given)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise UserInputError(
            f"{where}: {error['msg']} (got {error.get('input')!r:.80})",
            location=CONFIG,
            fix="see the README of integrations/http for every key",
        ) from None
    for kind, endpoint in api.endpoints.items():
        paginator_for(kind, endpoint)  # fail on a bad paginator now, not mid-resync
    api.auth_scheme()
    return api


def _snake(name: str) -> str:
    out = []
    for char in name:
        if char.isupper():
            out.append("_" + char.lower())
        else:
            out.append(char)
    return "".join(out).lstrip("_")
