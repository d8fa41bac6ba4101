"""The published exception classes (``port_ocean.exceptions.*``), as plain classes.

Integrations raise and catch these by name; the hierarchy keeps the published ``isinstance``
relations (everything is a ``BaseOceanException``). ``OceanAbortException`` is also Ocean's
``AbortRunError``, so a published integration aborting a run aborts it in Ocean too.
"""

from __future__ import annotations

import ocean_runtime


class BaseOceanException(Exception):
    """Base of every published exception."""


class OceanAbortException(BaseOceanException, ocean_runtime.AbortRunError):
    """Stops the run (published: ``exceptions.core.OceanAbortException``; Ocean: ``AbortRunError``)."""


class RawObjectValidationException(OceanAbortException):
    pass


class EntityProcessorException(OceanAbortException):
    pass


class RelationValidationException(OceanAbortException):
    pass


class IntegrationAlreadyStartedException(BaseOceanException):
    pass


class IntegrationNotStartedException(BaseOceanException):
    pass


class BaseContextError(BaseOceanException):
    pass


class EventContextNotFoundError(BaseContextError):
    pass


class ResourceContextNotFoundError(BaseContextError):
    pass


class PortOceanContextNotFoundError(BaseContextError):
    pass


class PortOceanContextAlreadyInitializedError(BaseContextError):
    pass


class EmptyPortAppConfigError(BaseOceanException):
    pass


class ActionExecutionError(ocean_runtime.ActionFailedError):
    """An expected action failure (bad input, the 3rd party refused): the run fails with ``message``.

    Published: a plain ``Exception`` whose ``status_label`` (or the subclass's
    ``DEFAULT_STATUS_LABEL``) labels the failed run. Here it is Ocean's ``ActionFailedError``, so
    the runtime reports it as such, without a traceback.
    """

    DEFAULT_STATUS_LABEL: str | None = None

    def __init__(self, message: str, status_label: str | None = None) -> None:
        super().__init__(message, status_label=status_label or self.DEFAULT_STATUS_LABEL)


class DuplicateActionExecutorError(BaseOceanException):
    pass


class RunAlreadyAcknowledgedError(BaseOceanException):
    pass


class FailedToReadCacheError(BaseOceanException):
    pass


class FailedToWriteCacheError(BaseOceanException):
    pass


class RetryableError(BaseOceanException, ocean_runtime.RetryableError):
    """Published ``exceptions.webhook_processor.RetryableError``: webhook processing is retried."""


class KindNotImplementedException(BaseOceanException):
    def __init__(self, kind: str, available_kinds: list[str]) -> None:
        super().__init__(f"Kind {kind} is not implemented. Available kinds: {available_kinds}")
