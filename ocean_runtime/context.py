"""``ocean`` and ``event``: what integration code reads, resolved from context variables.

An integration writes ``from ocean_runtime import ocean, event``. Neither is a singleton: each
is a thin accessor that looks up, at the moment of use,

- the *active application* (an ``OceanApp``, activated while its ``main.py`` is imported and
  while it runs), and
- the *current resync scope* (the resource being synced, the port-app-config of the run).

Both live in ``contextvars``, so two applications can run side by side in one process (each
asyncio task sees the app that was active when it was created) and a handler's view of
``event.resource_config`` never leaks into another kind's handler.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ocean_runtime.errors import OceanError

if TYPE_CHECKING:
    from ocean_runtime.actions import ActionExecutor, ActionRuns
    from ocean_runtime.actions.executor import PartitionKeyFunction
    from ocean_runtime.app.application import OceanApp
    from ocean_runtime.mapping import PortAppConfig, ResourceConfig

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

_active_app: ContextVar[OceanApp | None] = ContextVar("ocean_active_app", default=None)
_scope: ContextVar[EventScope | None] = ContextVar("ocean_event_scope", default=None)


class NoActiveAppError(OceanError):
    """``ocean`` was used while no integration application is active."""


class NoEventError(OceanError):
    """``event`` was used outside a resync (or another event)."""


@dataclass(frozen=True)
class EventScope:
    """What ``event`` answers while a handler runs.

    Attributes:
        event_type: ``resync``, ``incremental_resync`` or a live event's type.
        port_app_config: the port-app-config of this run, parsed with the integration's class.
        resource_config: the resource whose handlers are running, or None between resources.
        cache: what ``ocean_runtime.http.cache_per_resync`` keeps for this run.
    """

    event_type: str
    port_app_config: PortAppConfig
    resource_config: ResourceConfig | None = None
    # Values ``@cache_per_resync`` keeps for this run; the scopes of its resources
    # (``dataclasses.replace``) share it, the next run starts empty.
    cache: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)


def current_app() -> OceanApp:
    """The active application.

    Raises:
        NoActiveAppError: nothing activated one (``ocean`` used outside ``ocean sail`` / tests).
    """
    app = _active_app.get()
    if app is None:
        raise NoActiveAppError(
            "`ocean` was used while no integration is loaded — run it with `ocean sail DIR`, "
            "or in tests load it with ocean_runtime.app.load_integration(DIR)"
        )
    return app


def active_app() -> OceanApp | None:
    """The active application, or None (no error: for code that works with or without one)."""
    return _active_app.get()


class _Setting(Generic[T]):
    """Set a context variable for a ``with`` block. A class rather than ``@contextmanager``:
    both are entered for every webhook event, where a generator costs ~5 µs and this ~0.5."""

    __slots__ = ("_token", "_value", "_variable")

    def __init__(self, variable: ContextVar[T | None], value: T) -> None:
        self._variable = variable
        self._value = value

    def __enter__(self) -> T:
        self._token = self._variable.set(self._value)
        return self._value

    def __exit__(self, *exc_info: object) -> None:
        self._variable.reset(self._token)


def activate(app: OceanApp) -> AbstractContextManager[OceanApp]:
    """Make ``app`` what ``ocean`` refers to inside the ``with`` block (and tasks started in it)."""
    return _Setting(_active_app, app)


def event_scope(scope: EventScope) -> AbstractContextManager[EventScope]:
    """Make ``scope`` what ``event`` refers to inside the ``with`` block."""
    return _Setting(_scope, scope)


def current_scope() -> EventScope | None:
    """The current event scope, or None outside any event."""
    return _scope.get()


def _unchanged(function: F) -> F:
    return function


class OceanAccessor:
    """``ocean``: the integration author's handle on the active application.

    Every member forwards to the active ``OceanApp`` at call time; see ``OceanApp`` for the
    documentation of each. With no active app (a unit test importing ``main.py`` to call a
    handler directly) the decorators leave the function as it is and register nothing — the
    handler stays an ordinary, testable function; ``integration_config`` still needs an app.
    """

    def on_start(self) -> Callable[[F], F]:
        """Decorator: run the function once at start-up, before the first resync."""
        app = _active_app.get()
        return app.on_start() if app is not None else _unchanged

    def on_resync(self, kind: str | None = None) -> Callable[[F], F]:
        """Decorator: the function yields (or returns) raw items of ``kind`` (None: every kind)."""
        app = _active_app.get()
        return app.on_resync(kind) if app is not None else _unchanged

    def add_webhook_processor(self, path: str, processor: type) -> None:
        """Register a webhook processor class for ``path``."""
        current_app().add_webhook_processor(path, processor)

    def on_action(
        self, action_name: str, *, partition_key: PartitionKeyFunction | None = None
    ) -> Callable[[F], F]:
        """Decorator: the function executes the runs of the action ``action_name`` (spec ``actions[]``)."""
        app = _active_app.get()
        return app.on_action(action_name, partition_key=partition_key) if app is not None else _unchanged

    def add_action_executor(self, executor: ActionExecutor) -> None:
        """Register an ``ActionExecutor`` instance."""
        current_app().add_action_executor(executor)

    @property
    def action_runs(self) -> ActionRuns:
        """Read and complete action runs outside their executor (``ActionRuns``)."""
        return current_app().action_runs

    async def register_raw(self, kind: str, items: list[dict[str, Any]]) -> None:
        """Map raw items of ``kind`` like a resync does and upsert the entities (while running)."""
        await current_app().register_raw(kind, items)

    async def unregister_raw(self, kind: str, items: list[dict[str, Any]]) -> None:
        """Delete the entities raw items of ``kind`` map to, when this integration owns them."""
        await current_app().unregister_raw(kind, items)

    @property
    def integration_config(self) -> dict[str, Any]:
        """The integration's configuration, validated against ``.port/spec.yaml`` (snake_case)."""
        return current_app().integration_config

    @property
    def app(self) -> OceanApp:
        """The active application object itself."""
        return current_app()

    def __repr__(self) -> str:
        app = _active_app.get()
        return f"<ocean: {app!r}>" if app else "<ocean: no active integration>"


class EventAccessor:
    """``event``: what the running handler is working on."""

    def _scope(self, member: str) -> EventScope:
        scope = _scope.get()
        if scope is None:
            raise NoEventError(
                f"`event.{member}` is only available while Ocean runs a handler (e.g. inside an "
                "@ocean.on_resync function), not at import time or in on_start"
            )
        return scope

    @property
    def event_type(self) -> str:
        """``resync`` for a full resync."""
        return self._scope("event_type").event_type

    @property
    def port_app_config(self) -> PortAppConfig:
        """The port-app-config of the current run (the integration's ``PortAppConfig`` class)."""
        return self._scope("port_app_config").port_app_config

    @property
    def resource_config(self) -> ResourceConfig:
        """The resource being synced, including the integration's custom ``Selector`` fields."""
        resource = self._scope("resource_config").resource_config
        if resource is None:
            raise NoEventError("`event.resource_config` is only available inside an @ocean.on_resync handler")
        return resource

    def __repr__(self) -> str:
        scope = _scope.get()
        return f"<event: {scope.event_type}>" if scope else "<event: none>"


ocean = OceanAccessor()
event = EventAccessor()
