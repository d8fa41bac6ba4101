"""The fake organisation's port-app-config: only the kinds ``main.py`` can resync.

``ocean`` parses ``.port/resources/port-app-config.yml`` (and the mapping Port holds) with the
``PortAppConfig`` subclass defined here, so a resource with an unknown kind is reported with its
location instead of silently syncing nothing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ocean_runtime import PortAppConfig, ResourceConfig


class DepartmentResourceConfig(ResourceConfig):
    """A resource over departments (raw departments carry their ``people``)."""

    kind: Literal["department"]


class ServiceResourceConfig(ResourceConfig):
    """A resource over services."""

    kind: Literal["service"]


class FakePortAppConfig(PortAppConfig):
    """The port-app-config of the fake organisation."""

    resources: list[DepartmentResourceConfig | ServiceResourceConfig] = Field(default_factory=list)
