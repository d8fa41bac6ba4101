"""``OceanApp``: one integration's handlers and configuration, as an explicit object.

The loader builds one per integration folder and activates it (``ocean_runtime.context``) while
the integration's ``main.py`` is imported, so ``@ocean.on_resync(...)`` lands here. The runner
activates it again while it runs. Nothing in it is global: tests build several side by side.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ocean_runtime import context
from ocean_runtime.errors import UserInputError
from ocean_runtime.sync.handlers import ResyncHandler

if TYPE_CHECKING:
    from ocean_runtime.config import OceanSettings
    from ocean_runtime.mapping import PortAppConfig

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

    @contextmanager
    def activated(self) -> Iterator[OceanApp]:
        """Make this the app ``ocean`` refers to inside the ``with`` block."""
        with context.activate(self):
            yield self


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
