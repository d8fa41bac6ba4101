"""``OceanApp``: one integration's handlers and configuration, as an explicit object.

The loader builds one per integration folder and activates it (``ocean_runtime.context``) while
the integration's ``main.py`` is imported, so ``@ocean.on_resync(...)`` lands here. The runner
activates it again while it runs. Nothing in it is global: tests build several side by side.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ocean_runtime import context
from ocean_runtime.errors import UserInputError
from ocean_runtime.http.context import HttpDefaults, use_http_defaults
from ocean_runtime.sync.handlers import ResyncHandler

if TYPE_CHECKING:
    from ocean_runtime.actions import ActionExecutor, ActionRuns
    from ocean_runtime.actions.executor import PartitionKeyFunction
    from ocean_runtime.config import OceanSettings
    from ocean_runtime.mapping import PortAppConfig
    from ocean_runtime.port import PortClient
    from ocean_runtime.sync import ResyncReport

    from .live_catalog import LiveCatalog

F = TypeVar("F", bound=Callable[..., Any])


class OceanApp:
    """An integration: its handlers, its validated configuration and its config class.

    Args:
        integration_config: configuration values validated against ``.port/spec.yaml``
            (snake_case keys); ``ocean.integration_config`` returns them.
        config_class: the ``PortAppConfig`` subclass port-app-configs are parsed with.
        directory: the integration folder, when loaded from one.
        settings: the ``OceanSettings`` the app was loaded with, when loaded from a folder.
        name: a label for logs and ``repr``.
    """

    def __init__(
        self,
        *,
        integration_config: Mapping[str, Any] | None = None,
        config_class: type[PortAppConfig] | None = None,
        directory: Path | None = None,
        settings: OceanSettings | None = None,
        name: str | None = None,
    ) -> None:
        self._integration_config = dict(integration_config or {})
        self._config_class = config_class
        self.directory = directory
        self.settings = settings
        self.name = name or (directory.name if directory else "integration")
        self.start_handlers: list[Callable[[], Any]] = []
        self.resync_handlers: list[ResyncHandler] = []
        self.webhook_processors: dict[str, list[type]] = {}
        self.action_executors: dict[str, ActionExecutor] = {}
        # Called with each resync's report once it ended (adapters run their own "after the
        # resync" hooks here); a hook's error is logged, never turns the run into a failure.
        self.after_resync_hooks: list[Callable[[ResyncReport], Awaitable[None]]] = []
        self._port: PortClient | None = None
        self._live_catalog: LiveCatalog | None = None
        self._top_level_modules: frozenset[str] | None = None

    def __repr__(self) -> str:
        return f"OceanApp({self.name!r}, {len(self.resync_handlers)} resync handlers)"

    # -- what integration code calls (through ``ocean``) ------------------------------------

    def on_start(self) -> Callable[[F], F]:
        """Decorator: run ``async def f() -> None`` once at start-up, before the first resync.

        An exception in a start handler stops the run: nothing is synced.
        """

        def register(function: F) -> F:
            _require_coroutine_function(function, "@ocean.on_start()")
            self.start_handlers.append(function)
            return function

        return register

    def on_resync(self, kind: str | None = None) -> Callable[[F], F]:
        """Decorator: register a resync handler for ``kind`` (None: for every kind).

        The handler is ``async def f(kind)`` that either returns a list of dicts or is an async
        generator yielding lists of dicts (batches — the way to keep memory flat). The function
        is returned unchanged, so it stays an ordinary, testable function.
        """
        if kind is not None and not isinstance(kind, str):
            raise UserInputError(
                f"@ocean.on_resync got {kind!r} as the kind",
                fix='pass the kind as a string, e.g. @ocean.on_resync("repo"), or nothing for every kind',
            )

        def register(function: F) -> F:
            _require_coroutine_function(function, "@ocean.on_resync(...)", allow_generator=True)
            self.resync_handlers.append(ResyncHandler(kind, function))
            return function

        return register

    def add_webhook_processor(self, path: str, processor: type) -> None:
        """Register a ``WebhookProcessor`` subclass for ``POST /integration{path}``.

        Several processors may share a path: a request is accepted when one of them
        authenticates and validates it, and every one whose ``should_process_event`` says yes
        processes it.
        """
        from ocean_runtime.webhooks.processor import WebhookProcessor

        if not isinstance(path, str) or not path.startswith("/"):
            raise UserInputError(
                f"webhook path {path!r} must start with '/'",
                fix=f"use ocean.add_webhook_processor('/{str(path).lstrip('/')}', ...)",
            )
        if not (isinstance(processor, type) and issubclass(processor, WebhookProcessor)):
            raise UserInputError(
                f"ocean.add_webhook_processor({path!r}, {getattr(processor, '__name__', processor)!r}): "
                "not a WebhookProcessor subclass",
                fix="subclass ocean_runtime.WebhookProcessor and pass the class itself (not an instance)",
            )
        registered = self.webhook_processors.setdefault(path, [])
        if processor not in registered:
            registered.append(processor)

    def on_action(
        self, action_name: str, *, partition_key: PartitionKeyFunction | None = None
    ) -> Callable[[F], F]:
        """Decorator: ``async def f(run: ActionRun)`` executes the runs of ``action_name``.

        ``action_name`` is the name in ``.port/spec.yaml`` ``actions[]``. Returning marks the run
        SUCCESS; raising ``ActionFailedError(reason)`` (or anything else) marks it FAILURE.
        Runs for which ``partition_key(run)`` gives the same key run one at a time, in order.
        """

        def register(function: F) -> F:
            from ocean_runtime.actions import function_executor

            self.add_action_executor(function_executor(action_name, function, partition_key))
            return function

        return register

    def add_action_executor(self, executor: ActionExecutor) -> None:
        """Register an ``ActionExecutor`` instance (and its webhook processor, if it has one).

        Raises:
            UserInputError: not an executor, or another one already runs that action.
        """
        from ocean_runtime.actions import checked_executor

        checked = checked_executor(executor)
        existing = self.action_executors.get(checked.action_name)
        if existing is not None and existing is not checked:
            raise UserInputError(
                f"two executors for action {checked.action_name!r}: {existing!r} and {checked!r}",
                fix="register one executor per action name",
            )
        self.action_executors[checked.action_name] = checked
        if checked.webhook_path and checked.webhook_processor is not None:
            self.add_webhook_processor(checked.webhook_path, checked.webhook_processor)

    @property
    def action_runs(self) -> ActionRuns:
        """Read and complete action runs outside their executor (see ``ocean_runtime.actions.completion``)."""
        from ocean_runtime.actions import ActionRuns

        return ActionRuns(self._running_port("ocean.action_runs").action_runs)

    async def register_raw(self, kind: str, items: list[dict[str, Any]]) -> None:
        """Map raw items of ``kind`` with the live mapping and upsert them (see ``live_catalog``)."""
        await self._catalog("ocean.register_raw").register_raw(kind, items)

    async def unregister_raw(self, kind: str, items: list[dict[str, Any]]) -> None:
        """Delete the entities raw items of ``kind`` map to (those this integration owns)."""
        await self._catalog("ocean.unregister_raw").unregister_raw(kind, items)

    async def live_port_app_config(self) -> PortAppConfig:
        """The port-app-config Port holds now, parsed with the integration's class.

        Fetched at most about once a second (the live-events cache), while the integration runs.
        """
        return await self._catalog("the live port-app-config").current_config()

    def attach_port(self, port: PortClient | None) -> None:
        """The Port client the running integration uses (None once it stopped); the runner sets it."""
        self._port = port
        self._live_catalog = None

    def _running_port(self, member: str) -> PortClient:
        if self._port is None:
            raise UserInputError(
                f"{member} is only available while the integration runs (in a handler, an executor or "
                "a webhook processor), not at import time"
            )
        return self._port

    def _catalog(self, member: str) -> LiveCatalog:
        from .live_catalog import LiveCatalog

        if self._live_catalog is None:
            self._live_catalog = LiveCatalog(self._running_port(member), self.config_class)
        return self._live_catalog

    @property
    def integration_config(self) -> dict[str, Any]:
        """The validated integration configuration (snake_case keys, spec defaults applied)."""
        return self._integration_config

    def use_config_class(self, config_class: type[PortAppConfig]) -> None:
        """Parse port-app-configs with ``config_class`` (a ``PortAppConfig`` subclass).

        The loader calls it with the subclass ``integration.py`` defines or imports; an adapter
        whose integrations declare their config class another way calls it while
        ``integration.py`` is imported.

        Raises:
            UserInputError: ``config_class`` is not a ``PortAppConfig`` subclass.
        """
        from ocean_runtime.mapping import PortAppConfig

        if not (isinstance(config_class, type) and issubclass(config_class, PortAppConfig)):
            raise UserInputError(
                f"{config_class!r} is not a PortAppConfig subclass",
                fix="pass a subclass of ocean_runtime.PortAppConfig",
            )
        self._config_class = config_class

    # -- what the runtime uses ------------------------------------------------------------

    @property
    def registered_config_class(self) -> type[PortAppConfig] | None:
        """The config class set by the loader or ``use_config_class``, or None for the default."""
        return self._config_class

    @property
    def top_level_modules(self) -> frozenset[str]:
        """The folder's own top-level module names (``client`` for ``client.py``); empty without one."""
        if self._top_level_modules is None:
            from .imports import top_level_modules

            self._top_level_modules = top_level_modules(self.directory) if self.directory else frozenset()
        return self._top_level_modules

    @property
    def config_class(self) -> type[PortAppConfig]:
        """The ``PortAppConfig`` (sub)class of this integration."""
        if self._config_class is None:
            from ocean_runtime.mapping import PortAppConfig

            return PortAppConfig
        return self._config_class

    def handlers_for(self, kind: str) -> list[ResyncHandler]:
        """The handlers of ``kind``: the kind's own first, then the generic ones, in registration order."""
        own = [handler for handler in self.resync_handlers if handler.kind == kind]
        generic = [handler for handler in self.resync_handlers if handler.kind is None]
        return own + generic

    @property
    def kinds(self) -> list[str]:
        """The kinds that have a handler of their own."""
        return list(dict.fromkeys(h.kind for h in self.resync_handlers if h.kind is not None))

    def activated(self) -> AbstractContextManager[OceanApp]:
        """Make this the app ``ocean`` refers to inside the ``with`` block.

        Its settings reach the HTTP toolkit from here (a client's default timeout), so the
        toolkit never reaches up into the application for them.
        """
        defaults = (
            HttpDefaults(timeout=float(self.settings.client_timeout)) if self.settings else HttpDefaults()
        )
        return _Activation(context.activate(self), use_http_defaults(defaults), self)


