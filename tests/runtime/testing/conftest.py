"""A small integration written in a test: it pages through a REST API with the toolkit."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

MAIN = """
from ocean_runtime import http, ocean, updated_since

SEEN = []


@ocean.on_resync("item")
async def items(kind):
    since = await updated_since()
    SEEN.append(since)
    params = {"since": since.isoformat()} if since else {}
    async with http.client(ocean.integration_config["api_url"]) as api:
        async for batch in http.paginate(api, "/items", params=params, paginator="link_header"):
            yield batch
"""

MAPPING = """
resources:
  - kind: item
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .id
          title: .name
          blueprint: '"probeItem"'
          properties:
            size: .size
"""

SPEC = """
type: probe
configurations:
  - name: apiUrl
    type: url
    required: false
    default: https://items.example.test
"""


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    """An integration folder: one kind, ``item``, read from ``GET /items`` (Link-header pages)."""
    root = tmp_path / "probe"
    (root / ".port/resources").mkdir(parents=True)
    (root / ".port/spec.yaml").write_text(SPEC)
    (root / ".port/resources/port-app-config.yml").write_text(MAPPING)
    blueprint = {
        "identifier": "probeItem",
        "title": "Probe item",
        "schema": {"properties": {"size": {"type": "number"}}},
    }
    (root / ".port/resources/blueprints.json").write_text(json.dumps([blueprint]))
    (root / "main.py").write_text(textwrap.dedent(MAIN))
    (root / "pyproject.toml").write_text('[project]\nname = "probe"\nversion = "0.1.0"\n')
    return root
