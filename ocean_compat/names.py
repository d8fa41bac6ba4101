"""Every ``port_ocean`` module and name the layer provides, and where each comes from.

One table, so what the layer offers is visible in one place (and tests pin it against what the
published integrations import). A module maps its public names to ``"module:attribute"`` of this
package; ``None`` means "a submodule": the finder creates every parent package itself.
"""

from __future__ import annotations

from typing import Final

C = "ocean_compat.context"
EV = "ocean_compat.event"
INC = "ocean_compat.incremental"
M = "ocean_compat.models"
W = "ocean_compat.webhooks"
E = "ocean_compat.exceptions"
H = "ocean_compat.http"
U = "ocean_compat.utils"
I = "ocean_compat.integration"  # noqa: E741
X = "ocean_compat.extras"
CM = "ocean_compat.core_models"
R = "ocean_compat.runs"
A = "ocean_compat.actions"
EP = "ocean_compat.entity_processor"
T = "ocean_compat.testing"

_MODELS = [
    "PortAppConfig",
    "ResourceConfig",
    "Selector",
    "PortResourceConfig",
    "EntityMapping",
    "MappingsConfig",
    "IngestSearchQuery",
    "Rule",
    "CUSTOM_KIND",
]
_WEBHOOK_EVENT = [
    "WebhookEvent",
    "EventPayload",
    "EventHeaders",
    "WebhookOriginalRequest",
    "LiveEventTimestamp",
]
_EXCEPTIONS = [
    "BaseOceanException",
    "OceanAbortException",
    "EventContextNotFoundError",
    "PortOceanContextAlreadyInitializedError",
    "PortOceanContextNotFoundError",
    "EmptyPortAppConfigError",
    "ActionExecutionError",
    "FailedToReadCacheError",
    "FailedToWriteCacheError",
    "RetryableError",
    "ResourceContextNotFoundError",
    "KindNotImplementedException",
    "RawObjectValidationException",
    "EntityProcessorException",
    "RelationValidationException",
    "IntegrationAlreadyStartedException",
    "IntegrationNotStartedException",
    "BaseContextError",
]
_CORE_MODELS = ["Entity", "IntegrationFeatureFlag", "EventListenerType"]
_RUN_MODELS = [
    "IntegrationRun",
    "ActionRun",
    "RunKind",
    "RunStatus",
    "ActionRunStatus",
    "WorkflowNodeRun",
    "WorkflowNodeRunLog",
    "WorkflowNodeRunStatus",
    "WorkflowNodeRunResult",
    "IntegrationActionInvocationPayload",
    "WorkflowIntegrationActionConfig",
]


_OCEAN = {"ocean": f"{C}:ocean"}


def _from(module: str, names: list[str]) -> dict[str, str]:
    return {name: f"{module}:{name}" for name in names}