class _Activation:
    """``OceanApp.activated``: a class, not ``@contextmanager`` — it is entered for every
    webhook request (three nested generators cost ~10 µs of the route's CPU)."""

    __slots__ = ("_app", "_defaults", "_active")

    def __init__(
        self,
        active: AbstractContextManager[OceanApp],
        defaults: AbstractContextManager[HttpDefaults],
        app: OceanApp,
    ) -> None:
        self._active = active
        self._defaults = defaults
        self._app = app

    def __enter__(self) -> OceanApp:
        self._active.__enter__()
        try:
            self._defaults.__enter__()
        except BaseException:
            self._active.__exit__(None, None, None)
            raise
        return self._app

    def __exit__(self, *exc_info: Any) -> None:
        try:
            self._defaults.__exit__(*exc_info)
        finally:
            self._active.__exit__(*exc_info)


def _require_coroutine_function(function: Any, decorator: str, *, allow_generator: bool = False) -> None:
    if inspect.iscoroutinefunction(function):
        return
    if allow_generator and inspect.isasyncgenfunction(function):
        return
    name = getattr(function, "__qualname__", repr(function))
    shapes = "an `async def` function or an async generator" if allow_generator else "an `async def` function"
    raise UserInputError(
        f"{decorator} decorates {name}, which is not {shapes}",
        fix=f"declare it with `async def {name.rsplit('.', 1)[-1]}(...)`",
    )
