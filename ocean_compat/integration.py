"""``BaseIntegration``, ``APIPortAppConfig``, ``HandlerMixin`` and ``port_ocean.run``.

A published integration declares its config class on a ``BaseIntegration`` subclass in
``integration.py``::

    class JiraIntegration(BaseIntegration):
        class AppConfigHandlerClass(APIPortAppConfig):
            CONFIG_CLASS = JiraPortAppConfig

Defining that subclass while Ocean loads the folder registers the adapted config class on the
application (``OceanApp.use_config_class``), wherever ``CONFIG_CLASS`` itself is defined.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

from .config_adapter import adapt
from .models import PortAppConfig


class APIPortAppConfig:
    """Where the config comes from (published: Port's API). ``CONFIG_CLASS`` is what matters."""

    CONFIG_CLASS: ClassVar[type[PortAppConfig]] = PortAppConfig

    def __init__(self, context: Any = None) -> None:
        self.context = context

    async def get_port_app_config(self, use_cache: bool = True) -> Any:
        """The current run's config, parsed with ``CONFIG_CLASS``."""
        from .event import event

        return event.port_app_config


class HandlerMixin:
    """Published mix-in naming the handler classes; kept for integrations that subclass it."""

    AppConfigHandlerClass: type[APIPortAppConfig] = APIPortAppConfig


class BaseIntegration(HandlerMixin):
    """Subclass it in ``integration.py``; its ``AppConfigHandlerClass.CONFIG_CLASS`` is the config class."""

    def __init__(self, context: Any = None) -> None:
        self.context = context
        self.port_app_config_handler = self.AppConfigHandlerClass(context)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        from ocean_runtime.context import active_app

        app = active_app()
        if app is not None:
            app.use_config_class(adapt(cls.AppConfigHandlerClass.CONFIG_CLASS))


def run(path: str = ".", log_level: str = "INFO", **_: Any) -> None:
    """``python debug.py``: runs ``ocean sail`` on the integration folder (published ``port_ocean.run``)."""
    folder = Path(path).resolve() if path != "." else Path(sys.argv[0]).resolve().parent
    ocean = Path(sys.executable).with_name("ocean")
    command = [str(ocean) if ocean.exists() else "ocean", "sail", str(folder), "--log-level", log_level]
    raise SystemExit(subprocess.call(command, env=os.environ.copy()))


def validate_and_get_config_schema(config_class: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Published: the JSON schema of a config class (pydantic v1 ``schema()``)."""
    schema: dict[str, Any] = config_class.schema()
    return schema
