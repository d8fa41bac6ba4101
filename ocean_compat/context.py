"""``ocean`` as the published framework names it (``port_ocean.context.ocean``).

``ocean`` (a ``PortOceanContext``) answers from Ocean's active application: the integration's
validated configuration, its decorators, its settings. Like the published framework, it can also
be bound to an application object of the integration's own tests with
``initialize_port_ocean_context(app)`` — then every attribute reads that object (their unit tests
pass a stand-in with ``config.integration.config``), and the runtime is not involved.

``event`` lives in ``ocean_compat.event``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import ocean_runtime
from ocean_runtime.app import OceanApp

from . import exceptions
from .event import attributes_of, runtime_config_or_none
from .runtime_view import RuntimeAppView

if TYPE_CHECKING:
    from ocean_runtime.sync import ResyncReport

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
        """Register a resync handler on Ocean's app (returns the function unchanged).

        Ocean gets a wrapper that first runs the ``@ocean.on_resync_start()`` hooks, once per run.
        """
        if self._app is not None:
            return _recorded(lambda f: self._app.integration.on_resync(f, kind))
        register = ocean_runtime.ocean.on_resync(kind)
        return _recorded(lambda f: register(_after_resync_start(f)))

    def on_start(self) -> Callable[[F], F]:
        """Register a start-up handler on Ocean's app."""
        if self._app is not None:
            return _recorded(lambda f: self._app.integration.on_start(f))
        return ocean_runtime.ocean.on_start()

    def on_resync_start(self) -> Callable[[F], F]:
        """Run before every resync (Ocean: once per run, before its first handler starts)."""
        return self._lifecycle_hook("on_resync_start")

    def on_resync_complete(self) -> Callable[[F], F]:
        """Run after every resync that completed (not after a failed one), as published."""
        return self._lifecycle_hook("on_resync_complete")

    def on_incremental_resync(self, kind: str | None = None) -> Callable[[F], F]:
        return self.on_resync(kind)

    def on_probe(self) -> Callable[[F], F]:
        return self._lifecycle_hook("on_probe")

    def _lifecycle_hook(self, name: str) -> Callable[[F], F]:
        def record(function: F) -> F:
            runtime = _runtime_app()
            if runtime is not None:
                hooks = RuntimeAppView.of(runtime).lifecycle_hooks
                if name == "on_resync_complete" and name not in hooks:
                    runtime.after_resync_hooks.append(_resync_complete_runner(hooks))
                hooks.setdefault(name, []).append(function)
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
        """Register a published ``AbstractExecutor`` (and its webhook processor) on Ocean's app."""
        if self._app is not None:
            self._app.execution_manager.register_executor(executor)
            return
        from .actions import register

        register(executor)

    def register_oauth_provider(self, provider: Any) -> None:
        logger.warning("OAuth providers are not supported by Ocean; ignoring %s", type(provider).__name__)

    # -- writing to Port outside a resync ----------------------------------------------------------

    async def register_raw(
        self, kind: str, change: list[dict[str, Any]], user_agent_type: Any = None
    ) -> None:
        """Map ``change`` with every resource of ``kind`` in the live mapping and upsert it.

        Ocean's ``ocean.register_raw``: the live-events write path (selectors, ``itemsToParse``).
        """
        if self._app is not None:
            await self._app.integration.register_raw(kind, change, user_agent_type)
            return
        await ocean_runtime.ocean.register_raw(kind, list(change))

    async def unregister_raw(
        self, kind: str, change: list[dict[str, Any]], user_agent_type: Any = None
    ) -> None:
        """Delete the entities ``change`` maps to (only those this integration owns)."""
        if self._app is not None:
            await self._app.integration.unregister_raw(kind, change, user_agent_type)
            return
        await ocean_runtime.ocean.unregister_raw(kind, list(change))

    def __repr__(self) -> str:
        return f"<port_ocean context over {self._app or _runtime_app()!r}>"


def _after_resync_start(function: Any) -> Any:
    """``function`` for Ocean: the run's ``on_resync_start`` hooks complete before it starts."""
    if inspect.isasyncgenfunction(function):

        @functools.wraps(function)
        async def generator(*args: Any, **kwargs: Any) -> Any:
            await _run_resync_start_hooks()
            async for batch in function(*args, **kwargs):
                yield batch

        return generator

    @functools.wraps(function)
    async def coroutine(*args: Any, **kwargs: Any) -> Any:
        await _run_resync_start_hooks()
        return await function(*args, **kwargs)

    return coroutine


async def _run_resync_start_hooks() -> None:
    """Run the recorded ``on_resync_start`` hooks once per run (the first handler of the run waits)."""
    runtime = _runtime_app()
    config = runtime_config_or_none()
    hooks = RuntimeAppView.of(runtime).lifecycle_hooks.get("on_resync_start") if runtime else None
    if not hooks or config is None:
        return
    attributes = attributes_of(config)
    started = attributes.get(_RESYNC_STARTED)
    if started is None:

        async def run_hooks() -> None:
            for hook in hooks:
                await hook()

        started = attributes[_RESYNC_STARTED] = asyncio.ensure_future(run_hooks())
    await asyncio.shield(started)


_RESYNC_STARTED = "__ocean_compat_resync_started"


def _resync_complete_runner(hooks: dict[str, list[Any]]) -> Callable[[ResyncReport], Awaitable[None]]:
    """The runtime's after-resync hook running the recorded ``on_resync_complete`` hooks."""

    async def run_hooks(report: ResyncReport) -> None:
        if not report.ok:
            return  # published: the hooks run only after a resync that finished successfully
        for hook in hooks.get("on_resync_complete", []):
            await hook()

    return run_hooks


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
