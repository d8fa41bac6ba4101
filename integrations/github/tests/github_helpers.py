"""Running the GitHub integration in tests: one resync into the ``harbor``, a copy to edit."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from fake_github import FakeGitHub

from ocean_runtime.sync import ResyncReport
from ocean_runtime.testing import resync

INTEGRATION_DIR = Path(__file__).resolve().parents[1]
BLUEPRINTS = (
    "githubRepository",
    "githubTeam",
    "githubPullRequest",
    "githubIssue",
    "githubWorkflow",
    "githubWorkflowRun",
)


def environment(github: FakeGitHub, **config: str) -> dict[str, str]:
    """``OCEAN__*`` settings pointing the integration at the fake's organisation."""
    settings = {"github_token": github.token, "github_organization": github.organization, **config}
    return {f"OCEAN__INTEGRATION__CONFIG__{key.upper()}": value for key, value in settings.items()}


def sail_once(
    harbor: Any, github: FakeGitHub, directory: Path = INTEGRATION_DIR, *, check: bool = True, **config: str
) -> ResyncReport:
    """One full resync of the integration in ``directory`` into ``harbor``."""
    return resync(
        directory,
        base_url=harbor.url,
        client_id=harbor.client_id,
        client_secret=harbor.client_secret,
        env=environment(github, **config),
        check=check,
    )


def by_id(harbor: Any, blueprint: str) -> dict[str, dict[str, Any]]:
    """The harbor's entities of ``blueprint`` by identifier."""
    return {entity["identifier"]: entity for entity in harbor.entities(blueprint)}


def snapshot(harbor: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """Every entity of the integration's blueprints."""
    return {blueprint: by_id(harbor, blueprint) for blueprint in BLUEPRINTS}


def copy_with_selectors(tmp_path: Path, **selectors: dict[str, Any]) -> Path:
    """A copy of the integration whose resources of each kind get extra selector fields.

    ``copy_with_selectors(tmp_path, issue={"state": "all"})``; kinds are given with ``_``
    for ``-`` (``pull_request``).
    """
    target = tmp_path / "github"
    shutil.copytree(
        INTEGRATION_DIR, target, ignore=shutil.ignore_patterns("tests", ".ocean", "__pycache__", ".*cache")
    )
    config_file = target / ".port" / "resources" / "port-app-config.yml"
    config = yaml.safe_load(config_file.read_text())
    for resource in config["resources"]:
        resource["selector"].update(selectors.get(resource["kind"].replace("-", "_"), {}))
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    return target
