"""The public API of ``ocean_runtime`` is exactly what integrations may import: pinned here."""

from __future__ import annotations

import inspect

import ocean_runtime
import ocean_runtime.testing

EXPECTED = [
    "AbortRunError",
    "ActionExecutor",
    "ActionFailedError",
    "ActionRun",
    "EntityMapping",
    "OceanError",
    "PaginationError",
    "PortAPIError",
    "PortAppConfig",
    "PortAuthError",
    "PortResourceConfig",
    "PortUnreachableError",
    "RequestRefusedError",
    "ResourceConfig",
    "RetryableError",
    "Selector",
    "SkipRecordError",
    "ThirdPartyAPIError",
    "UserInputError",
    "WebhookEvent",
    "WebhookEventRawResults",
    "WebhookProcessor",
    "event",
    "http",
    "ocean",
    "updated_since",
    "verify_github_signature",
    "verify_gitlab_token",
    "verify_hmac_sha256",
    "verify_shared_token",
]

HTTP_TOOLKIT = [
    "PAGINATORS",
    "ApiKeyAuth",
    "AuthScheme",
    "AuthTransport",
    "BasicAuth",
    "Batch",
    "BearerAuth",
    "Clock",
    "CursorPaginator",
    "HttpOverride",
    "LinkHeaderPaginator",
    "NextUrlPaginator",
    "OAuth2ClientCredentials",
    "OffsetPaginator",
    "Page",
    "PageNumberPaginator",
    "PageRequest",
    "Paginator",
    "RateLimit",
    "RateLimitTransport",
    "RetryPolicy",
    "RetryTransport",
    "SinglePage",
    "SystemClock",
    "cache_per_resync",
    "clear_resync_cache",
    "client",
    "current_override",
    "get_path",
    "make_paginator",
    "paginate",
    "parse_retry_after",
    "register_paginator",
    "use_http",
]


def test_all_is_pinned() -> None:
    assert sorted(ocean_runtime.__all__) == EXPECTED


def test_every_public_name_exists_and_is_documented() -> None:
    for name in ocean_runtime.__all__:
        member = getattr(ocean_runtime, name)
        documented = inspect.getdoc(member if inspect.isclass(member) else type(member))
        assert documented, f"ocean_runtime.{name} has no docstring"


def test_the_test_kit_is_pinned() -> None:
    assert sorted(ocean_runtime.testing.__all__) == [
        "ActionRunError",
        "ActionsIntegration",
        "Catalog",
        "FakeAPI",
        "FakeClock",
        "LiveIntegration",
        "ResyncFailedError",
        "UnmatchedRequestError",
        "actions_integration",
        "live_integration",
        "resync",
        "resync_async",
    ]


def test_the_http_toolkit_is_pinned() -> None:
    assert sorted(ocean_runtime.http.__all__) == sorted(HTTP_TOOLKIT)
    for name in ocean_runtime.http.__all__:
        assert inspect.getdoc(getattr(ocean_runtime.http, name)) or name == "PAGINATORS", name


def test_the_authors_api_members() -> None:
    # What an integration's main.py uses (DESIGN.md, "The integration author's API").
    members = ("on_start", "on_resync", "add_webhook_processor", "integration_config")
    actions = ("on_action", "add_action_executor", "action_runs", "register_raw", "unregister_raw")
    for member in (*members, *actions):
        assert hasattr(type(ocean_runtime.ocean), member)
    assert hasattr(type(ocean_runtime.event), "resource_config")
