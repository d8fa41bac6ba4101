"""What ``ocean.app`` is while Ocean runs a published integration: a view of the ``OceanApp``.

Published integrations read a handful of attributes of the published ``Ocean`` application
(``app.base_url``, ``app.config.*``, ``app.cache_provider``, ``app.is_saas()``,
``app.integration.port_app_config_handler``). ``RuntimeAppView`` answers them from Ocean's app
and settings. One view per ``OceanApp`` (kept in a weak map, so it goes with its app); it holds
what the layer adds per app: the in-memory cache and the recorded lifecycle hooks.

``port_client`` offers the published run-reporting calls (``port_client``); the others raise a
clear error naming the call.
"""

from __future__ import annotations

import logging
import weakref
from types import SimpleNamespace
from typing import Any

from ocean_runtime.app import OceanApp

from . import exceptions
from .port_client import CompatPortClient

logger = logging.getLogger(__name__)

_VIEWS: weakref.WeakKeyDictionary[OceanApp, RuntimeAppView] = weakref.WeakKeyDictionary()


class MemoryCacheProvider:
    """The published in-memory cache provider (``ocean.app.cache_provider``): async get/set/clear."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    async def get(self, key: str) -> Any:
        return self._values.get(key)

    async def set(self, key: str, value: Any) -> None:
        self._values[key] = value

    async def clear(self) -> None:
        self._values.clear()


class RecordingRouter:
    """``ocean.router``: routes declared on it are recorded and not served (use webhook processors)."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, str]] = []

    def _route(self, method: str, path: str, **_: Any) -> Any:
        def record(function: Any) -> Any:
            self.routes.append((method, path))
            logger.warning(
                "ocean.router.%s(%r): Ocean serves webhook processors (ocean.add_webhook_processor), "
                "not FastAPI routes; this route is not served",
                method.lower(),
                path,
            )
            return function

        return record

    def post(self, path: str, **kwargs: Any) -> Any:
        return self._route("POST", path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self._route("GET", path, **kwargs)


class RecordingFastAPIApp:
    """``ocean.app.fast_api_app``: middleware declared on it is recorded, not run (Ocean serves Starlette)."""

    def __init__(self) -> None:
        self.middlewares: list[str] = []

    def middleware(self, kind: str) -> Any:
        def record(function: Any) -> Any:
            self.middlewares.append(kind)
            logger.warning("ocean.app.fast_api_app.middleware(%r): not run by Ocean", kind)
            return function

        return record


class _ConfigHandler:
    """``ocean.integration.port_app_config_handler``: the current event's config, else Port's now."""

    def __init__(self, app: OceanApp) -> None:
        self._app = app

    async def get_port_app_config(self, use_cache: bool = True) -> Any:
        from .event import event

        try:
            return event.port_app_config
        except exceptions.EventContextNotFoundError:
            return native_config(await self._app.live_port_app_config())


class _IntegrationView:
    def __init__(self, app: OceanApp) -> None:
        self.port_app_config_handler = _ConfigHandler(app)

    @property
    def entity_processor(self) -> Any:
        from .entity_processor import JQEntityProcessor

        return JQEntityProcessor(None)


class RuntimeAppView:
    """The published ``Ocean`` app's attributes, answered from an ``OceanApp`` (see the module docstring)."""

    def __init__(self, app: OceanApp) -> None:
        self._app = app
        self.cache_provider = MemoryCacheProvider()
        self.lifecycle_hooks: dict[str, list[Any]] = {}
        self.port_client = CompatPortClient()
        self.integration_router = RecordingRouter()
        self.fast_api_app = RecordingFastAPIApp()
        self.integration = _IntegrationView(app)
        self.metrics = SimpleNamespace()

    @classmethod
    def of(cls, app: OceanApp) -> RuntimeAppView:
        """The view of ``app`` (one per app)."""
        view = _VIEWS.get(app)
        if view is None:
            view = _VIEWS[app] = cls(app)
        return view

    @property
    def base_url(self) -> str | None:
        """``OCEAN__BASE_URL``: where the integration is reachable (webhook URLs are built from it)."""
        settings = self._app.settings
        return settings.base_url if settings is not None else None

    def is_saas(self) -> bool:
        """Ocean runs integrations on your infrastructure: never Port's hosted (SaaS) runtime."""
        return False

    @property
    def config(self) -> Any:
        """``ocean.config``: the settings, with the published attribute names."""
        settings = self._app.settings
        if settings is None:
            return SimpleNamespace(
                integration=SimpleNamespace(identifier=self._app.name, type=self._app.name, config={}),
                event_listener=_listener("ONCE"),
                client_timeout=60,
                oauth_access_token_file_path=None,
            )
        listener = settings.event_listener
        return SimpleNamespace(
            integration=SimpleNamespace(
                identifier=settings.integration.identifier,
                type=settings.integration.type,
                config=self._app.integration_config,
            ),
            event_listener=_listener(listener.type),
            port=settings.port,
            client_timeout=settings.client_timeout,
            base_url=settings.base_url,
            scheduled_resync_interval=settings.scheduled_resync_interval,
            streaming=SimpleNamespace(enabled=False),
            events_debug_logging=False,
            send_raw_data_examples=settings.send_raw_data_examples,
            oauth_access_token_file_path=None,
        )


def _listener(kind: str) -> Any:
    return SimpleNamespace(
        type=kind,
        should_resync=kind != "WEBHOOKS_ONLY",
        should_process_webhooks=kind in ("POLLING", "WEBHOOK", "WEBHOOKS_ONLY", "KAFKA"),
    )


# -- the published models of the current run ----------------------------------------------------


def native_config(config: Any) -> Any:
    """The integration's own (v1) parse of a runtime config, or the runtime config itself."""
    return getattr(config, "native", None) or config


def native_resource(config: Any, resource: Any) -> Any:
    """The integration's own (v1) twin of ``resource``, one of ``config.resources``."""
    native = getattr(config, "native", None)
    if native is None:
        return resource
    for index, candidate in enumerate(config.resources):
        if candidate is resource or candidate == resource:
            return native.resources[index] if index < len(native.resources) else resource
    raise exceptions.EventContextNotFoundError(
        f"resource of kind {resource.kind!r} is not in the run's config"
    )
