"""The port-app-config of {{ cookiecutter.name }}: its kinds and its own selector fields.

``ocean`` parses ``.port/resources/port-app-config.yml`` (and the mapping Port holds) with the
``PortAppConfig`` subclass defined here. A custom ``Selector`` adds keys users can set per
resource; handlers read them from ``event.resource_config.selector``.
"""

from __future__ import annotations

from typing import Literal

from ocean_runtime import PortAppConfig, ResourceConfig, Selector
from pydantic import Field


class {{ cookiecutter.__class_prefix }}Selector(Selector):
    """Selector of a ``{{ cookiecutter.kind }}`` resource."""

    include_archived: bool = Field(
        default=False,
        alias="includeArchived",
        description="Also sync archived {{ cookiecutter.kind }} items.",
    )


class {{ cookiecutter.__class_prefix }}ResourceConfig(ResourceConfig):
    """A resource over ``{{ cookiecutter.kind }}`` items."""

    kind: Literal["{{ cookiecutter.kind }}"]
    selector: {{ cookiecutter.__class_prefix }}Selector


class {{ cookiecutter.__class_prefix }}PortAppConfig(PortAppConfig):
    """The port-app-config of {{ cookiecutter.name }}: only the kinds ``main.py`` can resync."""

    resources: list[{{ cookiecutter.__class_prefix }}ResourceConfig] = Field(default_factory=list)
