"""``ocean defaults dock|clean`` through the Typer app, against a standalone harbor over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ocean_cli.main import app

BLUEPRINTS = [
    {"identifier": "team", "title": "Team", "schema": {"properties": {}}},
    {
        "identifier": "service",
        "title": "Service",
        "schema": {"properties": {"tier": {"type": "string"}}},
        "relations": {"team": {"target": "team", "required": False, "many": False}},
        "mirrorProperties": {"teamTitle": {"path": "team.$title"}},
    },
]
MAPPING = {
    "resources": [
        {
            "kind": "service",
            "selector": {"query": "true"},
            "port": {"entity": {"mappings": {"identifier": ".id", "blueprint": '"service"'}}},
        }
    ]
}
ACTIONS = [
    {
        "identifier": "restart",
        "title": "Restart",
        "trigger": {
            "type": "self-service",
            "operation": "DAY-2",
            "blueprintIdentifier": "service",
            "userInputs": {},
        },
        "invocationMethod": {"type": "WEBHOOK", "url": "https://example.com"},
    }
]


@pytest.fixture
def integration(tmp_path: Path) -> Path:
    root = tmp_path / "svc"
    (root / ".port" / "resources").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "svc"\nversion = "0.3.0"\n')
    (root / "main.py").write_text("raise RuntimeError('defaults must not import main.py')\n")
    (root / ".port" / "spec.yaml").write_text("title: Services\n")
    (root / ".port" / "resources" / "blueprints.json").write_text(json.dumps(BLUEPRINTS))
    (root / ".port" / "resources" / "port-app-config.yml").write_text(json.dumps(MAPPING))
    (root / ".port" / "resources" / "actions.json").write_text(json.dumps(ACTIONS))
    return root


@pytest.fixture
def env(harbor: Any) -> dict[str, str]:
    return {
        "OCEAN__PORT__BASE_URL": harbor.url,
        "OCEAN__PORT__CLIENT_ID": harbor.client_id,
        "OCEAN__PORT__CLIENT_SECRET": harbor.client_secret,
    }


def ocean(*args: str, env: dict[str, str]) -> Any:
    return CliRunner().invoke(app, list(args), env=env)


def test_dock_creates_the_integration_blueprints_and_actions(
    integration: Path, harbor: Any, env: Any
) -> None:
    result = ocean("defaults", "dock", str(integration), env=env)

    assert result.exit_code == 0, result.output
    assert "Blueprints created: team, service" in result.output
    blueprints = {bp["identifier"]: bp for bp in harbor.blueprints()}
    assert set(blueprints) == {"team", "service"}
    assert blueprints["service"]["relations"]["team"]["target"] == "team"
    assert "teamTitle" in blueprints["service"]["mirrorProperties"]
    record = harbor.integration("my-svc-integration")
    assert record is not None and record["arePortResourcesInitialized"] is True
    assert record["config"]["resources"][0]["kind"] == "service"
    assert record["version"] == "0.3.0" and record["installationAppType"] == "svc"


def test_dock_twice_changes_nothing(integration: Path, harbor: Any, env: Any) -> None:
    ocean("defaults", "dock", str(integration), env=env)

    result = ocean("defaults", "dock", str(integration), env=env)

    assert result.exit_code == 0, result.output
    assert "Blueprints created: none" in result.output
    assert "Blueprints already there: team, service" in result.output


def test_a_refused_blueprint_rolls_back_the_created_ones(integration: Path, harbor: Any, env: Any) -> None:
    broken = [
        *BLUEPRINTS,
        {"identifier": "bad", "title": "Bad", "schema": {"properties": {"x": {"type": "nope"}}}},
    ]
    (integration / ".port" / "resources" / "blueprints.json").write_text(json.dumps(broken))

    result = ocean("defaults", "dock", str(integration), env=env)

    assert result.exit_code == 1
    assert "error:" in result.output and "blueprints.json" in result.output and "'bad'" in result.output
    assert harbor.blueprints() == []
    record = harbor.integration("my-svc-integration")
    assert record is not None and not record.get("arePortResourcesInitialized")


def test_clean_refuses_blueprints_with_entities_unless_forced(
    integration: Path, harbor: Any, env: Any
) -> None:
    ocean("defaults", "dock", str(integration), env=env)
    with harbor.client() as client:
        client.post(
            "/v1/blueprints/service/entities", json={"identifier": "s1", "properties": {}}
        ).raise_for_status()

    refused = ocean("defaults", "clean", str(integration), env=env)
    forced = ocean("defaults", "clean", str(integration), "--force", env=env)

    assert refused.exit_code == 1
    assert "service: it still has entities" in refused.output and "--force" in refused.output
    assert forced.exit_code == 0, forced.output
    assert harbor.blueprints() == []
    assert harbor.integration("my-svc-integration") is not None


def test_clean_destroy_deletes_the_integration_too(integration: Path, harbor: Any, env: Any) -> None:
    ocean("defaults", "dock", str(integration), env=env)

    result = ocean("defaults", "clean", str(integration), "--destroy", env=env)

    assert result.exit_code == 0, result.output
    assert "Integration deleted" in result.output
    assert harbor.blueprints() == [] and harbor.integration("my-svc-integration") is None


def test_dock_after_clean_creates_the_blueprints_again(integration: Path, harbor: Any, env: Any) -> None:
    ocean("defaults", "dock", str(integration), env=env)
    ocean("defaults", "clean", str(integration), env=env)

    result = ocean("defaults", "dock", str(integration), env=env)

    assert result.exit_code == 0, result.output
    assert {bp["identifier"] for bp in harbor.blueprints()} == {"team", "service"}


def test_refused_credentials_exit_1(integration: Path, env: Any) -> None:
    result = ocean("defaults", "dock", str(integration), env={**env, "OCEAN__PORT__CLIENT_SECRET": "wrong"})

    assert result.exit_code == 1
    assert result.output.count("error:") == 1


def test_dock_into_the_local_harbor_ends_with_a_command_that_serves_it(integration: Path) -> None:
    clean_env = {
        key: "" for key in ("OCEAN__PORT__BASE_URL", "OCEAN__PORT__CLIENT_ID", "OCEAN__PORT__CLIENT_SECRET")
    }
    result = ocean("defaults", "dock", str(integration), env=clean_env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "http://" not in result.stdout  # the embedded harbor is gone when the command ends
    assert lines[-3] == "Docked. ⚓"
    assert lines[-2].endswith(".ocean/harbor.db. Browse it with:")
    assert lines[-1].endswith(f" harbor --db {integration / '.ocean' / 'harbor.db'}")
