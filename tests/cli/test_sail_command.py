"""``ocean sail`` through the Typer app (in-process), against a standalone harbor over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ocean_cli.main import app

MAIN = """
import logging

from ocean_runtime import ocean

logger = logging.getLogger(__name__)


@ocean.on_resync("note")
async def notes(kind):
    logger.warning("calling the notes API with token %s", ocean.integration_config["api_token"])
    if ocean.integration_config["broken"]:
        raise ValueError("the notes API refused the token")
    return [{"id": "n1", "text": "hello"}, {"id": "n2", "text": "world"}]
"""
SPEC = """
title: Notes
configurations:
  - name: apiToken
    type: string
    required: true
    sensitive: true
  - name: broken
    type: boolean
    default: false
"""
BLUEPRINTS = [{"identifier": "note", "title": "Note", "schema": {"properties": {"text": {"type": "string"}}}}]
MAPPING = {
    "resources": [
        {
            "kind": "note",
            "selector": {"query": "true"},
            "port": {
                "entity": {
                    "mappings": {"identifier": ".id", "blueprint": '"note"', "properties": {"text": ".text"}}
                }
            },
        }
    ]
}
TOKEN = "tok-3f9a8b7c6d5e"


@pytest.fixture
def integration(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    (root / ".port" / "resources").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "notes"\nversion = "1.0.0"\n')
    (root / "main.py").write_text(MAIN)
    (root / ".port" / "spec.yaml").write_text(SPEC)
    (root / ".port" / "resources" / "blueprints.json").write_text(json.dumps(BLUEPRINTS))
    (root / ".port" / "resources" / "port-app-config.yml").write_text(json.dumps(MAPPING))
    return root


@pytest.fixture
def env(harbor: Any) -> dict[str, str]:
    return {
        "OCEAN__PORT__BASE_URL": harbor.url,
        "OCEAN__PORT__CLIENT_ID": harbor.client_id,
        "OCEAN__PORT__CLIENT_SECRET": harbor.client_secret,
        "OCEAN__INTEGRATION__CONFIG__API_TOKEN": TOKEN,
    }


def test_sail_once_syncs_and_prints_a_summary(integration: Path, harbor: Any, env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["sail", str(integration), "--once"], env=env)

    assert result.exit_code == 0, result.output
    assert f"Sailing to Port at {harbor.url}" in result.output
    assert "Created blueprints: note" in result.output
    assert "total" in result.output and "completed" in result.output
    assert {e["identifier"] for e in harbor.entities("note")} == {"n1", "n2"}


def test_secrets_are_masked_in_logs(integration: Path, env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["sail", str(integration), "--once"], env=env)

    assert "calling the notes API with token" in result.output
    assert TOKEN not in result.output
    assert "[REDACTED]" in result.output


def test_a_failed_resync_exits_1_with_the_reason(integration: Path, harbor: Any, env: dict[str, str]) -> None:
    env = {**env, "OCEAN__INTEGRATION__CONFIG__BROKEN": "true"}

    result = CliRunner().invoke(app, ["sail", str(integration), "--once"], env=env)

    assert result.exit_code == 1
    assert "error: the resync failed — note (resources[0]): handler notes raised main.py:" in result.output
    assert "ValueError: the notes API refused the token" in result.output
    assert harbor.entities("note") == []


def test_an_unknown_log_level_is_refused(integration: Path, env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["sail", str(integration), "--once", "--log-level", "LOUD"], env=env)

    assert result.exit_code == 1
    assert "--log-level: 'LOUD' is not a log level" in result.output


def test_a_taken_health_port_is_a_user_error(integration: Path, harbor: Any, env: dict[str, str]) -> None:
    taken = int(harbor.url.rsplit(":", 1)[1])

    result = CliRunner().invoke(app, ["sail", str(integration), "--port", str(taken)], env=env)

    assert result.exit_code == 1
    assert f"cannot listen on port {taken}" in result.output


def test_the_harbors_published_default_secret_is_not_masked(integration: Path, env: dict[str, str]) -> None:
    from ocean_harbor import DEFAULT_CLIENT_SECRET

    # Masking "ocean" would turn every "ocean-…" name in the logs into "[REDACTED]-…".
    env = {**env, "OCEAN__INTEGRATION__CONFIG__API_TOKEN": DEFAULT_CLIENT_SECRET}
    result = CliRunner().invoke(app, ["sail", str(integration), "--once"], env=env)

    assert f"calling the notes API with token {DEFAULT_CLIENT_SECRET}" in result.output