MODULES: Final[dict[str, dict[str, str]]] = {
    "port_ocean": {"run": f"{I}:run", "Ocean": f"{I}:BaseIntegration"},
    "port_ocean.version": {"__integration_version__": f"{X}:__integration_version__"},
    "port_ocean.context.ocean": _from(C, ["ocean", "PortOceanContext", "initialize_port_ocean_context"]),
    "port_ocean.context.event": _from(
        EV, ["event", "event_context", "EventContext", "EventType", "_get_event_context"]
    )
    | {"_event_context_stack": f"{EV}:_event_context_stack"},
    "port_ocean.context.resource": _from(EV, ["resource_context"]),
    "port_ocean.core.handlers.port_app_config.models": _from(M, _MODELS),
    "port_ocean.core.handlers.port_app_config.api": _from(I, ["APIPortAppConfig"]),
    "port_ocean.core.handlers.port_app_config.validators": {
        "validate_and_get_config_schema": f"{I}:validate_and_get_config_schema"
    },
    "port_ocean.core.handlers": _from(I, ["APIPortAppConfig"]) | _from(EP, ["JQEntityProcessor"]),
    "port_ocean.core.handlers.entity_processor": _from(EP, ["JQEntityProcessor"]),
    "port_ocean.core.handlers.entity_processor.jq_entity_processor": _from(EP, ["JQEntityProcessor"]),
    "port_ocean.core.handlers.entity_processor.jq_entity_processor_sync": _from(
        EP, ["JQEntityProcessorSync"]
    ),
    "port_ocean.core.handlers.webhook.abstract_webhook_processor": _from(
        W, ["AbstractWebhookProcessor", "WebhookProcessorType"]
    )
    | _from(W, _WEBHOOK_EVENT),
    "port_ocean.core.handlers.webhook.webhook_event": _from(W, _WEBHOOK_EVENT)
    | {"WebhookEventRawResults": "ocean_runtime:WebhookEventRawResults"},
    "port_ocean.core.handlers.webhook.processor_manager": _from(W, ["LiveEventsProcessorManager"]),
    "port_ocean.core.handlers.webhook.config_change_processor": _from(
        W, ["BaseConfigChangeWebhookProcessor"]
    ),
    "port_ocean.core.handlers.actions.abstract_executor": _from(A, ["AbstractExecutor"]),
    "port_ocean.core.handlers.actions": _from(A, ["AbstractExecutor"]),
    "port_ocean.core.handlers.queue": _from(U, ["GroupQueue"]),
    "port_ocean.core.integrations.base": _from(I, ["BaseIntegration"]),
    "port_ocean.core.integrations.mixins.handler": _from(I, ["HandlerMixin"]),
    "port_ocean.core.models": _from(CM, _CORE_MODELS) | _from(R, _RUN_MODELS),
    "port_ocean.core.ocean_types": _from(
        CM,
        [
            "ASYNC_GENERATOR_RESYNC_TYPE",
            "RAW_ITEM",
            "RAW_RESULT",
            "RESYNC_RESULT",
            "RESYNC_EVENT_LISTENER",
            "START_EVENT_LISTENER",
        ],
    ),
    "port_ocean.core.utils.included_files": _from(
        X, ["repo_branch_matches", "resolve_included_file_path", "RepoBranchMappingLike"]
    ),
    "port_ocean.core.incremental.cursor_context": _from(
        INC, ["active_incremental_cursor", "with_active_incremental_cursor"]
    ),
    "port_ocean.core.incremental.strategies": _from(
        INC,
        [
            "IncrementalStrategy",
            "ServerSideTimestampStrategy",
            "ClientSideCutoffStrategy",
            "paginate_with_strategy",
        ],
    ),
    "port_ocean.exceptions.base": _from(E, ["BaseOceanException"]),
    "port_ocean.exceptions.core": _from(E, _EXCEPTIONS),
    "port_ocean.exceptions.context": _from(E, _EXCEPTIONS),
    "port_ocean.exceptions.api": _from(E, ["EmptyPortAppConfigError"]),
    "port_ocean.exceptions.execution_manager": _from(
        E, ["ActionExecutionError", "DuplicateActionExecutorError", "RunAlreadyAcknowledgedError"]
    ),
    "port_ocean.exceptions.webhook_processor": _from(E, ["RetryableError"]),
    "port_ocean.cache.errors": _from(E, ["FailedToReadCacheError", "FailedToWriteCacheError"]),
    "port_ocean.clients.auth.oauth_client": _from(U, ["OAuthClient"]),
    "port_ocean.clients.port.types": {
        "UserAgentType": f"{X}:UserAgentType",
        "RequestOptions": "builtins:dict",
    },
    # Names the published modules import and tests patch (``patch("port_ocean.helpers.async_client.ocean")``).
    "port_ocean.helpers.async_client": _from(H, ["OceanAsyncClient", "StreamingClientWrapper"]) | _OCEAN,
    "port_ocean.helpers.retry": _from(H, ["RetryConfig", "RetryTransport", "register_retry_config_callback"])
    | {"asyncio": "asyncio:"},
    "port_ocean.utils": _from(H, ["http_async_client"]) | _from(U, ["get_time"]),
    "port_ocean.utils.async_http": _from(H, ["http_async_client", "OceanAsyncClient"]) | _OCEAN,
    "port_ocean.utils.cache": _from(U, ["cache_iterator_result", "cache_coroutine_result", "hash_func"])
    | _OCEAN,
    "port_ocean.utils.async_iterators": _from(
        U, ["stream_async_iterators_tasks", "semaphore_async_iterator", "stream_independent_async_iterators"]
    ),
    "port_ocean.utils.signal": _from(U, ["signal_handler", "SignalHandler"]),
    "port_ocean.utils.relative_time": _from(U, ["days_ago", "months_ago", "to_rfc3339"]),
    "port_ocean.utils.misc": _from(U, ["get_time", "generate_uuid"]),
    "port_ocean.utils.queue_utils": _from(U, ["process_in_queue"]),
    "port_ocean.log.sensetive": _from(U, ["sensitive_log_filter"]),
    "port_ocean.integration_testing": _from(
        T, ["InterceptTransport", "BaseIntegrationTest", "IntegrationTestHarness", "ResyncResult"]
    ),
    "port_ocean.integration_testing.harness": _from(T, ["ResyncResult", "IntegrationTestHarness"]),
    "port_ocean.tests.helpers.fixtures": _from(
        T, ["get_mocked_ocean_app", "get_mock_ocean_resource_configs"]
    ),
    "port_ocean.tests.helpers.ocean_app": _from(
        T, ["get_integration_ocean_app", "get_raw_result_on_integration_sync_resource_config"]
    ),
    "port_ocean.tests.helpers.smoke_test": _from(T, ["SmokeTestDetails"]),
}


def packages() -> set[str]:
    """Every module that has submodules (they get a ``__path__``)."""
    found: set[str] = set()
    for module in MODULES:
        parts = module.split(".")
        found.update(".".join(parts[:index]) for index in range(1, len(parts)))
    return found
