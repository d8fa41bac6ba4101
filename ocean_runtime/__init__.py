"""Ocean: build integrations that keep a Port catalog in sync with the tools you run.

What an integration imports::

    from ocean_runtime import ocean, event

    @ocean.on_resync("repository")
    async def repositories(kind: str):
        yield [{"id": 1, "name": "ocean"}]

Everything public is listed in ``__all__`` (a test pins it); other modules are internal.
"""

from ocean_runtime.context import event, ocean
from ocean_runtime.errors import (
    AbortRunError,
    OceanError,
    PortAPIError,
    PortAuthError,
    PortUnreachableError,
    RetryableError,
    SkipRecordError,
    UserInputError,
)
from ocean_runtime.mapping import (
    EntityMapping,
    PortAppConfig,
    PortResourceConfig,
    ResourceConfig,
    Selector,
)

__all__ = [
    "AbortRunError",
    "EntityMapping",
    "OceanError",
    "PortAPIError",
    "PortAppConfig",
    "PortAuthError",
    "PortResourceConfig",
    "PortUnreachableError",
    "ResourceConfig",
    "RetryableError",
    "Selector",
    "SkipRecordError",
    "UserInputError",
    "event",
    "ocean",
]
