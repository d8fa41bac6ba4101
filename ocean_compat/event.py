"""``event`` as the published framework names it (``port_ocean.context.event``).

``event`` answers from Ocean's current event scope, translated to the published models: inside a
handler ``event.resource_config`` is the integration's own (pydantic v1) resource config with its
custom selector, ``event.port_app_config`` its own config class, ``event.attributes`` a dict that
lives for the run. ``event_context(...)`` opens an explicit event (what the integrations' tests
and a few integrations do) that wins over the runtime's scope.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import ocean_runtime

from . import exceptions
from .models import PortAppConfig, ResourceConfig
from .runtime_view import native_config, native_resource


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


def attributes_of(config: Any) -> dict[str, Any]:
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
        return explicit.event_type if explicit else _from_runtime(lambda: ocean_runtime.event.event_type)

    @property
    def attributes(self) -> dict[str, Any]:
        explicit = _explicit.get()
        if explicit is not None:
            return explicit.attributes
        config = runtime_config_or_none()
        if config is None:
            raise exceptions.EventContextNotFoundError("`event.attributes` is only available inside an event")
        return attributes_of(config)

    @property
    def port_app_config(self) -> PortAppConfig:
        explicit = _explicit.get()
        if explicit is not None:
            return explicit.port_app_config  # type: ignore[no-any-return]
        return native_config(_from_runtime(lambda: ocean_runtime.event.port_app_config))  # type: ignore[no-any-return]

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


def _from_runtime(read: Callable[[], Any]) -> Any:
    """``read()`` of Ocean's event scope; outside any event, the published error (integrations catch it)."""
    from ocean_runtime.context import NoEventError

    try:
        return read()
    except NoEventError as exc:
        raise exceptions.EventContextNotFoundError(str(exc)) from None


def runtime_config_or_none() -> Any:
    """The runtime config of the current event scope, or None."""
    from ocean_runtime.context import current_scope

    scope = current_scope()
    return scope.port_app_config if scope is not None else None


event: Any = _EventProxy()


@asynccontextmanager
async def live_event_scope(event_type: str) -> AsyncIterator[None]:
    """Inside, ``event.port_app_config`` is the mapping Port holds now (when no event is open).

    Published processors read it in ``authenticate``/``validate_payload`` (their framework runs
    those in the background, inside an event); Ocean runs them while admitting the request. When
    the mapping cannot be read, the block runs without it (a check that needs it then says no).
    """
    from ocean_runtime.context import EventScope, active_app, current_scope, event_scope
    from ocean_runtime.errors import OceanError

    app = active_app()
    if _explicit.get() is not None or current_scope() is not None or app is None:
        yield
        return
    try:
        config = await app.live_port_app_config()
    except OceanError:
        yield
        return
    with event_scope(EventScope(event_type, config)):
        yield


class _EventContextStack:
    """Published ``_event_context_stack`` (a stack of events): ``push``, ``pop``, ``top``.

    The integrations' tests push a prepared event in a fixture and pop it afterwards; here the
    stack is the explicit event context variable.
    """

    def __init__(self) -> None:
        self._tokens: list[Any] = []

    @property
    def top(self) -> EventContext | None:
        return _explicit.get()

    def push(self, context: EventContext) -> None:
        self._tokens.append(_explicit.set(context))

    def pop(self) -> EventContext | None:
        current = _explicit.get()
        if self._tokens:
            token = self._tokens.pop()
            try:
                _explicit.reset(token)
            except ValueError:  # pushed in another context (another task): just unset
                _explicit.set(None)
        return current


_event_context_stack = _EventContextStack()


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


@asynccontextmanager
async def resource_context(resource_config: Any, index: int = 0) -> AsyncIterator[EventContext]:
    """Make ``event.resource_config`` answer ``resource_config`` inside (published ``resource_context``).

    An async context manager, as published (``async with resource_context(config):``).
    """
    current = _explicit.get()
    context = EventContext(current.event_type if current else EventType.RESYNC, parent=current)
    context._resource_config = resource_config
    token = _explicit.set(context)
    try:
        yield context
    finally:
        _explicit.reset(token)
