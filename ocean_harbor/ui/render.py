"""The Jinja environment of the UI: templates from ``ocean_harbor/templates``, helpers as globals."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from ocean_harbor.ui import formatting


def package_dir(name: str) -> Path:
    """A folder shipped inside the ``ocean_harbor`` package (``templates``, ``static``)."""
    return Path(str(resources.files("ocean_harbor").joinpath(name)))


@cache
def environment() -> jinja2.Environment:
    """The one template environment (templates are compiled once and cached)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(package_dir("templates")),
        autoescape=True,  # every value shown comes from clients of the API: escape all of it
        undefined=jinja2.StrictUndefined,  # a typo in a template fails its test, not silently
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.update(
        blueprint_url=formatting.blueprint_url,
        entity_url=formatting.entity_url,
        integration_url=formatting.integration_url,
        icon_for=formatting.icon_for,
        badge_color=formatting.badge_color,
        cell=formatting.cell,
    )
    env.filters.update(
        when=formatting.when,
        ago=formatting.ago,
        duration=formatting.duration,
        compact_json=formatting.compact_json,
        pretty_json=formatting.pretty_json,
        truncate_text=formatting.truncate,
    )
    return env


def render(template: str, context: dict[str, Any]) -> str:
    """Renders one template of the UI."""
    return environment().get_template(template).render(**context)
