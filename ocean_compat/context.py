"""``ocean`` and ``event`` as the published framework names them (``port_ocean.context``).

``ocean`` (a ``PortOceanContext``) answers from Ocean's active application: the integration's
validated configuration, its decorators, its settings. Like the published framework, it can also
be bound to an application object of the integration's own tests with
``initialize_port_ocean_context(app)`` — then every attribute reads that object (their unit tests
pass a stand-in with ``config.integration.config``), and the runtime is not involved.

``event`` answers from Ocean's current event scope, translated to the published models: inside a
handler ``event.resource_config`` is the integration's own (pydantic v1) resource config with its
custom selector, ``event.port_app_config`` its own config class. ``event_context(...)`` opens an
explicit event (what their tests and a few integrations do) that wins over the runtime's scope.
"""

from __future__ import annotations

import logging
import uuid
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

import ocean_runtime
from ocean_runtime.app import OceanApp

from . import exceptions
from .models import PortAppConfig, ResourceConfig
from .runtime_view import RuntimeAppView, native_config, native_resource

logger = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


class PortOceanContext:
    """The published ``PortOceanContext``: ``ocean.<attribute>`` (see the module docstring)."""

    def __init__(self, app: Any = None) -> None:
        self._app = app

    # -- which application ---------------------------------------------------------------------

    @property
    def initialized(self) -> bool:
        """True when bound to a test's app or when Ocean runs an integration."""
        return self._app is not None or _runtime_app() is not None

    @property
    def app(self) -> Any:
        """The published ``Ocean`` app: the bound one, or a view of Ocean's running app."""
        if self._app is not None:
            return self._app
        runtime = _runtime_app()
        if runtime is None:
            raise exceptions.PortOceanContextNotFoundError(
                "You must first initialize PortOcean in order to use it (run the integration with "
                "`ocean sail DIR`, or call initialize_port_ocean_context(app) in a test)"
            )
        return RuntimeAppView.of(runtime)

    @property
    def config(self) -> Any:
        """``ocean.config``: ``integration.identifier``, ``event_listener.type``, ``client_timeout``…"""
        return self.app.config

    @property
    def integration_config(self) -> dict[str, Any]:
        """The integration's configuration values (snake_case keys, spec defaults applied)."""
        if self._app is not None:
            value = self._app.config.integration.config
            return dict(value.model_dump(mode="json")) if hasattr(value, "model_dump") else value
        return (
            ocean_runtime.ocean.integration_config if _runtime_app() else self.app.config.integration.config
        )

    @property
    def event_listener_type(self) -> Any:
        """``ONCE``, ``POLLING``, ``WEBHOOKS_ONLY``, ``KAFKA``…"""
        return self.app.config.event_listener.type

    @property
    def port_client(self) -> Any:
        """The published Port client's calls integrations make (see ``RuntimeAppView.port_client``)."""
        return self.app.port_client

    @property
    def router(self) -> Any:
        """A FastAPI-style router; Ocean serves webhook processors instead (see ``runtime_view``)."""
        return self.app.integration_router

    @property
    def integration(self) -> Any:
        """The ``BaseIntegration`` instance (``port_app_config_handler``, ``entity_processor``)."""
        return self.app.integration

    @property
    def metrics(self) -> Any:
        return self.app.metrics

    # -- decorators ------------------------------------------------------------------------------

    def on_resync(self, kind: str | None = None) -> Callable[[F], F]:
        """Register a resync handler on Ocean's app (returns the function unchanged)."""
        if self._app is not None:
            return _recorded(lambda f: self._app.integration.on_resync(f, kind))
        return ocean_runtime.ocean.on_resync(kind)

    def on_start(self) -> Callable[[F], F]:
        """Register a start-up handler on Ocean's app."""
        if self._app is not None:
            return _recorded(lambda f: self._app.integration.on_start(f))
        return ocean_runtime.ocean.on_start()

    def on_resync_start(self) -> Callable[[F], F]:
        """Run before every resync (Ocean: before the first handler of each run)."""
        return self._lifecycle_hook("on_resync_start")

    def on_resync_complete(self) -> Callable[[F], F]:
        """Recorded; Ocean does not call it yet (documented in the layer's README)."""
        return self._lifecycle_hook("on_resync_complete")

    def on_incremental_resync(self, kind: str | None = None) -> Callable[[F], F]:
        return self.on_resync(kind)

    def on_probe(self) -> Callable[[F], F]:
        return self._lifecycle_hook("on_probe")

    def _lifecycle_hook(self, name: str) -> Callable[[F], F]:
        def record(function: F) -> F:
            runtime = _runtime_app()
            if runtime is not None:
                RuntimeAppView.of(runtime).lifecycle_hooks.setdefault(name, []).append(function)
            return function

        return record

    def add_webhook_processor(self, path: str, processor: type) -> None:
        """Register a published ``AbstractWebhookProcessor`` subclass for ``POST /integration{path}``."""
        if self._app is not None:
            self._app.integration.add_webhook_processor(path, processor)
            return
        from .webhooks import runtime_processor

        ocean_runtime.ocean.add_webhook_processor(path, runtime_processor(processor))

    def register_action_executor(self, executor: Any) -> None:
        """Recorded only: Ocean runs no action executors yet (a later release maps them)."""
        if self._app is not None:
            self._app.execution_manager.register_executor(executor)
            return
        logger.warning("%s registered, but Ocean does not run action executors yet", type(executor).__name__)

    def register_oauth_provider(self, provider: Any) -> None:
        logger.warning("OAuth providers are not supported by Ocean; ignoring %s", type(provider).__name__)

    # -- writing to Port outside a resync ----------------------------------------------------------

    async def register_raw(
        self, kind: str, change: list[dict[str, Any]], user_agent_type: Any = None
    ) -> None:
        """Map ``change`` with the resources of ``kind`` and upsert it (not supported yet: raises)."""
        if self._app is not None:
            await self._app.integration.register_raw(kind, change, user_agent_type)
            return
        raise exceptions.OceanAbortException(
            "ocean.register_raw is not supported by Ocean's port_ocean layer yet: "
            "return the items from a webhook processor's handle_event instead"
        )

    async def unregister_raw(
        self, kind: str, change: list[dict[str, Any]], user_agent_type: Any = None
    ) -> None:
        if self._app is not None:
            await self._app.integration.unregister_raw(kind, change, user_agent_type)
            return
        raise exceptions.OceanAbortException(
            "ocean.unregister_raw is not supported by Ocean's port_ocean layer yet"
        )

    def __repr__(self) -> str:
        return f"<port_ocean context over {self._app or _runtime_app()!r}>"


