"""{{ cookiecutter.name }}: syncs {{ cookiecutter.kind }} items into Port.

``ocean sail .`` imports this module, runs ``on_start`` handlers, then calls the resync handler
of every kind in ``.port/resources/port-app-config.yml`` and maps what it yields into entities.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from ocean_runtime import event, ocean

from client import {{ cookiecutter.__class_prefix }}Client, ExampleClient

logger = logging.getLogger(__name__)


def make_client() -> {{ cookiecutter.__class_prefix }}Client | ExampleClient:
    """A client configured from ``.port/spec.yaml`` configurations (validated, snake_case keys)."""
    config = ocean.integration_config
    if config["use_example_data"]:
        return ExampleClient(config["api_url"], item_count=config["item_count"])
    return {{ cookiecutter.__class_prefix }}Client(config["api_url"], token=config.get("api_token"))


@ocean.on_start()
async def on_start() -> None:
    """Runs once before the first resync: a good place to check credentials."""
    config = ocean.integration_config
    source = "made-up example items" if config["use_example_data"] else config["api_url"]
    logger.info({{ (cookiecutter.name ~ " will read %s") | jsonify }}, source)


@ocean.on_resync("{{ cookiecutter.kind }}")
async def resync_{{ cookiecutter.kind.replace('-', '_') }}(kind: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Yields every {{ cookiecutter.kind }} item, one page at a time (memory stays flat)."""
    include_archived = event.resource_config.selector.include_archived
    async for page in make_client().pages():
        yield [item for item in page if include_archived or not item["archived"]]
