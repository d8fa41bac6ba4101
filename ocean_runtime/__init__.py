"""Ocean: build integrations that keep a Port catalog in sync with the tools you run.

What an integration imports::

    from ocean_runtime import ocean, event

    @ocean.on_resync("repository")
    async def repositories(kind: str):
        yield [{"id": 1, "name": "ocean"}]

Everything public is listed in ``__all__`` (a test pins it); other modules are internal.
"""

from ocean_runtime import http
from ocean_runtime.actions import ActionExecutor, ActionFailedError, ActionRun
from ocean_runtime.context import event, ocean
from ocean_runtime.errors import (
    AbortRunError,
    OceanError,
    PaginationError,
    PortAPIError,
    PortAuthError,
    PortUnreachableError,
    RequestRefusedError,
    RetryableError,
    SkipRecordError,
    ThirdPartyAPIError,
    UserInputError,
)
from ocean_runtime.incremental import updated_since
from ocean_runtime.mapping import (
    EntityMapping,
    PortAppConfig,
    PortResourceConfig,
    ResourceConfig,
    Selector,
)
from ocean_runtime.webhooks import (
    WebhookEvent,
    WebhookEventRawResults,
    WebhookProcessor,
    verify_github_signature,
    verify_gitlab_token,
    verify_hmac_sha256,
    verify_shared_token,
)

__all__ = [
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
