"""``ocean sail integrations/http --once`` with the environment alone, as the README's
"Without copying the folder" says: the API in ``OCEAN__INTEGRATION__CONFIG__*``, the mapping
and blueprints in a folder of the user's (``OCEAN__RESOURCES_PATH``), this folder untouched.

It runs the installed ``ocean`` entry point in a subprocess against the real local API
(``conftest.rest_api``) and the ``harbor`` fixture.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rest_server import INTEGRATION_DIR, RestAPI, endpoints_config

OCEAN = str(Path(sys.executable).with_name("ocean"))
MAPPING = """
resources:
  - kind: post
    selector: {query: 'true'}
    port:
      entity:
        mappings:
          identifier: .id | tostring
          title: .title
          blueprint: '"feedPost"'
          properties:
            updatedAt: .updatedAt
"""
BLUEPRINTS = [
    {
        "identifier": "feedPost",
        "title": "Feed post",
        "schema": {"properties": {"updatedAt": {"type": "string", "format": "date-time"}}},
    }
]


@pytest.fixture
def environ(tmp_path: Path, rest_api: RestAPI, harbor: Any) -> dict[str, str]:
    resources = tmp_path / "resources"
    resources.mkdir()
    (resources / "port-app-config.yml").write_text(MAPPING)
    (resources / "blueprints.json").write_text(json.dumps(BLUEPRINTS))
    config = endpoints_config(rest_api)
    clean = {key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")}
    return {
        **clean,
        "OCEAN__PORT__BASE_URL": harbor.url,
        "OCEAN__PORT__CLIENT_ID": harbor.client_id,
        "OCEAN__PORT__CLIENT_SECRET": harbor.client_secret,
        "OCEAN__INTEGRATION__IDENTIFIER": "feed",
        "OCEAN__INTEGRATION__CONFIG__BASE_URL": config["baseUrl"],
        "OCEAN__INTEGRATION__CONFIG__AUTH": json.dumps(config["auth"]),
        "OCEAN__INTEGRATION__CONFIG__TOKEN": rest_api.token,
        "OCEAN__INTEGRATION__CONFIG__ENDPOINTS": json.dumps({"post": config["endpoints"]["post"]}),
        "OCEAN__RESOURCES_PATH": str(resources),
    }


def sail_once(environ: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OCEAN, "sail", str(INTEGRATION_DIR), "--once"],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_env_config_syncs_the_folder_as_shipped_then_incrementally(
    environ: dict[str, str], rest_api: RestAPI, harbor: Any, tmp_path: Path
) -> None:
    full = sail_once(environ, tmp_path)

    assert full.returncode == 0, full.stdout + full.stderr
    posts = {entity["identifier"] for entity in harbor.entities("feedPost")}
    assert posts == {str(100 + n) for n in range(10)}
    assert harbor.entities("apiPost") == []  # the shipped mapping was not used

    rest_api.requests.clear()
    incremental = sail_once({**environ, "OCEAN__INTEGRATION__INCREMENTAL_SYNC_ENABLED": "true"}, tmp_path)

    assert incremental.returncode == 0, incremental.stdout + incremental.stderr
    assert "Incremental sync" in incremental.stdout
    assert rest_api.requests and all("since=" in request for request in rest_api.requests)