def _recorded(call: Callable[[Any], Any]) -> Callable[[F], F]:
    def register(function: F) -> F:
        call(function)
        return function

    return register


def _runtime_app() -> OceanApp | None:
    from ocean_runtime.context import active_app

    return active_app()


class _OceanProxy:
    """``ocean``: forwards to the bound ``PortOceanContext`` (``initialize_port_ocean_context`` re-binds)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_bound.context, name)

    def __repr__(self) -> str:
        return repr(_bound.context)


@dataclass
class _Binding:
    context: PortOceanContext = field(default_factory=PortOceanContext)


_bound = _Binding()  # the published context is process-wide: a test binds it once
ocean: Any = _OceanProxy()


def initialize_port_ocean_context(ocean_app: Any) -> None:
    """Bind ``ocean`` to ``ocean_app`` (the integration's tests pass a stand-in app).

    Raises:
        PortOceanContextAlreadyInitializedError: already bound, as in the published framework.
    """
    if _bound.context._app is not None:
        raise exceptions.PortOceanContextAlreadyInitializedError("PortOcean context is already initialized")
    _bound.context = PortOceanContext(ocean_app)


# -- event -------------------------------------------------------------------------------------------


class EventType:
    """The published event types (``event.event_type``)."""

    START = "start"
    RESYNC = "resync"
    HTTP_REQUEST = "http_request"
    WEBHOOK = "webhook"
    ACTION = "action"
    INCREMENTAL_RESYNC = "incremental_resync"
    ABORT = "abort"


class EventContext:
    """An explicitly opened event (``event_context(...)``): type, attributes, its config and resource."""

    def __init__(
        self,
        event_type: str,
        trigger_type: str = "manual",
        attributes: dict[str, Any] | None = None,
        parent: EventContext | None = None,
    ) -> None:
        self.event_type = event_type
        self.trigger_type = trigger_type
        self.attributes: dict[str, Any] = attributes if attributes is not None else {}
        self._parent = parent
        self._id = str(uuid.uuid4())
        self._port_app_config: Any = parent._port_app_config if parent else None
        self._resource_config: Any = None
        self._aborted = False

    @property
    def id(self) -> str:
        return self._id

    @property
    def parent(self) -> EventContext | None:
        return self._parent

    @property
    def parent_id(self) -> str | None:
        return self._parent.id if self._parent else None

    @property
    def port_app_config(self) -> Any:
        if self._port_app_config is None:
            raise exceptions.EventContextNotFoundError("no port app config was set on this event")
        return self._port_app_config

    @port_app_config.setter
    def port_app_config(self, value: Any) -> None:
        self._port_app_config = value

    @property
    def resource_config(self) -> Any:
        return self._resource_config

    @property
    def aborted(self) -> bool:
        return self._aborted

    def abort(self, external_abort: bool = False) -> None:
        self._aborted = True

    def on_abort(self, func: Callable[..., Any]) -> None:
        return None


_explicit: ContextVar[EventContext | None] = ContextVar("port_ocean_event_context", default=None)
# Per-run attributes of configs that are not adapted ones (keyed by id, dropped with the config).
_run_attributes: dict[int, dict[str, Any]] = {}


def _attributes_of(config: Any) -> dict[str, Any]:
    """The run's ``event.attributes``: kept on the run's parsed config, so they live as long as the run."""
    own = getattr(config, "event_attributes", None)
    if isinstance(own, dict):
        return own
    key = id(config)
    if key not in _run_attributes:
        _run_attributes[key] = {}
        weakref.finalize(config, _run_attributes.pop, key, None)
    return _run_attributes[key]


class _EventProxy:
    """``event``: the explicit event context if one is open, else Ocean's current scope."""

    @property
    def event_type(self) -> str:
        explicit = _explicit.get()
        return explicit.event_type if explicit else ocean_runtime.event.event_type

    @property
    def attributes(self) -> dict[str, Any]:
        explicit = _explicit.get()
        if explicit is not None:
            return explicit.attributes
        config = _runtime_config_or_none()
        if config is None:
            raise exceptions.EventContextNotFoundError("`event.attributes` is only available inside an event")
        return _attributes_of(config)

    @property
    def port_app_config(self) -> PortAppConfig:
        explicit = _explicit.get()
        if explicit is not None:
            return explicit.port_app_config  # type: ignore[no-any-return]
        return native_config(ocean_runtime.event.port_app_config)  # type: ignore[no-any-return]

    @port_app_config.setter
    def port_app_config(self, value: Any) -> None:
        explicit = _explicit.get()
        if explicit is None:
            raise exceptions.EventContextNotFoundError(
                "open an event_context(...) before setting its port_app_config"
            )
        explicit.port_app_config = value

    @property
    def resource_config(self) -> ResourceConfig | None:
        explicit = _explicit.get()
        if explicit is not None:
            return explicit.resource_config  # type: ignore[no-any-return]
        from ocean_runtime.context import current_scope

        scope = current_scope()
        if scope is None or scope.resource_config is None:
            return None
        return native_resource(scope.port_app_config, scope.resource_config)  # type: ignore[no-any-return]

    @property
    def trigger_type(self) -> str:
        explicit = _explicit.get()
        return explicit.trigger_type if explicit else "machine"

    @property
    def id(self) -> str:
        explicit = _explicit.get()
        return explicit.id if explicit else "ocean"

    def __getattr__(self, name: str) -> Any:
        explicit = _explicit.get()
        if explicit is None:
            raise exceptions.EventContextNotFoundError(f"`event.{name}` is only available inside an event")
        return getattr(explicit, name)


def _runtime_config_or_none() -> Any:
    from ocean_runtime.context import current_scope

    scope = current_scope()
    return scope.port_app_config if scope is not None else None


event: Any = _EventProxy()


def _get_event_context() -> EventContext:
    """The explicitly opened event (published private helper some tests patch or call)."""
    explicit = _explicit.get()
    if explicit is None:
        raise exceptions.EventContextNotFoundError("no event context is open")
    return explicit


@asynccontextmanager
async def event_context(
    event_type: str,
    trigger_type: str = "manual",
    attributes: dict[str, Any] | None = None,
    parent_override: EventContext | None = None,
    **_: Any,
) -> AsyncIterator[EventContext]:
    """Open an explicit event (published ``event_context``): ``event`` answers from it inside."""
    parent = parent_override or _explicit.get()
    context = EventContext(event_type, trigger_type, attributes, parent)
    token = _explicit.set(context)
    try:
        yield context
    finally:
        _explicit.reset(token)


@contextmanager
def resource_context(resource_config: Any, index: int = 0) -> Any:
    """Make ``event.resource_config`` answer ``resource_config`` inside (published ``resource_context``)."""
    current = _explicit.get()
    context = EventContext(current.event_type if current else EventType.RESYNC, parent=current)
    context._resource_config = resource_config
    token = _explicit.set(context)
    try:
        yield context
    finally:
        _explicit.reset(token)
